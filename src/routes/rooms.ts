import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import { recordParticipation, roomIdentity } from "../services/rooms";
import { encodeIdentity, IDENTITY_HEADER } from "../shared/room-identity";
import { declare, guard } from "./define";

declare("GET", "/rooms/:buildingId", "session");

/**
 * The WebSocket door to a building room. Everything is decided here, before the room is reached:
 * a WebSocket upgrade, from the app's own origin (no cross-site WebSocket hijacking), by a logged-in
 * member of the building. The request forwarded to the room is built anew: no client header (such as
 * partyserver's `x-partykit-*` or our identity header) and no client-chosen connection id (`_pk`)
 * gets through; the identity header and the connection id are the Worker's own.
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
  const forwarded = new Request(`https://room.internal/${encodeURIComponent(buildingId)}?_pk=${crypto.randomUUID()}`, {
    headers: {
      upgrade: "websocket",
      [IDENTITY_HEADER]: encodeIdentity({ ...identity, jurisdiction: c.var.deps.stores.jurisdiction }),
    },
  });
  // The participation record and the room's upgrade run side by side (the connect waits for the
  // slower one, not for both in turn); a connection is only handed out once its record is stored.
  const [recorded, upgraded] = await Promise.allSettled([
    recordParticipation(c.var.deps, actor, buildingId),
    c.var.deps.stores.rooms().getByName(buildingId).fetch(forwarded),
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
  // A fresh response: the room's own is immutable, and the middleware adds headers afterwards.
  return new Response(null, { status: res.status, webSocket: res.webSocket });
});
