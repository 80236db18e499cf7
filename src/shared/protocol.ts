import { z } from "zod";

/**
 * The building room's WebSocket protocol, defined once: the room validates every frame with these
 * schemas and the web app imports the same types. Client intents are `area.verb`; server events are
 * past tense. Every event carries the room's gap-free sequence number; writes carry a client id so
 * a resend is stored once (R-M1, R-M8; design.md "The building room").
 */
export const PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_TEXT = 4000;

// Lone UTF-16 surrogates cannot be stored as UTF-8: SQLite would keep U+FFFD instead, so an author's
// text (or a client id, which must match on resend) would silently change. They are refused.
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const str = (min: number, max: number) =>
  z.string().min(min).max(max).refine(wellFormed, "Text must be valid Unicode.");
const clientId = str(8, 64);
const id = str(1, 64);
const text = z.string().trim().min(1).max(MAX_TEXT).refine(wellFormed, "Text must be valid Unicode.");
export const REACTIONS = ["👍", "❤️", "😂", "😮", "🙏", "🎉"] as const;

export const clientMessageSchema = z.discriminatedUnion("type", [
  /**
   * First frame: the last sequence number the client has seen (0 for none). The room answers with
   * every later event, in order, and only then sends live events to this connection. A client that
   * named `lastSeq` in the upgrade URL (`/rooms/:id?lastSeq=N`) gets the same catch-up right after
   * the `welcome` and sends no `resume`; on a connection that is already live it is answered with
   * `error` BAD_MESSAGE (nothing is sent again). After a `resync` it is due again.
   */
  z.strictObject({ type: z.literal("resume"), lastSeq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal("post.create"), clientId, body: text }),
  z.strictObject({ type: z.literal("post.edit"), clientId, postId: id, body: text }),
  z.strictObject({ type: z.literal("post.delete"), clientId, postId: id }),
  z.strictObject({ type: z.literal("comment.create"), clientId, postId: id, body: text }),
  z.strictObject({ type: z.literal("comment.delete"), clientId, commentId: id }),
  z.strictObject({ type: z.literal("reaction.toggle"), clientId, postId: id, emoji: z.enum(REACTIONS) }),
  z.strictObject({ type: z.literal("chat.send"), clientId, body: text }),
  /** Authors delete their own building-chat message (staff: any, moderation); a tombstone follows. */
  z.strictObject({ type: z.literal("chat.delete"), clientId, messageId: id }),
  /** A direct message to a neighbour (residents only, to a resident who has been in the room). */
  z.strictObject({ type: z.literal("dm.send"), clientId, toUserId: id, body: text }),
  z.strictObject({ type: z.literal("dm.delete"), clientId, messageId: id }),
  /**
   * The resident's profile as neighbours see it (opt-in: nothing is shown until `visible`).
   * `showPresence` is reciprocal: only those who show their own presence see others'. Acknowledged
   * with `seq: null` (profiles are state, not events; a resend sets the same values again).
   */
  z.strictObject({
    type: z.literal("profile.set"),
    clientId,
    visible: z.boolean(),
    displayName: str(1, 80).optional(),
    about: str(1, 500).optional(),
    showPresence: z.boolean(),
  }),
  /** Ephemeral "is typing" signal: not stored, not sequenced, dropped when sent too often. */
  z
    .strictObject({ type: z.literal("typing"), scope: z.enum(["chat", "dm"]), toUserId: id.optional() })
    .refine((m) => (m.scope === "dm") === (m.toUserId !== undefined), "toUserId is required for dm, only for dm."),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export interface PostDto {
  id: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: string;
  editedAt: string | null;
  /** Only staff ever receive hidden posts (marked true); residents never see them. */
  hidden?: boolean;
}
export interface CommentDto {
  id: string;
  postId: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: string;
}
export interface ChatDto {
  id: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: string;
}

export interface DmDto {
  id: string;
  fromUserId: string;
  fromName: string;
  toUserId: string;
  body: string;
  createdAt: string;
}
export interface AnnouncementDto {
  id: string;
  title: string;
  body: string;
  authorName: string;
  publishedAt: string;
  ackRequired: boolean;
}
/** A post with its thread (comments oldest first, reaction counts), as history and restores carry it. */
export type PostThreadDto = PostDto & { comments: CommentDto[]; reactions: Record<string, number> };
/** What a resident chose to show neighbours (only visible profiles are ever sent). */
export interface ProfileDto {
  userId: string;
  displayName: string;
  about: string | null;
}

/**
 * Everything that happens in a room, in order; the room stores these with their sequence number.
 * Sequence numbers a client sees are increasing but may skip: direct messages go to their two
 * participants only, and content a viewer may not see (a hidden post, for residents) is left out.
 * Catch-up is exact per viewer: after `resume` (or `lastSeq` at connect) a client gets every event
 * meant for it, in order.
 */
export type RoomEvent =
  | { kind: "post.created"; post: PostDto }
  | { kind: "post.edited"; postId: string; body: string; editedAt: string }
  | { kind: "post.deleted"; postId: string }
  | { kind: "comment.created"; comment: CommentDto }
  | { kind: "comment.deleted"; commentId: string; postId: string }
  | { kind: "reaction.changed"; postId: string; userId: string; emoji: string; on: boolean }
  | { kind: "chat.posted"; message: ChatDto }
  /** Tombstone: the message was removed (by its author, a manager, or erasure); clients drop it. */
  | { kind: "chat.deleted"; messageId: string }
  /** Moderation: residents drop the post (staff keep it, marked hidden); a restore brings it back. */
  | { kind: "post.hidden"; postId: string }
  | { kind: "post.restored"; post: PostThreadDto }
  /** Sent to the two participants only. */
  | { kind: "dm.sent"; message: DmDto }
  | { kind: "dm.deleted"; messageId: string; userIds: [string, string] }
  | { kind: "announcement.published"; announcement: AnnouncementDto }
  | { kind: "announcement.withdrawn"; announcementId: string };

export interface TicketMessageDto {
  id: string;
  authorKind: "resident" | "staff" | "provider";
  authorName: string;
  visibility: "public" | "internal";
  body: string;
  createdAt: string;
  fileIds: string[];
}
export interface TicketLiveEvent {
  kind: "ticket.created" | "ticket.updated" | "ticket.message";
  ticketId: string;
  status: "waiting-for-agent" | "waiting-for-customer" | "waiting-for-external" | "closed";
  updatedAt: string;
  /** With `ticket.message`: the new message (an internal note only ever in frames to staff). */
  message?: TicketMessageDto;
}

/** INTERNAL: the room failed to store a write (nothing of it was kept); the client may resend it. */
export type ErrorCode =
  | "BAD_MESSAGE"
  | "TOO_LARGE"
  | "RATE_LIMITED"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "ACCESS_ENDED"
  /** The building's customer switched this micro-app off here (decision 0037); nothing was stored. */
  | "MICRO_APP_DISABLED"
  | "INTERNAL";

export type ServerMessage =
  | { type: "welcome"; protocol: typeof PROTOCOL_VERSION; you: { userId: string }; headSeq: number }
  | { type: "event"; seq: number; event: RoomEvent }
  /**
   * The client is too far behind (or ahead of a reset room): reload the state over HTTP, then resume
   * from there. No live events are sent between a resync and the next successful resume.
   */
  | { type: "resync"; headSeq: number }
  | { type: "ack"; clientId: string; seq: number | null }
  /**
   * After each successful catch-up (`resume`, or `lastSeq` at connect): the visible profiles, and
   * who is online among those who show presence (`online` is null unless the viewer shows their own
   * presence: reciprocity).
   */
  | { type: "roster"; profiles: ProfileDto[]; online: string[] | null }
  /**
   * Batched changes since the last one (at most about one per second): the listed people's current
   * profile (null: no longer shown) and, for viewers who show their own presence, whether they are
   * online. Ephemeral: a change may be lost when the room is evicted; the next roster is exact.
   */
  | { type: "presence"; users: { userId: string; profile: ProfileDto | null; online?: boolean }[] }
  /** Someone is typing in the building chat or (scope "dm") to this viewer. */
  | { type: "typing"; scope: "chat" | "dm"; userId: string }
  /**
   * A ticket changed (R-M3), sent only to the ticket's reporter and the building's staff (internal
   * notes: staff only). Ephemeral, without a sequence number: the ticket over HTTP is the truth, and a
   * client that reconnects reloads the tickets it shows (decision 0020).
   */
  | { type: "ticket"; event: TicketLiveEvent }
  | { type: "error"; code: ErrorCode; message: string; clientId?: string };

export type ParseResult = { ok: true; msg: ClientMessage } | { ok: false; code: ErrorCode; message: string };

/**
 * Whether a frame exceeds the cap in bytes (what went over the wire), not in UTF-16 units: 40,000 "é"
 * are 80 KB but only 40,000 units long. The UTF-8 size is computed only when the length cannot decide.
 */
function tooLarge(raw: string | ArrayBuffer | ArrayBufferView): boolean {
  if (typeof raw !== "string") return raw.byteLength > MAX_FRAME_BYTES;
  if (raw.length > MAX_FRAME_BYTES) return true;
  if (raw.length * 3 <= MAX_FRAME_BYTES) return false;
  return new TextEncoder().encode(raw).byteLength > MAX_FRAME_BYTES;
}

export function parseClientMessage(raw: string | ArrayBuffer | ArrayBufferView): ParseResult {
  if (tooLarge(raw)) return { ok: false, code: "TOO_LARGE", message: "Frame too large." };
  if (typeof raw !== "string") return { ok: false, code: "BAD_MESSAGE", message: "Binary frames are not accepted." };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: "BAD_MESSAGE", message: "Frames are JSON objects." };
  }
  const r = clientMessageSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      ok: false,
      code: "BAD_MESSAGE",
      message: issue ? `${issue.path.join(".") || "frame"}: ${issue.message}` : "Invalid frame.",
    };
  }
  return { ok: true, msg: r.data };
}
