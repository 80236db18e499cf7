import type { Connection } from "partyserver";
import type { ErrorCode, ServerMessage } from "../src/shared/protocol";
import type { Identity } from "../src/shared/room-identity";

export interface ConnState extends Identity {
  /** Token bucket: burst 20 frames, refilled at one per second (60 per minute sustained). */
  tokens: number;
  refilledAt: number;
  /**
   * Whether live events are sent: only after the connection's `resume`. Its catch-up sends every
   * event up to the head in the same synchronous step, so catch-up and live stream never overlap.
   */
  live: boolean;
}

export type RoomConnection = Connection<ConnState>;
const BURST = 20;
const REFILL_PER_MS = 1 / 1000;

export function initialState(i: Identity, now: number): ConnState {
  return { ...i, tokens: BURST, refilledAt: now, live: false };
}

/** Takes one token; false when the connection sends faster than allowed. */
export function takeToken(conn: RoomConnection, now: number): boolean {
  const s = conn.state;
  if (!s) return false;
  const tokens = Math.min(BURST, s.tokens + (now - s.refilledAt) * REFILL_PER_MS);
  if (tokens < 1) {
    conn.setState({ ...s, tokens, refilledAt: now });
    return false;
  }
  conn.setState({ ...s, tokens: tokens - 1, refilledAt: now });
  return true;
}

/** The only place that serialises outgoing frames. */
export function send(conn: RoomConnection, msg: ServerMessage) {
  conn.send(JSON.stringify(msg));
}

/** The connection's access (tenancy) has ended at `now`. */
export const accessEnded = (s: Identity, now: number) => s.accessUntil !== null && s.accessUntil <= now;

/** Tells the connection that its access has ended and closes it (policy violation: no longer a member). */
export function endAccess(conn: RoomConnection) {
  sendError(conn, "ACCESS_ENDED", "Your access to this building has ended.");
  conn.close(1008, "access ended");
}

export function sendError(conn: RoomConnection, code: ErrorCode, message: string, clientId?: string) {
  send(conn, { type: "error", code, message, ...(clientId ? { clientId } : {}) });
}
