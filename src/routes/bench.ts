import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import { recordParticipation, roomIdentity } from "../services/rooms";
import { declare, guard } from "./define";

declare("GET", "/_bench/echo/:buildingId", "dev");

/**
 * Development only: the echo room that the fan-out benchmark compares against. The same Worker-side
 * checks as the real door (`/rooms/:buildingId`): a logged-in member of the building, from the app's
 * own origin, with a WebSocket upgrade; then the minimal hibernating `EchoRoom` of that building.
 * Nothing else: no participation record, no identity header. 404 in production (`dev` access, and
 * production has no `ECHO_ROOM` binding). `?participation=1` adds the door's room-participation write
 * (a decomposition probe: how much of the door's cost is that D1 write); `?durable=1` connects to the
 * durable variant of the room (its own instance), which stores each frame before relaying it.
 */
export const benchRoutes = new OpenAPIHono<AppEnv>().get("/_bench/echo/:buildingId", guard("dev"), async (c) => {
  const echo = c.env.ECHO_ROOM;
  if (!echo) throw new AppError("NOT_FOUND", "Not found");
  const actor = c.var.actor;
  const app = c.var.app;
  if (!actor || !app) throw new AppError("UNAUTHENTICATED", "Please log in.");
  const buildingId = c.req.param("buildingId");
  roomIdentity(actor, buildingId);
  if (c.req.header("origin") !== app.origin) {
    throw new AppError("FORBIDDEN", "Connections from other sites are refused.");
  }
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_FAILED", "Connect with a WebSocket.");
  }
  if (c.req.query("participation") === "1") await recordParticipation(c.var.deps, actor, buildingId);
  const durable = c.req.query("durable") === "1";
  const room = durable ? `durable:${buildingId}` : buildingId;
  const query = `${durable ? "durable=1&" : ""}_pk=${crypto.randomUUID()}`;
  const forwarded = new Request(`https://echo.internal/${encodeURIComponent(room)}?${query}`, {
    headers: { upgrade: "websocket" },
  });
  const res = await echo.getByName(room).fetch(forwarded);
  return new Response(null, { status: res.status, webSocket: res.webSocket });
});
