import type { PostInfo } from "../src/shared/room-rpc";
import { type RoomStore, SYSTEM_AUTHOR } from "./room-store";

/**
 * Managers hide and restore posts (R-M1). The moderation log (ids and actions) and the reports live in
 * D1, on the Worker's side; the room only applies the decision: a hidden post disappears for residents
 * (`post.hidden`; clients drop it) and comes back with its thread on restore (`post.restored`).
 */

export function postInfo(store: RoomStore, postId: string): PostInfo | null {
  const p = store.post(postId);
  return p ? { postId, authorId: String(p.author_id), hidden: p.hidden_at !== null } : null;
}

/** Idempotent: hiding a hidden post (or restoring a visible one) sequences nothing (`seq: null`). */
export function setPostHidden(store: RoomStore, postId: string, hidden: boolean, by: string | undefined, now: number) {
  if (!store.post(postId)) return { found: false, seq: null };
  if (!store.setHidden(postId, hidden, now)) return { found: true, seq: null };
  const kind = hidden ? "post.hidden" : "post.restored";
  return { found: true, seq: store.append(kind, postId, by ?? SYSTEM_AUTHOR, null, undefined, now) };
}
