import type { RoomEvent } from "../src/shared/protocol";
import type { RoomApp } from "../src/shared/room-identity";
import { announcementDto } from "./announcements";
import { dmDto } from "./dm";
import { appOfEvent, isOff } from "./micro-apps";
import type { RoomStore, Row } from "./room-store";

/** Who an event is rebuilt for: residents and staff see hidden posts differently. */
export interface Viewer {
  userId: string;
  staff: boolean;
  /** Micro-apps switched off for this viewer (decision 0037): their events are left out. */
  off?: readonly RoomApp[];
}

/** Residents never see a hidden post, nor what hangs on it (edits, comments, reactions). */
function hiddenFrom(store: RoomStore, postId: string, viewer: Viewer): boolean {
  if (viewer.staff) return false;
  const p = store.post(postId);
  return p !== undefined && p.hidden_at !== null;
}

/** Events after `afterSeq` for this viewer, oldest first (catch-up): exact per viewer. */
export function eventsFor(store: RoomStore, afterSeq: number, limit: number, viewer: Viewer) {
  return store.eventRowsAfter(afterSeq, limit, viewer.userId).flatMap((r) => {
    if (isOff(viewer, appOfEvent(String(r.kind)))) return [];
    const event = eventFor(store, r, viewer);
    return event ? [{ seq: Number(r.seq), event }] : [];
  });
}

/**
 * Rebuilds one event from the current content, for one viewer: deleted content becomes a tombstone,
 * content the viewer may not see is left out (null). Audience (direct messages) is filtered in SQL.
 */
export function eventFor(store: RoomStore, r: Row, viewer: Viewer): RoomEvent | null {
  const kind = String(r.kind) as RoomEvent["kind"];
  const id = String(r.entity_id);
  const extra = r.extra ? (JSON.parse(String(r.extra)) as Record<string, unknown>) : {};
  switch (kind) {
    case "post.created": {
      if (hiddenFrom(store, id, viewer)) return null;
      const p = store.postDto(id);
      return p ? { kind, post: p } : { kind: "post.deleted", postId: id };
    }
    case "post.edited": {
      if (hiddenFrom(store, id, viewer)) return null;
      const p = store.postDto(id);
      return p
        ? { kind, postId: id, body: p.body, editedAt: p.editedAt ?? p.createdAt }
        : { kind: "post.deleted", postId: id };
    }
    case "post.deleted":
    case "post.hidden":
      return { kind, postId: id };
    case "post.restored": {
      const p = store.post(id);
      if (p && p.hidden_at !== null) return { kind: "post.hidden", postId: id };
      const thread = store.postWithThread(id);
      return thread ? { kind, post: thread } : { kind: "post.deleted", postId: id };
    }
    case "comment.created": {
      const postId = String(extra.postId ?? "");
      if (hiddenFrom(store, postId, viewer)) return null;
      const c = store.commentDto(id);
      return c ? { kind, comment: c } : { kind: "comment.deleted", commentId: id, postId };
    }
    case "comment.deleted":
      return { kind, commentId: id, postId: String(extra.postId ?? "") };
    case "reaction.changed":
      if (hiddenFrom(store, id, viewer)) return null;
      return { kind, postId: id, userId: String(r.author_id), emoji: String(extra.emoji ?? ""), on: Boolean(extra.on) };
    case "chat.posted": {
      const m = store.chatDto(id);
      return m ? { kind, message: m } : { kind: "chat.deleted", messageId: id };
    }
    case "chat.deleted":
      return { kind, messageId: id };
    case "dm.sent": {
      const m = dmDto(store, id);
      return m ? { kind, message: m } : dmTombstone(r, id);
    }
    case "dm.deleted":
      return dmTombstone(r, id);
    case "announcement.published": {
      const a = announcementDto(store, id);
      return a ? { kind, announcement: a } : { kind: "announcement.withdrawn", announcementId: id };
    }
    case "announcement.withdrawn":
      return { kind, announcementId: id };
  }
}

const dmTombstone = (r: Row, messageId: string): RoomEvent => ({
  kind: "dm.deleted",
  messageId,
  userIds: [String(r.audience_a ?? ""), String(r.audience_b ?? "")],
});
