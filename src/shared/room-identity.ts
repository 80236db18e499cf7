/**
 * Who a connection is. Set once from the header the Worker writes after its own checks (client
 * copies are stripped there); kept in the connection's attachment, so it survives hibernation.
 */
export interface Identity {
  userId: string;
  /** The login session the connection belongs to (closed with it at logout). */
  sessionId: string;
  name: string;
  staff: boolean;
  /** Epoch ms when the person's access to this building ends (tenancy end), null if open-ended. */
  accessUntil: number | null;
  /** The building's customer: the room remembers the first one and refuses any other (defence in depth). */
  customerId: string;
  /** Where the customer's data lives: the room sends its notification intents to this region's queue. */
  jurisdiction: RoomJurisdiction;
  /**
   * The room's micro-apps switched off for this person in this building (decision 0037): the room
   * refuses their writes and sends none of their events or frames. Always empty for staff.
   */
  off: readonly RoomApp[];
}

/** The micro-apps the room carries and can switch off (announcements stay readable whatever the switches say). */
export const ROOM_APPS = ["pinboard", "my-neighbours"] as const;
export type RoomApp = (typeof ROOM_APPS)[number];

export type RoomJurisdiction = "ch" | "eu";

export const IDENTITY_HEADER = "x-quartier-identity";

/**
 * The last sequence number the client has seen, as the Worker passes it to the room (decision 0037,
 * session 6): read from the upgrade URL's `lastSeq` and validated by the door; the room then does the
 * catch-up in `onConnect` and no `resume` frame is needed. Like the identity, only the Worker sets it.
 */
export const LAST_SEQ_HEADER = "x-quartier-last-seq";

/** A sequence number as a URL or header carries it: a decimal integer ≥ 0, no sign, no leading 0; else null. */
export function parseSeq(v: string): number | null {
  if (!/^(0|[1-9]\d{0,15})$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

export function encodeIdentity(i: Identity): string {
  return encodeURIComponent(JSON.stringify(i));
}

export function decodeIdentity(header: string | null): Identity | null {
  if (!header) return null;
  try {
    const v = JSON.parse(decodeURIComponent(header)) as Partial<Identity>;
    if (typeof v.userId !== "string" || typeof v.name !== "string" || typeof v.staff !== "boolean") return null;
    if (typeof v.sessionId !== "string" || typeof v.customerId !== "string") return null;
    if (v.jurisdiction !== "ch" && v.jurisdiction !== "eu") return null;
    if (v.accessUntil !== null && typeof v.accessUntil !== "number") return null;
    if (!Array.isArray(v.off) || !v.off.every((a) => (ROOM_APPS as readonly unknown[]).includes(a))) return null;
    return {
      userId: v.userId,
      sessionId: v.sessionId,
      name: v.name,
      staff: v.staff,
      accessUntil: v.accessUntil ?? null,
      customerId: v.customerId,
      jurisdiction: v.jurisdiction,
      off: [...new Set(v.off)],
    };
  } catch {
    return null;
  }
}
