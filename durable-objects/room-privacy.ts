import type { ColumnClass, TableMap } from "../src/privacy/classification";
import { randomValue } from "../src/privacy/random-value";
import { liveDmsOf } from "./dm";
import { ROOM_DATA_MAP } from "./room-datamap";
import type { RoomStore } from "./room-store";

/**
 * Export and erasure of one person's data in a room's SQLite, driven by the room's data map (the room
 * side of the PersonalDataStore interface). Erasure follows the written rule for shared content:
 * the person's posts, comments and messages lose their text (tombstones: ids stay so threads hold),
 * their reactions go, and their display name becomes a random one.
 */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const linked = (ROOM_DATA_MAP as readonly TableMap[]).flatMap((t) => (t.subject ? [{ ...t, subject: t.subject }] : []));

/**
 * Tables whose rows are about a second person besides the subject column: a direct message is the
 * recipient's data too, so export includes received messages and erasure removes them (below).
 */
const ALSO_ABOUT: Record<string, string> = { dms: "recipient_id" };

export function exportFromRoom(sql: SqlStorage, userId: string): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of linked) {
    const cols = Object.entries(t.columns)
      .filter(([name, c]) => name === "id" || name === "seq" || c.personal)
      .map(([name]) => ident(name));
    const also = ALSO_ABOUT[t.table];
    const where = also ? `${ident(t.subject)} = ?1 OR ${ident(also)} = ?1` : `${ident(t.subject)} = ?1`;
    out[t.table] = sql.exec(`SELECT ${cols.join(", ")} FROM ${ident(t.table)} WHERE ${where}`, userId).toArray();
  }
  return out;
}

/** Applies the data map's erasure rules to the person's rows; returns rows changed per kind. */
export function eraseFromRoom(sql: SqlStorage, userId: string) {
  let rowsDeleted = 0;
  let rowsAnonymised = 0;
  for (const t of linked) {
    const cols = Object.entries(t.columns) as [string, ColumnClass][];
    if (cols.some(([, c]) => c.erasure === "delete-row")) {
      rowsDeleted += sql.exec(`DELETE FROM ${ident(t.table)} WHERE ${ident(t.subject)} = ?`, userId).rowsWritten;
      continue;
    }
    const sets = cols.filter(([, c]) => c.erasure === "random" || c.erasure === "null" || c.erasure === "set");
    if (sets.length === 0) continue;
    const values = sets.map(([, c]) =>
      c.erasure === "null" ? null : c.erasure === "set" ? (c.setTo ?? null) : randomValue(c.random ?? "text"),
    );
    const assign = sets.map(([name]) => `${ident(name)} = ?`).join(", ");
    rowsAnonymised += sql.exec(
      `UPDATE ${ident(t.table)} SET ${assign} WHERE ${ident(t.subject)} = ?`,
      ...values,
      userId,
    ).rowsWritten;
  }
  return { rowsDeleted, rowsAnonymised };
}

/**
 * Erases a person from a room: everything they wrote becomes a tombstone (text gone, ids kept, an
 * event per item so connected clients drop it), their reactions are withdrawn, then the data map's
 * column rules apply (display name replaced, profile deleted). Direct messages they sent or received
 * are deleted outright, with a tombstone to both participants: a private conversation with an erased
 * person has nobody left to keep it for, and each received message names the erased recipient.
 * Returns the new events' sequence numbers to fan out. Safe to run twice: the second run finds
 * nothing left to remove.
 */
export function erasePersonInRoom(store: RoomStore, sql: SqlStorage, userId: string, now: number): number[] {
  const live = store.liveContentOf(userId);
  const seqs: number[] = [];
  for (const id of live.posts) {
    store.deletePost(id, now);
    seqs.push(store.append("post.deleted", id, userId, null, undefined, now));
  }
  for (const c of live.comments) {
    store.deleteComment(c.id, now);
    seqs.push(store.append("comment.deleted", c.id, userId, null, { postId: c.postId }, now));
  }
  for (const id of live.chat) {
    store.deleteChat(id, now);
    seqs.push(store.append("chat.deleted", id, userId, null, undefined, now));
  }
  for (const r of live.reactions) {
    seqs.push(store.append("reaction.changed", r.postId, userId, null, { emoji: r.emoji, on: false }, now));
  }
  for (const dm of liveDmsOf(store, userId)) {
    seqs.push(store.append("dm.deleted", dm.id, userId, null, undefined, now, dm.pair));
  }
  sql.exec("DELETE FROM dms WHERE sender_id = ?1 OR recipient_id = ?1", userId);
  eraseFromRoom(sql, userId);
  return seqs;
}
