import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { roomParticipation } from "../db/schema/rooms";
import { loadActor } from "./actor";
import { roomIdentity } from "./rooms";

/**
 * Live connections follow access changes at once (issue 4, item 1): when a tenancy is shortened or a
 * staff role ends, the rooms the person uses learn it now, not at the next reconnect.
 *
 * - `reconnect: false` (tenancy dates changed): each room gets the person's new "access until"; a
 *   connection whose access has already ended is closed, the others are closed by the room's alarm.
 * - `reconnect: true` (roles changed: staff rights live in the connection state): the person's
 *   connections are closed; the client reconnects through the Worker's door, which decides afresh
 *   (its resume makes this lossless).
 *
 * Only rooms of the person's participation are visited (the rooms they ever connected to).
 */
export async function reviseRoomAccess(
  deps: Deps,
  customerId: string,
  userId: string,
  o: { reconnect: boolean; buildingIds?: readonly string[] },
): Promise<{ rooms: number; closed: number }> {
  const rows = await deps.db
    .select({ buildingId: roomParticipation.buildingId })
    .from(roomParticipation)
    .where(and(eq(roomParticipation.userId, userId), eq(roomParticipation.customerId, customerId)));
  const rooms = rows.map((r) => r.buildingId).filter((b) => !o.buildingIds || o.buildingIds.includes(b));
  if (rooms.length === 0) return { rooms: 0, closed: 0 };
  // The session id only names connections; access is computed from the person's current rows.
  const actor = await loadActor(deps, { id: "access-revision", userId, customerId });
  let closed = 0;
  for (const buildingId of rooms) {
    const room = deps.stores.rooms().getByName(buildingId);
    let until: number | null | undefined;
    try {
      until = actor ? roomIdentity(actor, buildingId).accessUntil : undefined;
    } catch {
      until = undefined; // no longer a member of this building
    }
    if (until === undefined || o.reconnect) closed += await room.disconnect(userId);
    else closed += await room.updateAccess(userId, until);
  }
  return { rooms: rooms.length, closed };
}
