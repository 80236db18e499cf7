import type { AnnouncementDto } from "../src/shared/protocol";
import type { AnnouncementDelivery } from "../src/shared/room-rpc";
import { iso, type RoomStore, SYSTEM_AUTHOR } from "./room-store";

/**
 * The room's copies of managers' announcements (R-M2). D1 holds the record (targets, reads,
 * acknowledgements); the Worker's fan-out delivers a copy here so the room can show it live, pinned,
 * and in catch-up like any other event. A withdrawal drops the copy's content (tombstone).
 */

/** Stores the copy and sequences its event, once per announcement id: a redelivery returns the first seq. */
export function deliverAnnouncement(store: RoomStore, a: AnnouncementDelivery, now: number) {
  const earlier = store.sql.exec("SELECT seq FROM announcements WHERE id = ?", a.id).toArray()[0];
  if (earlier) return { seq: Number(earlier.seq), fresh: false };
  const seq = store.append("announcement.published", a.id, SYSTEM_AUTHOR, null, undefined, now);
  store.sql.exec(
    `INSERT INTO announcements (id, seq, title, body, author_name, published_at, ack_required, delivered_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    a.id,
    seq,
    a.title,
    a.body,
    a.authorName,
    a.publishedAt,
    a.ackRequired ? 1 : 0,
    now,
  );
  return { seq, fresh: true };
}

/** Drops the copy's content and sequences a tombstone; null when there is nothing (left) to withdraw. */
export function withdrawAnnouncement(store: RoomStore, id: string, now: number): number | null {
  const changed = store.sql.exec(
    `UPDATE announcements SET title = NULL, body = NULL, author_name = NULL, withdrawn_at = ?
      WHERE id = ? AND withdrawn_at IS NULL`,
    now,
    id,
  ).rowsWritten;
  return changed > 0 ? store.append("announcement.withdrawn", id, SYSTEM_AUTHOR, null, undefined, now) : null;
}

export function announcementDto(store: RoomStore, id: string): AnnouncementDto | undefined {
  const r = store.sql.exec("SELECT * FROM announcements WHERE id = ? AND withdrawn_at IS NULL", id).toArray()[0];
  return r ? toDto(r) : undefined;
}

/** The current announcements, newest first (bounded: the pinned area shows a few). */
export function currentAnnouncements(store: RoomStore, limit = 50): AnnouncementDto[] {
  return store.sql
    .exec("SELECT * FROM announcements WHERE withdrawn_at IS NULL ORDER BY published_at DESC, id DESC LIMIT ?", limit)
    .toArray()
    .map(toDto);
}

const toDto = (r: Record<string, SqlStorageValue>): AnnouncementDto => ({
  id: String(r.id),
  title: String(r.title ?? ""),
  body: String(r.body ?? ""),
  authorName: String(r.author_name ?? ""),
  publishedAt: iso(r.published_at),
  ackRequired: Number(r.ack_required) === 1,
});
