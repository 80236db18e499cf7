import { accessEnded, endAccess, frameOf, type RoomConnection, send, sendFrame } from "./connection";
import { appOfEvent, isOff } from "./micro-apps";
import type { PresenceHost } from "./presence";
import { eventFor, eventsFor } from "./room-events";

/** How many missed events one resume sends at most; beyond that the client resyncs over HTTP. */
const CATCH_UP_LIMIT = 1_000;

/**
 * Sends one stored event to every live connection it is for. The frame is rebuilt once per kind of
 * viewer (resident, staff), not per connection; a direct message goes only to its two participants'
 * connections (found by tag, not by scanning the room). A connection whose access has ended gets
 * nothing more and is closed here, even if the alarm has not run yet.
 */
export function fanOutEvent(host: PresenceHost, seq: number, now: number) {
  const row = host.store.eventRow(seq);
  if (!row) return;
  const a = row.audience_a === null ? null : String(row.audience_a);
  const b = String(row.audience_b ?? "");
  const targets = a === null ? host.connections() : [...host.connections(a), ...(b === a ? [] : host.connections(b))];
  const frames = new Map<boolean, string | null>();
  const app = appOfEvent(String(row.kind));
  for (const c of targets) {
    const s = c.state;
    if (!s?.live || isOff(s, app)) continue;
    if (accessEnded(s, now)) {
      endAccess(c);
      continue;
    }
    let frame = frames.get(s.staff);
    if (frame === undefined) {
      const event = eventFor(host.store, row, s);
      frame = event ? frameOf({ type: "event", seq, event }) : null;
      frames.set(s.staff, frame);
    }
    if (frame) sendFrame(c, frame);
  }
}

/**
 * Sends exactly the events after `lastSeq` meant for this viewer, in order, and from then on live
 * events — or a resync when they are no longer kept (live events then stop until the next resume).
 * One synchronous step: no event can be written between the catch-up and the switch to live.
 * `head` is the room's head read in the same step (the welcome's, at connect). Returns whether the
 * connection is now live.
 */
export function catchUp(
  host: PresenceHost,
  conn: RoomConnection,
  lastSeq: number,
  head = host.store.headSeq(),
): boolean {
  const store = host.store;
  const oldest = store.oldestSeq();
  const state = conn.state;
  if (!state) return false;
  if (lastSeq > head || (head > 0 && lastSeq < oldest - 1) || head - lastSeq > CATCH_UP_LIMIT) {
    conn.setState({ ...state, live: false });
    send(conn, { type: "resync", headSeq: head });
    return false;
  }
  for (const e of eventsFor(store, lastSeq, CATCH_UP_LIMIT, state)) send(conn, { type: "event", ...e });
  conn.setState({ ...state, live: true });
  return true;
}

/** The people with a live connection now (distinct). */
export function liveUserIds(host: PresenceHost): string[] {
  const ids = new Set<string>();
  for (const c of host.connections()) if (c.state) ids.add(c.state.userId);
  return [...ids];
}
