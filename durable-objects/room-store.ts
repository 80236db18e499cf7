import type { ChatDto, CommentDto, PostDto, PostThreadDto, RoomEvent } from "../src/shared/protocol";

/**
 * The room's own SQLite (one per building): members (names as the Worker last saw them), posts,
 * comments, reactions, chat, and the event log that orders everything with a gap-free sequence
 * number. Events hold references, not content: replaying a deleted post yields a tombstone, and an
 * erased person's content is gone from the log too. All calls are synchronous (DO SQLite), so a
 * read-modify-write here never interleaves with another message.
 */
const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE members (user_id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
    `CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
       author_id TEXT NOT NULL, client_id TEXT, extra TEXT, created_at INTEGER NOT NULL)`,
    `CREATE UNIQUE INDEX events_client_uq ON events (author_id, client_id) WHERE client_id IS NOT NULL`,
    `CREATE INDEX events_entity_idx ON events (entity_id)`,
    `CREATE TABLE posts (id TEXT PRIMARY KEY, author_id TEXT NOT NULL, body TEXT, created_at INTEGER NOT NULL,
       edited_at INTEGER, deleted_at INTEGER)`,
    `CREATE TABLE comments (id TEXT PRIMARY KEY, post_id TEXT NOT NULL, author_id TEXT NOT NULL, body TEXT,
       created_at INTEGER NOT NULL, deleted_at INTEGER)`,
    `CREATE INDEX comments_post_idx ON comments (post_id, created_at)`,
    `CREATE TABLE reactions (post_id TEXT NOT NULL, user_id TEXT NOT NULL, emoji TEXT NOT NULL,
       created_at INTEGER NOT NULL, PRIMARY KEY (post_id, user_id, emoji))`,
    `CREATE TABLE chat (id TEXT PRIMARY KEY, author_id TEXT NOT NULL, body TEXT, created_at INTEGER NOT NULL,
       deleted_at INTEGER)`,
  ],
  // v2: keyset pagination of the history (newest first) reads only the page, never the whole table.
  ["CREATE INDEX posts_page_idx ON posts (created_at, id)", "CREATE INDEX chat_page_idx ON chat (created_at, id)"],
  // v3: direct messages (events with an audience of two), opt-in profiles, announcement copies,
  // moderation (hidden posts), whether a member is staff, and the building's customer and region.
  [
    "ALTER TABLE events ADD COLUMN audience_a TEXT",
    "ALTER TABLE events ADD COLUMN audience_b TEXT",
    "ALTER TABLE members ADD COLUMN staff INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE posts ADD COLUMN hidden_at INTEGER",
    `CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), customer_id TEXT NOT NULL,
       jurisdiction TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    `CREATE TABLE dms (id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, recipient_id TEXT NOT NULL, body TEXT,
       created_at INTEGER NOT NULL, deleted_at INTEGER)`,
    // One conversation is the unordered pair: the index serves the page query's exact expressions.
    "CREATE INDEX dms_pair_idx ON dms (min(sender_id, recipient_id), max(sender_id, recipient_id), created_at, id)",
    "CREATE INDEX dms_recipient_idx ON dms (recipient_id)",
    `CREATE TABLE profiles (user_id TEXT PRIMARY KEY, visible INTEGER NOT NULL, display_name TEXT, about TEXT,
       show_presence INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
    `CREATE TABLE announcements (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, title TEXT, body TEXT,
       author_name TEXT, published_at INTEGER NOT NULL, ack_required INTEGER NOT NULL,
       delivered_at INTEGER NOT NULL, withdrawn_at INTEGER)`,
  ],
  // v4: people whose processing is restricted (R-P5, decision 0032): their profile and presence are
  // shown to nobody but themselves. Kept in step by the Worker (`setRestricted`).
  ["CREATE TABLE restricted (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL)"],
];

/** How many events a reconnecting client can catch up on; older gaps get a resync. */
export const RETAINED_EVENTS = 5_000;

export type Row = Record<string, SqlStorageValue>;
export type PageCursor = { at: number; id: string };
type Value = SqlStorageValue | undefined;
export const iso = (ms: Value) => new Date(Number(ms)).toISOString();

/** The author id of events the room writes for the Worker (announcements, moderation without a named actor). */
export const SYSTEM_AUTHOR = "system";

/** Whom an event is for: everyone (null) or the two participants of a direct message. */
export type Audience = readonly [string, string] | null;

export class RoomStore {
  #meta: { customerId: string; jurisdiction: "ch" | "eu" } | undefined;

  constructor(readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const current = Number(sql.exec("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version").one().v);
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const stmt of MIGRATIONS[v] ?? []) sql.exec(stmt);
      sql.exec("INSERT INTO schema_version (version) VALUES (?)", v + 1);
    }
  }

  headSeq(): number {
    return Number(this.sql.exec("SELECT COALESCE(MAX(seq), 0) AS s FROM events").one().s);
  }

  oldestSeq(): number {
    return Number(this.sql.exec("SELECT COALESCE(MIN(seq), 0) AS s FROM events").one().s);
  }

  /** Records the person's name and role as the Worker sent them; true when the name is new or changed. */
  rememberMember(userId: string, name: string, staff: boolean, now: number): boolean {
    // Most connects are by known people with unchanged names: a read, and no write that would make
    // the welcome wait for durable storage (measured: bench/fanout.mjs, docs/performance.md).
    const known = this.sql.exec("SELECT name, staff FROM members WHERE user_id = ?", userId).toArray()[0];
    if (known && known.name === name && Number(known.staff) === (staff ? 1 : 0)) return false;
    this.sql.exec(
      `INSERT INTO members (user_id, name, staff, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, staff = excluded.staff, updated_at = excluded.updated_at`,
      userId,
      name,
      staff ? 1 : 0,
      now,
    );
    return known?.name !== name;
  }

  /** A person who has connected to the room (as staff or resident when last seen), or undefined. */
  member(userId: string): { name: string; staff: boolean } | undefined {
    const r = this.sql.exec("SELECT name, staff FROM members WHERE user_id = ?", userId).toArray()[0];
    return r ? { name: String(r.name), staff: Number(r.staff) === 1 } : undefined;
  }

  isRestricted(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM restricted WHERE user_id = ?", userId).toArray().length > 0;
  }

  /** Marks or unmarks a person as restricted (R-P5); false when nothing changed (idempotent). */
  setRestricted(userId: string, on: boolean, now: number): boolean {
    const r = on
      ? this.sql.exec("INSERT INTO restricted (user_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING", userId, now)
      : this.sql.exec("DELETE FROM restricted WHERE user_id = ?", userId);
    return r.rowsWritten > 0;
  }

  /** The building's customer and region, as the first connection's identity said. */
  meta(): { customerId: string; jurisdiction: "ch" | "eu" } | undefined {
    // Written once and never changed: read once per wake (it is checked on every connect).
    if (this.#meta) return this.#meta;
    const r = this.sql.exec("SELECT customer_id, jurisdiction FROM meta WHERE id = 1").toArray()[0];
    if (r) this.#meta = { customerId: String(r.customer_id), jurisdiction: r.jurisdiction === "eu" ? "eu" : "ch" };
    return this.#meta;
  }

  rememberMeta(customerId: string, jurisdiction: "ch" | "eu", now: number) {
    this.#meta = undefined;
    this.sql.exec(
      "INSERT INTO meta (id, customer_id, jurisdiction, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      customerId,
      jurisdiction,
      now,
    );
  }

  /** The sequence number of an earlier write with this client id, if there was one (idempotency). */
  seqOfClientId(authorId: string, clientId: string): number | null {
    const row = this.sql
      .exec("SELECT seq FROM events WHERE author_id = ? AND client_id = ?", authorId, clientId)
      .toArray()[0];
    return row ? Number(row.seq) : null;
  }

  /** Appends an event with the next sequence number (gap-free: MAX+1 in this synchronous call). */
  append(
    kind: RoomEvent["kind"],
    entityId: string,
    authorId: string,
    clientId: string | null,
    extra: unknown,
    now: number,
    audience: Audience = null,
  ) {
    const seq = this.headSeq() + 1;
    this.sql.exec(
      `INSERT INTO events (seq, kind, entity_id, author_id, client_id, extra, created_at, audience_a, audience_b)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      seq,
      kind,
      entityId,
      authorId,
      clientId,
      extra === undefined ? null : JSON.stringify(extra),
      now,
      audience?.[0] ?? null,
      audience?.[1] ?? null,
    );
    return seq;
  }

  insertPost(id: string, authorId: string, body: string, now: number) {
    this.sql.exec("INSERT INTO posts (id, author_id, body, created_at) VALUES (?, ?, ?, ?)", id, authorId, body, now);
  }

  /** A post that is not deleted (hidden or not: callers decide who may see a hidden one). */
  post(id: string): Row | undefined {
    return this.sql.exec("SELECT * FROM posts WHERE id = ? AND deleted_at IS NULL", id).toArray()[0];
  }

  /** Hides or restores a post; false when it already was in that state (idempotent moderation). */
  setHidden(id: string, hidden: boolean, now: number): boolean {
    const sql = hidden
      ? "UPDATE posts SET hidden_at = ? WHERE id = ? AND deleted_at IS NULL AND hidden_at IS NULL"
      : "UPDATE posts SET hidden_at = NULL WHERE ?1 IS NOT NULL AND id = ?2 AND deleted_at IS NULL AND hidden_at IS NOT NULL";
    return this.sql.exec(sql, now, id).rowsWritten > 0;
  }

  editPost(id: string, body: string, now: number) {
    this.sql.exec("UPDATE posts SET body = ?, edited_at = ? WHERE id = ?", body, now, id);
  }

  /** Deleting keeps the row (ids hold) but drops the content at once. */
  deletePost(id: string, now: number) {
    this.sql.exec("UPDATE posts SET body = NULL, deleted_at = ? WHERE id = ?", now, id);
    this.sql.exec("UPDATE comments SET body = NULL, deleted_at = ? WHERE post_id = ? AND deleted_at IS NULL", now, id);
    this.sql.exec("DELETE FROM reactions WHERE post_id = ?", id);
  }

  insertComment(id: string, postId: string, authorId: string, body: string, now: number) {
    this.sql.exec(
      "INSERT INTO comments (id, post_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
      id,
      postId,
      authorId,
      body,
      now,
    );
  }

  comment(id: string): Row | undefined {
    return this.sql.exec("SELECT * FROM comments WHERE id = ? AND deleted_at IS NULL", id).toArray()[0];
  }

  deleteComment(id: string, now: number) {
    this.sql.exec("UPDATE comments SET body = NULL, deleted_at = ? WHERE id = ?", now, id);
  }

  /** Toggles a reaction; returns whether it is now on. */
  toggleReaction(postId: string, userId: string, emoji: string, now: number): boolean {
    const had =
      this.sql.exec("DELETE FROM reactions WHERE post_id = ? AND user_id = ? AND emoji = ?", postId, userId, emoji)
        .rowsWritten > 0;
    if (had) return false;
    this.sql.exec(
      "INSERT INTO reactions (post_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)",
      postId,
      userId,
      emoji,
      now,
    );
    return true;
  }

  deleteChat(id: string, now: number) {
    this.sql.exec("UPDATE chat SET body = NULL, deleted_at = ? WHERE id = ?", now, id);
  }

  /** Ids of what a person wrote and still shows (for erasure). */
  liveContentOf(userId: string) {
    const ids = (sql: string) =>
      this.sql
        .exec(sql, userId)
        .toArray()
        .map((r) => String(r.id));
    return {
      posts: ids("SELECT id FROM posts WHERE author_id = ? AND deleted_at IS NULL"),
      comments: this.sql
        .exec("SELECT id, post_id FROM comments WHERE author_id = ? AND deleted_at IS NULL", userId)
        .toArray()
        .map((r) => ({ id: String(r.id), postId: String(r.post_id) })),
      chat: ids("SELECT id FROM chat WHERE author_id = ? AND deleted_at IS NULL"),
      reactions: this.sql
        .exec("SELECT post_id, emoji FROM reactions WHERE user_id = ?", userId)
        .toArray()
        .map((r) => ({ postId: String(r.post_id), emoji: String(r.emoji) })),
    };
  }

  insertChat(id: string, authorId: string, body: string, now: number) {
    this.sql.exec("INSERT INTO chat (id, author_id, body, created_at) VALUES (?, ?, ?, ?)", id, authorId, body, now);
  }

  /**
   * Event rows after `afterSeq`, oldest first, at most `limit`: those for everyone and the direct
   * messages `userId` takes part in (rebuilt per viewer in room-events.ts).
   */
  eventRowsAfter(afterSeq: number, limit: number, userId: string): Row[] {
    return this.sql
      .exec(
        `SELECT * FROM events WHERE seq > ?1 AND (audience_a IS NULL OR audience_a = ?2 OR audience_b = ?2)
         ORDER BY seq LIMIT ?3`,
        afterSeq,
        userId,
        limit,
      )
      .toArray();
  }

  eventRow(seq: number): Row | undefined {
    return this.sql.exec("SELECT * FROM events WHERE seq = ?", seq).toArray()[0];
  }

  name(userId: Value): string {
    const row = this.sql.exec("SELECT name FROM members WHERE user_id = ?", String(userId)).toArray()[0];
    return row ? String(row.name) : "";
  }

  postDto(id: string): PostDto | undefined {
    const p = this.post(id);
    if (!p) return undefined;
    return {
      id,
      authorId: String(p.author_id),
      authorName: this.name(p.author_id),
      body: String(p.body ?? ""),
      createdAt: iso(p.created_at),
      editedAt: p.edited_at === null || p.edited_at === undefined ? null : iso(p.edited_at),
      ...(p.hidden_at === null || p.hidden_at === undefined ? {} : { hidden: true }),
    };
  }

  commentDto(id: string): CommentDto | undefined {
    const c = this.comment(id);
    if (!c) return undefined;
    return {
      id,
      postId: String(c.post_id),
      authorId: String(c.author_id),
      authorName: this.name(c.author_id),
      body: String(c.body ?? ""),
      createdAt: iso(c.created_at),
    };
  }

  chat(id: string): Row | undefined {
    return this.sql.exec("SELECT * FROM chat WHERE id = ? AND deleted_at IS NULL", id).toArray()[0];
  }

  chatDto(id: string): ChatDto | undefined {
    const m = this.chat(id);
    if (!m) return undefined;
    return {
      id,
      authorId: String(m.author_id),
      authorName: this.name(m.author_id),
      body: String(m.body ?? ""),
      createdAt: iso(m.created_at),
    };
  }

  /**
   * One page of posts or chat messages, newest first, after the cursor (created_at, id) of the
   * previous page's last item. Deleted items are left out. Returns the cursor of the next page.
   */
  page(
    table: "posts" | "chat",
    cursor: PageCursor | null,
    limit: number,
    withHidden = false,
  ): { ids: string[]; next: PageCursor | null } {
    const hidden = table === "posts" && !withHidden ? "AND hidden_at IS NULL" : "";
    const rows = this.sql
      .exec(
        `SELECT id, created_at FROM ${table} WHERE deleted_at IS NULL ${hidden}
           AND (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2))
         ORDER BY created_at DESC, id DESC LIMIT ?3`,
        cursor?.at ?? null,
        cursor?.id ?? "",
        limit + 1,
      )
      .toArray();
    return pageOf(rows, limit);
  }
  /** A post with its comments (oldest first, at most 50) and reaction counts, for the history. */
  postWithThread(id: string): PostThreadDto | undefined {
    const post = this.postDto(id);
    if (!post) return undefined;
    const comments = this.sql
      .exec("SELECT id FROM comments WHERE post_id = ? AND deleted_at IS NULL ORDER BY created_at, id LIMIT 50", id)
      .toArray()
      .flatMap((r) => this.commentDto(String(r.id)) ?? []);
    const reactions: Record<string, number> = {};
    for (const r of this.sql.exec("SELECT emoji, count(*) AS n FROM reactions WHERE post_id = ? GROUP BY emoji", id)) {
      reactions[String(r.emoji)] = Number(r.n);
    }
    return { ...post, comments, reactions };
  }

  /** Keeps the event log bounded; older gaps are answered with a resync. */
  trimEvents() {
    const head = this.headSeq();
    if (head > RETAINED_EVENTS) this.sql.exec("DELETE FROM events WHERE seq <= ?", head - RETAINED_EVENTS);
  }
}

/** A keyset page from rows fetched with `limit + 1`: the extra row only says whether there is more. */
export function pageOf(rows: Row[], limit: number): { ids: string[]; next: PageCursor | null } {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    ids: items.map((r) => String(r.id)),
    next: more && last ? { at: Number(last.created_at), id: String(last.id) } : null,
  };
}
