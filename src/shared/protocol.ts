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
   * every later event, in order, and only then sends live events to this connection.
   */
  z.strictObject({ type: z.literal("resume"), lastSeq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal("post.create"), clientId, body: text }),
  z.strictObject({ type: z.literal("post.edit"), clientId, postId: id, body: text }),
  z.strictObject({ type: z.literal("post.delete"), clientId, postId: id }),
  z.strictObject({ type: z.literal("comment.create"), clientId, postId: id, body: text }),
  z.strictObject({ type: z.literal("comment.delete"), clientId, commentId: id }),
  z.strictObject({ type: z.literal("reaction.toggle"), clientId, postId: id, emoji: z.enum(REACTIONS) }),
  z.strictObject({ type: z.literal("chat.send"), clientId, body: text }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export interface PostDto {
  id: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: string;
  editedAt: string | null;
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

/** Everything that happens in a room, in order; the room stores these with their sequence number. */
export type RoomEvent =
  | { kind: "post.created"; post: PostDto }
  | { kind: "post.edited"; postId: string; body: string; editedAt: string }
  | { kind: "post.deleted"; postId: string }
  | { kind: "comment.created"; comment: CommentDto }
  | { kind: "comment.deleted"; commentId: string; postId: string }
  | { kind: "reaction.changed"; postId: string; userId: string; emoji: string; on: boolean }
  | { kind: "chat.posted"; message: ChatDto }
  /** Tombstone: the message was removed (its author was erased); clients drop it. */
  | { kind: "chat.deleted"; messageId: string };

/** INTERNAL: the room failed to store a write (nothing of it was kept); the client may resend it. */
export type ErrorCode =
  | "BAD_MESSAGE"
  | "TOO_LARGE"
  | "RATE_LIMITED"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "ACCESS_ENDED"
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
