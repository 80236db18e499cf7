import { dmPage } from "./dm";
import type { PageCursor, RoomStore } from "./room-store";

/** Who reads the history: staff also get hidden posts; `withUserId` names the other side of a conversation. */
export type HistoryViewer = { userId: string; staff: boolean; withUserId?: string };

/**
 * One page of the history (posts with their threads, chat, or the viewer's conversation with one
 * neighbour), newest first. Hidden posts are left out unless the viewer is staff; staff have no
 * direct messages. `headSeq` is where the live stream resumes after this read.
 */
export function roomHistory(
  store: RoomStore,
  kind: "posts" | "chat" | "dm",
  cursor: PageCursor | null,
  limit: number,
  viewer?: HistoryViewer,
) {
  const headSeq = store.headSeq();
  if (kind === "dm") {
    if (!viewer?.withUserId || viewer.staff) return { items: [], next: null, headSeq };
    return { ...dmPage(store, viewer.userId, viewer.withUserId, cursor, limit), headSeq };
  }
  const page = store.page(kind, cursor, limit, viewer?.staff ?? false);
  const items =
    kind === "posts"
      ? page.ids.flatMap((id) => store.postWithThread(id) ?? [])
      : page.ids.flatMap((id) => store.chatDto(id) ?? []);
  return { items, next: page.next, headSeq };
}
