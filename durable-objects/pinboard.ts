import type { ClientMessage, RoomEvent } from "../src/shared/protocol";
import { type RoomConnection, sendError } from "./connection";
import type { PendingIntent } from "./notify";
import type { Audience, RoomStore } from "./room-store";

/** What a handler needs from the room: its store, the clock, and ways to publish an event and notify. */
export interface RoomContext {
  store: RoomStore;
  now: number;
  /** Stores no content: the handler has written it; this sequences the event (ack and fan-out follow the commit). */
  publish(
    conn: RoomConnection,
    clientId: string,
    kind: RoomEvent["kind"],
    entityId: string,
    extra?: unknown,
    audience?: Audience,
  ): void;
  /** Queues a notification intent, sent only after the write has committed. */
  notify(intent: PendingIntent): void;
}

type Msg<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;
const newId = () => crypto.randomUUID();

function me(conn: RoomConnection) {
  const s = conn.state;
  if (!s) throw new Error("connection without identity");
  return s;
}

/** The post as this connection may see it: a hidden post does not exist for residents. */
function visiblePost(room: RoomContext, conn: RoomConnection, postId: string) {
  const p = room.store.post(postId);
  return p && (p.hidden_at === null || me(conn).staff) ? p : undefined;
}

export function createPost(room: RoomContext, conn: RoomConnection, m: Msg<"post.create">) {
  const id = newId();
  room.store.insertPost(id, me(conn).userId, m.body, room.now);
  room.publish(conn, m.clientId, "post.created", id);
  room.notify({ category: "pinboard", ref: { type: "post", id }, recipientIds: null });
}

/** Authors edit their own posts. */
export function editPost(room: RoomContext, conn: RoomConnection, m: Msg<"post.edit">) {
  const p = visiblePost(room, conn, m.postId);
  if (!p) return sendError(conn, "NOT_FOUND", "No such post.", m.clientId);
  if (p.author_id !== me(conn).userId)
    return sendError(conn, "FORBIDDEN", "Only the author can edit a post.", m.clientId);
  room.store.editPost(m.postId, m.body, room.now);
  room.publish(conn, m.clientId, "post.edited", m.postId);
}

/**
 * Authors delete their own posts (hidden ones too: deleting is always the author's right); managers
 * of the building may delete any (moderation).
 */
export function deletePost(room: RoomContext, conn: RoomConnection, m: Msg<"post.delete">) {
  const p = room.store.post(m.postId);
  if (!p) return sendError(conn, "NOT_FOUND", "No such post.", m.clientId);
  const who = me(conn);
  if (p.author_id !== who.userId && !who.staff)
    return sendError(conn, "FORBIDDEN", "Only the author can delete a post.", m.clientId);
  room.store.deletePost(m.postId, room.now);
  room.publish(conn, m.clientId, "post.deleted", m.postId);
}

export function createComment(room: RoomContext, conn: RoomConnection, m: Msg<"comment.create">) {
  if (!visiblePost(room, conn, m.postId)) return sendError(conn, "NOT_FOUND", "No such post.", m.clientId);
  const id = newId();
  room.store.insertComment(id, m.postId, me(conn).userId, m.body, room.now);
  room.publish(conn, m.clientId, "comment.created", id, { postId: m.postId });
}

export function deleteComment(room: RoomContext, conn: RoomConnection, m: Msg<"comment.delete">) {
  const c = room.store.comment(m.commentId);
  if (!c) return sendError(conn, "NOT_FOUND", "No such comment.", m.clientId);
  const who = me(conn);
  if (c.author_id !== who.userId && !who.staff)
    return sendError(conn, "FORBIDDEN", "Only the author can delete a comment.", m.clientId);
  room.store.deleteComment(m.commentId, room.now);
  room.publish(conn, m.clientId, "comment.deleted", m.commentId, { postId: String(c.post_id) });
}

export function toggleReaction(room: RoomContext, conn: RoomConnection, m: Msg<"reaction.toggle">) {
  if (!visiblePost(room, conn, m.postId)) return sendError(conn, "NOT_FOUND", "No such post.", m.clientId);
  const on = room.store.toggleReaction(m.postId, me(conn).userId, m.emoji, room.now);
  room.publish(conn, m.clientId, "reaction.changed", m.postId, { emoji: m.emoji, on });
}
