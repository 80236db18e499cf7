import { accessEnded, endAccess, type RoomConnection } from "./connection";

/**
 * Gives a person's connections a new access end (tenancy shortened or extended, role ended); closes
 * those already past it. Returns how many were closed; the caller re-arms the alarm.
 */
export function moveAccessEnd(conns: Iterable<RoomConnection>, accessUntil: number | null, now: number): number {
  let closed = 0;
  for (const c of conns) {
    const s = c.state;
    if (!s) continue;
    c.setState({ ...s, accessUntil });
    if (accessEnded({ ...s, accessUntil }, now)) {
      endAccess(c);
      closed++;
    }
  }
  return closed;
}

/** Closes connections whose access has ended; returns the next end among the others (for the alarm). */
export function closeEnded(conns: Iterable<RoomConnection>, now: number): number | null {
  let next: number | null = null;
  for (const c of conns) {
    const s = c.state;
    if (!s || s.accessUntil === null) continue;
    if (accessEnded(s, now)) endAccess(c);
    else if (next === null || s.accessUntil < next) next = s.accessUntil;
  }
  return next;
}
