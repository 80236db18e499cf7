import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import {
  doorFacts,
  PARTICIPATION_TOUCH_MS,
  recordParticipation,
  roomAppsOff,
  roomIdentity,
  touchParticipation,
} from "../services/rooms";
import { encodeIdentity, IDENTITY_HEADER, LAST_SEQ_HEADER, parseSeq } from "../shared/room-identity";
import { declare, guard } from "./define";

declare("GET", "/rooms/:buildingId", "session");

/**
 * The WebSocket door to a building room. Everything is decided here, before the room is reached:
 * a WebSocket upgrade, from the app's own origin (no cross-site WebSocket hijacking), by a logged-in
 * member of the building. The request forwarded to the room is built anew: no client header (such as
 * partyserver's `x-partykit-*` or our identity header) and no client-chosen connection id (`_pk`)
 * gets through; the identity header and the connection id are the Worker's own. The one thing taken
 * from the client is `lastSeq` in the query (browsers cannot set WebSocket headers): the last sequence
 * number it has seen, validated here and passed on in the Worker's own header, so the room does the
 * catch-up at connect and the `resume` round trip disappears (decision 0037, session 6).
 */
export const roomRoutes = new Hono<AppEnv>().get("/rooms/:buildingId", guard("session"), async (c) => {
  const actor = c.var.actor;
  const app = c.var.app;
  if (!actor || !app) throw new AppError("UNAUTHENTICATED", "Please log in.");
  // Membership first: a building the actor cannot see answers 404 whatever else is wrong.
  const buildingId = c.req.param("buildingId");
  const identity = roomIdentity(actor, buildingId);
  if (c.req.header("origin") !== app.origin) {
    throw new AppError("FORBIDDEN", "Connections from other sites are refused.");
  }
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_FAILED", "Connect with a WebSocket.");
  }
  const lastSeq = lastSeqOf(c.req.url);
  const deps = c.var.deps;
  // Read with the session, in its batch (decision 0037); the separate reads are only a fallback.
  const facts = doorFacts(actor, buildingId);
  // Staff (managers of the building, admins) keep every app of the room (decision 0035).
  const off = identity.staff ? [] : (facts?.off ?? (await roomAppsOff(deps, actor.customerId, buildingId)));
  const forwarded = new Request(`https://room.internal/${encodeURIComponent(buildingId)}?_pk=${crypto.randomUUID()}`, {
    headers: {
      upgrade: "websocket",
      [IDENTITY_HEADER]: encodeIdentity({ ...identity, jurisdiction: deps.stores.jurisdiction, off }),
      ...(lastSeq === null ? {} : { [LAST_SEQ_HEADER]: String(lastSeq) }),
    },
  });
  // A known participant needs no write: the connect is the session batch and the room's upgrade.
  // A first visit records the participation beside the upgrade (the connect waits for the slower
  // one, not for both in turn); a connection is only handed out once its record is stored.
  const known = facts !== null && facts.lastSeenAt !== null;
  const [recorded, upgraded] = await Promise.allSettled([
    known ? Promise.resolve() : recordParticipation(deps, actor, buildingId),
    deps.stores.rooms().getByName(buildingId).fetch(forwarded),
  ]);
  if (upgraded.status === "rejected") throw upgraded.reason;
  const res = upgraded.value;
  if (recorded.status === "rejected") {
    res.webSocket?.accept();
    res.webSocket?.close(1011, "try again");
    throw recorded.reason;
  }
  // The room caps live connections per person and per room; the envelope says so like any other limit.
  if (res.status === 429) throw new AppError("RATE_LIMITED", "Too many open connections to this building.");
  // `last_seen_at` moves at most hourly, after the connection is handed out (never on its path).
  const seen = facts?.lastSeenAt;
  if (known && seen && deps.now().getTime() - seen.getTime() > PARTICIPATION_TOUCH_MS) {
    c.executionCtx.waitUntil(
      touchParticipation(deps, actor, buildingId).catch(() => console.error(JSON.stringify({ roomTouchFailed: 1 }))),
    );
  }
  // A fresh response: the room's own is immutable, and the middleware adds headers afterwards.
  return new Response(null, { status: res.status, webSocket: res.webSocket });
});

/**
 * The client's `lastSeq` from the upgrade URL: null when absent (it then sends `resume` after the
 * welcome); anything but one non-negative integer is refused before the room is reached.
 */
function lastSeqOf(url: string): number | null {
  const values = new URL(url).searchParams.getAll("lastSeq");
  if (values.length === 0) return null;
  const seq = values.length === 1 ? parseSeq(values[0] ?? "") : null;
  if (seq === null) {
    throw new AppError("VALIDATION_FAILED", "lastSeq must be one non-negative integer.", [
      { path: "lastSeq", message: "A non-negative integer" },
    ]);
  }
  return seq;
}
