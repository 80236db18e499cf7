import { and, eq, inArray, isNull, lt, or, type SQLWrapper } from "drizzle-orm";
import type { Deps } from "../app-env";
import { microApps } from "../db/schema/customers";
import { buildings } from "../db/schema/estate";
import type { RestrictionKind } from "../db/schema/privacy";
import { roomParticipation } from "../db/schema/rooms";
import { AppError, notFound } from "../lib/errors";
import { DAY, HOUR } from "../lib/time";
import { isProcessingRestricted } from "../privacy/restriction";
import { type Identity, ROOM_APPS, type RoomApp } from "../shared/room-identity";
import type { Actor, SessionExtra } from "./actor";
import { errorCode, FAN_OUT_CONCURRENCY, mapBounded } from "./fan-out";
import { isAppOn, type MicroAppRow } from "./micro-apps";

/** A room identity before the region is known (the door adds the jurisdiction of the app it serves). */
export type RoomMember = Omit<Identity, "jurisdiction" | "off">;

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

/** `last_seen_at` is moved at most this often, and never on the connect's path. */
export const PARTICIPATION_TOUCH_MS = HOUR;

/**
 * What the WebSocket door needs beyond the actor, read in the session's own D1 batch (decision 0037:
 * a connect costs one D1 round trip, as the echo door's does): the person's participation row in this
 * room and the room's micro-apps switched off where the building is.
 */
export class RoomDoorFacts {
  constructor(
    readonly buildingId: string,
    /** When the participation row was last moved; null: no row yet (first visit: the door records it). */
    readonly lastSeenAt: Date | null,
    /** The room's micro-apps off for residents of this building (staff are exempt: the door decides). */
    readonly off: readonly RoomApp[],
  ) {}
}

const DOOR_PATH = /^\/rooms\/([^/]+)$/;

/** The room apps' rows that apply to the building: customer-wide and its property's overrides. */
function roomAppRows(db: Deps["db"], customerId: string, buildingId: string) {
  const propertyOfBuilding = db
    .select({ id: buildings.propertyId })
    .from(buildings)
    .where(and(eq(buildings.id, buildingId), eq(buildings.customerId, customerId)));
  return db
    .select({
      propertyId: microApps.propertyId,
      appKey: microApps.appKey,
      enabled: microApps.enabled,
      customName: microApps.customName,
    })
    .from(microApps)
    .where(
      and(
        eq(microApps.customerId, customerId),
        inArray(microApps.appKey, [...ROOM_APPS]),
        or(isNull(microApps.propertyId), inArray(microApps.propertyId, propertyOfBuilding)),
      ),
    );
}

/** By the one rule (src/services/micro-apps.ts `isAppOn`): rows hold only this building's property. */
function appsOff(rows: readonly MicroAppRow[]): RoomApp[] {
  const propertyId = rows.find((r) => r.propertyId !== null)?.propertyId ?? null;
  return ROOM_APPS.filter((app) => !isAppOn(rows, app, propertyId));
}

/**
 * The session middleware's extra reads for a request to the door (`GET /rooms/:buildingId`), so they
 * ride in the session batch; undefined for any other request.
 */
export function roomDoorExtra(method: string, path: string): SessionExtra | undefined {
  const m = method === "GET" ? DOOR_PATH.exec(path) : null;
  if (!m?.[1]) return undefined;
  let buildingId: string;
  try {
    buildingId = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  return {
    queries: (db, customerId, who: SQLWrapper) => [
      db
        .select({ lastSeenAt: roomParticipation.lastSeenAt })
        .from(roomParticipation)
        .where(
          and(
            eq(roomParticipation.buildingId, buildingId),
            eq(roomParticipation.customerId, customerId),
            inArray(roomParticipation.userId, who),
          ),
        ),
      roomAppRows(db, customerId, buildingId),
    ],
    read: (results) => {
      const [participation, apps] = results as [{ lastSeenAt: Date }[], MicroAppRow[]];
      return new RoomDoorFacts(buildingId, participation[0]?.lastSeenAt ?? null, appsOff(apps));
    },
  };
}

/** The door's facts for this building, if the session batch read them. */
export function doorFacts(actor: Actor, buildingId: string): RoomDoorFacts | null {
  const f = actor.extra;
  return f instanceof RoomDoorFacts && f.buildingId === buildingId ? f : null;
}

/** The room's micro-apps off for a resident of the building, in a query of its own (fallback of the batch). */
export async function roomAppsOff(deps: Deps, customerId: string, buildingId: string): Promise<RoomApp[]> {
  return appsOff(await roomAppRows(deps.db, customerId, buildingId));
}

/** Moves `last_seen_at` (off the connect's path: the door runs it after handing out the connection). */
export async function touchParticipation(deps: Deps, actor: Actor, buildingId: string) {
  await deps.db
    .update(roomParticipation)
    .set({ lastSeenAt: deps.now() })
    .where(and(eq(roomParticipation.buildingId, buildingId), eq(roomParticipation.userId, actor.userId)));
}

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
