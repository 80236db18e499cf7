import type { Connection } from "partyserver";
import type { ErrorCode, ServerMessage } from "../src/shared/protocol";
import type { Identity } from "../src/shared/room-identity";

export interface ConnState extends Identity {
  /** Token bucket: burst 20 frames, refilled at one per second (60 per minute sustained). */
  tokens: number;
  refilledAt: number;
  /**
   * Whether live events are sent: only after the connection's catch-up (its `resume`, or the
   * `lastSeq` it named at connect). The catch-up sends every event up to the head in the same
   * synchronous step, so catch-up and live stream never overlap.
   */
  live: boolean;
  /** Rate-limited frames in the current flood window (from `floodSince`): a flood closes the connection. */
  floods: number;
  floodSince: number;
  /** When this connection last relayed a typing signal (they are dropped when sent more often). */
  typedAt: number;
}

export type RoomConnection = Connection<ConnState>;
const BURST = 20;
const REFILL_PER_MS = 1 / 1000;

export function initialState(i: Identity, now: number): ConnState {
  return { ...i, tokens: BURST, refilledAt: now, live: false, floods: 0, floodSince: now, typedAt: 0 };
}

const FLOOD_WINDOW_MS = 10_000;
const FLOOD_LIMIT = 30;

/**
 * Counts a rate-limited frame; true when the connection keeps flooding (30 refused frames within
 * 10 s) and must be closed: a client that ignores RATE_LIMITED errors only burns the room's CPU.
 */
export function floodedAfterRefusal(conn: RoomConnection, now: number): boolean {
  const s = conn.state;
  if (!s) return true;
  const fresh = now - s.floodSince > FLOOD_WINDOW_MS;
  const floods = (fresh ? 0 : s.floods) + 1;
  conn.setState({ ...s, floods, floodSince: fresh ? now : s.floodSince });
  return floods >= FLOOD_LIMIT;
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

/** Serialises once for many connections (fan-out): the same frame text goes to each. */
export const frameOf = (msg: ServerMessage) => JSON.stringify(msg);

/** Sends an already serialised frame; a connection that cannot take it is closed (1011). */
export function sendFrame(conn: RoomConnection, frame: string) {
  try {
    conn.send(frame);
  } catch {
    conn.close(1011, "send failed");
  }
}

export function sendError(conn: RoomConnection, code: ErrorCode, message: string, clientId?: string) {
  send(conn, { type: "error", code, message, ...(clientId ? { clientId } : {}) });
}
