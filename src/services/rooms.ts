import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { roomParticipation } from "../db/schema/rooms";
import { AppError, notFound } from "../lib/errors";
import { DAY } from "../lib/time";
import type { Identity } from "../shared/room-identity";
import type { Actor } from "./actor";

/** A room identity before the region is known (the door adds the jurisdiction of the app it serves). */
export type RoomMember = Omit<Identity, "jurisdiction">;

/**
 * Who may join a building's room: its current residents (until the end of their tenancy's last day)
 * and the staff who manage it. Anyone else gets 404, as if the building did not exist.
 */
export function roomIdentity(actor: Actor, buildingId: string): RoomMember {
  const staff = actor.managedBuildingIds.has(buildingId);
  const homes = actor.memberships.filter((m) => m.buildingId === buildingId);
  if (!staff && homes.length === 0) throw notFound("Building");
  let accessUntil: number | null = null;
  if (!staff) {
    // Open-ended wins; otherwise the latest end among the person's tenancies in this building.
    const ends = homes.map((h) => (h.endsOn === null ? null : Date.parse(`${h.endsOn}T00:00:00Z`) + DAY));
    accessUntil = ends.includes(null) ? null : Math.max(...(ends as number[]));
  }
  return {
    userId: actor.userId,
    sessionId: actor.sessionId,
    name: actor.name,
    staff,
    accessUntil,
    customerId: actor.customerId,
  };
}

/** Records that the person used the room (kept after the tenancy ends, for export and erasure). */
export async function recordParticipation(deps: Deps, actor: Actor, buildingId: string) {
  const now = deps.now();
  await deps.db
    .insert(roomParticipation)
    .values({ customerId: actor.customerId, buildingId, userId: actor.userId, firstSeenAt: now, lastSeenAt: now })
    .onConflictDoUpdate({ target: [roomParticipation.buildingId, roomParticipation.userId], set: { lastSeenAt: now } });
}

/**
 * Closes live room connections at once: of one session (`{ sessionId }`, logout) or of a person
 * (`{ userId }`: logout everywhere, password change or reset, erasure), in every room they used.
 */
export async function disconnectFromRooms(
  deps: Deps,
  customerId: string,
  userId: string,
  scope: { sessionId?: string } = {},
) {
  const rooms = await deps.db
    .select({ buildingId: roomParticipation.buildingId })
    .from(roomParticipation)
    .where(and(eq(roomParticipation.userId, userId), eq(roomParticipation.customerId, customerId)));
  const tag = scope.sessionId ? `session:${scope.sessionId}` : userId;
  for (const r of rooms) await deps.stores.rooms().getByName(r.buildingId).disconnect(tag);
}

/**
 * A page of a room's history for a current member (404 for anyone else, like the WebSocket door).
 * Residents never get hidden posts; `dm` is the member's conversation with one neighbour (residents
 * only: staff have no direct messages in the room).
 */
export async function roomHistory(
  deps: Deps,
  actor: Actor,
  buildingId: string,
  kind: "posts" | "chat" | "dm",
  cursor: { at: number; id: string } | null,
  limit: number,
  withUserId?: string,
) {
  const { staff } = roomIdentity(actor, buildingId);
  if (kind === "dm" && staff) throw new AppError("FORBIDDEN", "Direct messages are between residents.");
  const viewer = { userId: actor.userId, staff, ...(withUserId ? { withUserId } : {}) };
  return deps.stores.rooms().getByName(buildingId).history(kind, cursor, limit, viewer);
}
