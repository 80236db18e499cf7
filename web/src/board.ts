import { signal } from "@preact/signals";
import type { ChatDto, CommentDto, DmDto, PostDto, ProfileDto, RoomEvent } from "../../src/shared/protocol";
import { api, type Page } from "./api";

export interface AnnouncementView {
  id: string;
  title: string;
  body: string;
  authorName: string;
  publishedAt: string;
  ackRequired: boolean;
  pinned: boolean;
  readAt: string | null;
  acknowledgedUnitIds: string[];
  unitsToAcknowledge: string[];
}

export interface PostView extends PostDto {
  comments: CommentDto[];
  reactions: Record<string, number>;
}

/**
 * What one building shows: the pinboard and the building chat, first loaded over HTTP (keyset pages)
 * and then kept current by the room's events. Applying an event twice changes nothing, so the
 * overlap between the first load and the replay is harmless.
 */
export class Board {
  readonly posts = signal<PostView[]>([]);
  readonly chat = signal<ChatDto[]>([]);
  readonly announcements = signal<AnnouncementView[]>([]);
  /** Neighbours who chose to show a profile; who of them is online (null: you do not show presence). */
  readonly profiles = signal<ProfileDto[]>([]);
  readonly online = signal<Set<string> | null>(null);
  /** `chat:<userId>` or `dm:<userId>` → until when (ms) the person counts as typing. */
  readonly typing = signal<Record<string, number>>({});
  /** Direct messages per neighbour, oldest first. */
  readonly dms = signal<Record<string, DmDto[]>>({});
  readonly morePosts = signal<string | null>(null);
  readonly moreChat = signal<string | null>(null);

  /** What the first load already reflects: replayed events up to here are skipped (reactions count). */
  #postsHead = 0;
  #chatHead = 0;

  /** Staff keep hidden posts in view (marked), residents drop them. */
  constructor(
    readonly buildingId: string,
    readonly staff = false,
  ) {}

  /** Loads the newest page of both; returns the sequence number to resume the live stream at. */
  async load(): Promise<number> {
    const base = `/api/buildings/${encodeURIComponent(this.buildingId)}`;
    const [posts, chat] = await Promise.all([
      api<Page<PostView>>(`${base}/posts?limit=20`),
      api<Page<ChatDto>>(`${base}/chat?limit=50`),
      this.loadAnnouncements(),
    ]);
    this.posts.value = posts.items;
    this.morePosts.value = posts.next;
    this.chat.value = [...chat.items].reverse();
    this.moreChat.value = chat.next;
    this.#postsHead = posts.headSeq;
    this.#chatHead = chat.headSeq;
    return Math.min(posts.headSeq, chat.headSeq);
  }

  /** Announcements are records of the Worker (read and acknowledgement state per resident and unit). */
  async loadAnnouncements() {
    this.announcements.value = await api<AnnouncementView[]>(
      `/api/buildings/${encodeURIComponent(this.buildingId)}/announcements`,
    );
  }

  async markRead(id: string) {
    const a = this.announcements.value.find((x) => x.id === id);
    if (!a || a.readAt) return;
    this.#updateAnnouncement(id, { readAt: new Date().toISOString() });
    await api(`/api/announcements/${encodeURIComponent(id)}/read`, { method: "POST" }).catch(() => undefined);
  }

  async acknowledge(id: string) {
    const r = await api<{ acknowledgedUnitIds: string[] }>(`/api/announcements/${encodeURIComponent(id)}/acknowledge`, {
      method: "POST",
      json: {},
    });
    this.#updateAnnouncement(id, { acknowledgedUnitIds: r.acknowledgedUnitIds });
  }

  #updateAnnouncement(id: string, patch: Partial<AnnouncementView>) {
    this.announcements.value = this.announcements.value.map((a) => (a.id === id ? { ...a, ...patch } : a));
  }

  async loadDms(withUserId: string) {
    const page = await api<Page<DmDto>>(
      `/api/buildings/${encodeURIComponent(this.buildingId)}/dms/${encodeURIComponent(withUserId)}?limit=50`,
    );
    const live = this.dms.value[withUserId] ?? [];
    const known = new Set(page.items.map((m) => m.id));
    this.dms.value = {
      ...this.dms.value,
      [withUserId]: [...[...page.items].reverse(), ...live.filter((m) => !known.has(m.id))],
    };
  }

  setRoster(profiles: ProfileDto[], online: string[] | null) {
    this.profiles.value = profiles;
    this.online.value = online ? new Set(online) : null;
  }

  applyPresence(users: { userId: string; profile: ProfileDto | null; online?: boolean }[]) {
    let profiles = this.profiles.value;
    const online = this.online.value ? new Set(this.online.value) : null;
    for (const u of users) {
      profiles = profiles.filter((p) => p.userId !== u.userId);
      if (u.profile) profiles = [...profiles, u.profile];
      if (online && u.online !== undefined) {
        if (u.online) online.add(u.userId);
        else online.delete(u.userId);
      }
    }
    this.profiles.value = profiles.sort((a, b) => a.displayName.localeCompare(b.displayName));
    this.online.value = online;
  }

  noteTyping(scope: "chat" | "dm", userId: string) {
    this.typing.value = { ...this.typing.value, [`${scope}:${userId}`]: Date.now() + 4_000 };
    setTimeout(() => {
      const left = { ...this.typing.value };
      for (const [k, until] of Object.entries(left)) if (until <= Date.now()) delete left[k];
      this.typing.value = left;
    }, 4_100);
  }

  async loadOlderPosts() {
    const cursor = this.morePosts.value;
    if (!cursor) return;
    const page = await api<Page<PostView>>(
      `/api/buildings/${encodeURIComponent(this.buildingId)}/posts?limit=20&cursor=${encodeURIComponent(cursor)}`,
    );
    const known = new Set(this.posts.value.map((p) => p.id));
    this.posts.value = [...this.posts.value, ...page.items.filter((p) => !known.has(p.id))];
    this.morePosts.value = page.next;
  }

  async loadOlderChat() {
    const cursor = this.moreChat.value;
    if (!cursor) return;
    const page = await api<Page<ChatDto>>(
      `/api/buildings/${encodeURIComponent(this.buildingId)}/chat?limit=50&cursor=${encodeURIComponent(cursor)}`,
    );
    const known = new Set(this.chat.value.map((m) => m.id));
    this.chat.value = [...[...page.items].reverse().filter((m) => !known.has(m.id)), ...this.chat.value];
    this.moreChat.value = page.next;
  }

  apply(seq: number, e: RoomEvent) {
    const replayed = e.kind.startsWith("chat.") ? seq <= this.#chatHead : seq <= this.#postsHead;
    if (
      replayed &&
      (e.kind.startsWith("chat.") ||
        e.kind.startsWith("post.") ||
        e.kind.startsWith("comment.") ||
        e.kind.startsWith("reaction."))
    )
      return;
    switch (e.kind) {
      case "post.created": {
        const rest = this.posts.value.filter((p) => p.id !== e.post.id);
        const old = this.posts.value.find((p) => p.id === e.post.id);
        this.posts.value = [{ ...e.post, comments: old?.comments ?? [], reactions: old?.reactions ?? {} }, ...rest];
        return;
      }
      case "post.edited":
        return this.#updatePost(e.postId, (p) => ({ ...p, body: e.body, editedAt: e.editedAt }));
      case "post.deleted":
        this.posts.value = this.posts.value.filter((p) => p.id !== e.postId);
        return;
      case "comment.created":
        return this.#updatePost(e.comment.postId, (p) =>
          p.comments.some((c) => c.id === e.comment.id) ? p : { ...p, comments: [...p.comments, e.comment] },
        );
      case "comment.deleted":
        return this.#updatePost(e.postId, (p) => ({ ...p, comments: p.comments.filter((c) => c.id !== e.commentId) }));
      case "reaction.changed":
        return this.#updatePost(e.postId, (p) => {
          const n = Math.max(0, (p.reactions[e.emoji] ?? 0) + (e.on ? 1 : -1));
          const reactions = { ...p.reactions, [e.emoji]: n };
          if (n === 0) delete reactions[e.emoji];
          return { ...p, reactions };
        });
      case "chat.posted":
        if (!this.chat.value.some((m) => m.id === e.message.id)) this.chat.value = [...this.chat.value, e.message];
        return;
      case "chat.deleted":
        this.chat.value = this.chat.value.filter((m) => m.id !== e.messageId);
        return;
      case "post.hidden":
        if (this.staff) this.#updatePost(e.postId, (p) => ({ ...p, hidden: true }));
        else this.posts.value = this.posts.value.filter((p) => p.id !== e.postId);
        return;
      case "post.restored":
        this.posts.value = [e.post, ...this.posts.value.filter((p) => p.id !== e.post.id)].sort((a, b) =>
          a.createdAt < b.createdAt ? 1 : -1,
        );
        return;
      case "dm.sent": {
        const m = e.message;
        for (const other of [m.fromUserId, m.toUserId]) {
          const list = this.dms.value[other] ?? [];
          if (list.some((x) => x.id === m.id)) continue;
          this.dms.value = { ...this.dms.value, [other]: [...list, m] };
        }
        return;
      }
      case "dm.deleted": {
        const next: Record<string, DmDto[]> = {};
        for (const [k, list] of Object.entries(this.dms.value)) next[k] = list.filter((m) => m.id !== e.messageId);
        this.dms.value = next;
        return;
      }
      case "announcement.published":
        // The read and acknowledgement state is the Worker's: reload the (short) list.
        void this.loadAnnouncements().catch(() => undefined);
        return;
      case "announcement.withdrawn":
        this.announcements.value = this.announcements.value.filter((a) => a.id !== e.announcementId);
        return;
      default:
        // Kinds this screen does not show (yet) are ignored: the protocol grows without breaking clients.
        return;
    }
  }

  #updatePost(id: string, f: (p: PostView) => PostView) {
    this.posts.value = this.posts.value.map((p) => (p.id === id ? f(p) : p));
  }
}
