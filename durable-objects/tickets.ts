import type { TicketLiveEvent } from "../src/shared/protocol";
import type { TicketAudience } from "../src/shared/room-rpc";
import { accessEnded, endAccess, frameOf, type RoomConnection, sendFrame } from "./connection";

/**
 * Live ticket events (R-M3). Tickets live in D1, where managers query them across buildings; the room
 * only relays a change to the people it concerns, at once: the reporter's connections (found by their
 * tag) and the building's staff. Nothing is stored here and nothing is sequenced: a client that was
 * offline reloads its tickets over HTTP on reconnect (decision 0020). An internal note's audience has
 * no residents, and a resident's connection never receives a frame with one, whatever the caller says.
 */
export function relayTicketEvent(
  connections: (tag?: string) => Iterable<RoomConnection>,
  event: TicketLiveEvent,
  audience: TicketAudience,
  now: number,
): number {
  const internal = event.message?.visibility === "internal";
  const frame = frameOf({ type: "ticket", event });
  const targets = new Set<RoomConnection>();
  if (!internal) for (const userId of audience.userIds) for (const c of connections(userId)) targets.add(c);
  if (audience.staff) for (const c of connections()) if (c.state?.staff) targets.add(c);
  let sent = 0;
  for (const c of targets) {
    const s = c.state;
    if (!s || (internal && !s.staff)) continue;
    if (accessEnded(s, now)) {
      endAccess(c);
      continue;
    }
    sendFrame(c, frame);
    sent++;
  }
  return sent;
}
