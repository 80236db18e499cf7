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
  await recordParticipation(c.var.deps, actor, buildingId);
  const forwarded = new Request(`https://room.internal/${encodeURIComponent(buildingId)}?_pk=${crypto.randomUUID()}`, {
    headers: { upgrade: "websocket", [IDENTITY_HEADER]: encodeIdentity(identity) },
  });
  const res = await c.var.deps.stores.rooms().getByName(buildingId).fetch(forwarded);
  // A fresh response: the room's own is immutable, and the middleware adds headers afterwards.
  return new Response(null, { status: res.status, webSocket: res.webSocket });
});
