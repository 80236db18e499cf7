import { and, eq, lt } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { RestrictionKind } from "../db/schema/privacy";
import { roomParticipation } from "../db/schema/rooms";
import { AppError, notFound } from "../lib/errors";
import { DAY, HOUR } from "../lib/time";
import { isProcessingRestricted } from "../privacy/restriction";
import type { Identity } from "../shared/room-identity";
import type { Actor } from "./actor";
import { errorCode, FAN_OUT_CONCURRENCY, mapBounded } from "./fan-out";

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

/** `last_seen_at` is moved at most this often: a reconnect storm reads, it does not write. */
const PARTICIPATION_TOUCH_MS = HOUR;

/**
 * Records that the person used the room (kept after the tenancy ends, for export and erasure). The
 * door runs it beside the room's upgrade and hands out the connection only when it succeeded. A
 * first visit also tells the room whether the person's processing is restricted (R-P5): a room they
 * never used has not heard of it (decision 0032); known rooms were told when it changed.
 */
export async function recordParticipation(deps: Deps, actor: Actor, buildingId: string) {
  const now = deps.now();
  const [row] = await deps.db
    .insert(roomParticipation)
    .values({ customerId: actor.customerId, buildingId, userId: actor.userId, firstSeenAt: now, lastSeenAt: now })
    .onConflictDoUpdate({
      target: [roomParticipation.buildingId, roomParticipation.userId],
      set: { lastSeenAt: now },
      setWhere: lt(roomParticipation.lastSeenAt, new Date(now.getTime() - PARTICIPATION_TOUCH_MS)),
    })
    .returning({ firstSeenAt: roomParticipation.firstSeenAt });
  if (row?.firstSeenAt.getTime() !== now.getTime()) return;
  if (!(await isProcessingRestricted(deps.db, actor.customerId, actor.userId))) return;
  try {
    await deps.stores.rooms().getByName(buildingId).setRestricted(actor.userId, true);
  } catch (e) {
    console.error(JSON.stringify({ roomRestrictionFailed: 1, errors: [errorCode(e)] }));
    throw new AppError("ROOM_UNAVAILABLE", "The building room cannot be reached; try again shortly.");
  }
}

/** Attempts per room when a restriction changes (the call is idempotent). */
const RESTRICTION_ATTEMPTS = 3;

/**
 * A restriction of processing was set or lifted (R-P5, decision 0032): every room of the person's
 * participation learns the current state from D1, so their profile and presence disappear from their
 * neighbours' view at once, or come back. Objections (R-P6) change nothing in the rooms. Rooms are
 * called with bounded concurrency, each up to three times; a room still unreachable answers 503
 * ROOM_UNAVAILABLE, and sending the request again (a no-op in D1) repeats the push.
 */
export async function restrictionToRooms(deps: Deps, s: { customerId: string; userId: string }, kind: RestrictionKind) {
  if (kind !== "restriction") return;
  const on = await isProcessingRestricted(deps.db, s.customerId, s.userId);
  const rows = await deps.db
    .select({ buildingId: roomParticipation.buildingId })
    .from(roomParticipation)
    .where(and(eq(roomParticipation.userId, s.userId), eq(roomParticipation.customerId, s.customerId)));
  const results = await mapBounded(rows, FAN_OUT_CONCURRENCY, async ({ buildingId }) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.stores.rooms().getByName(buildingId).setRestricted(s.userId, on);
      } catch (e) {
        if (attempt >= RESTRICTION_ATTEMPTS) throw e;
      }
    }
  });
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  // Ids and error names only (never personal values).
  const errors = failed.map((r) => (r.ok ? "" : errorCode(r.error)));
  console.error(JSON.stringify({ roomRestrictionFailed: failed.length, rooms: rows.length, errors }));
  throw new AppError("ROOM_UNAVAILABLE", "Your choice is saved, but a building room could not be told; send it again.");
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
