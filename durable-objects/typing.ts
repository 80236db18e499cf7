import type { ClientMessage } from "../src/shared/protocol";
import { frameOf, type RoomConnection, sendError, sendFrame } from "./connection";
import { isOff } from "./micro-apps";
import type { PresenceHost } from "./presence";

/** At most one typing signal per connection in this interval; more are dropped silently. */
const TYPING_INTERVAL_MS = 2_000;

/**
 * "Is typing" (R-M8): ephemeral, neither stored nor sequenced. The building chat's signal goes to
 * everyone else who is live; a direct message's only to the other person.
 */
export function relayTyping(
  host: PresenceHost,
  conn: RoomConnection,
  m: Extract<ClientMessage, { type: "typing" }>,
  now: number,
) {
  const s = conn.state;
  if (!s) return;
  if (m.scope === "dm") {
    if (s.staff) return sendError(conn, "FORBIDDEN", "Direct messages are between residents.");
    const to = m.toUserId === undefined ? undefined : host.store.member(m.toUserId);
    if (!m.toUserId || m.toUserId === s.userId || !to || to.staff)
      return sendError(conn, "NOT_FOUND", "No such neighbour in this building.");
  }
  if (now - s.typedAt < TYPING_INTERVAL_MS) return;
  conn.setState({ ...s, typedAt: now });
  const frame = frameOf({ type: "typing", scope: m.scope, userId: s.userId });
  const targets = m.scope === "dm" && m.toUserId ? host.connections(m.toUserId) : host.connections();
  for (const c of targets) {
    if (c.state?.live && c.state.userId !== s.userId && !isOff(c.state, "my-neighbours")) sendFrame(c, frame);
  }
}
