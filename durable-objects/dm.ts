import type { ClientMessage, DmDto } from "../src/shared/protocol";
import { type RoomConnection, sendError } from "./connection";
import type { RoomContext } from "./pinboard";
import { iso, type PageCursor, pageOf, type RoomStore } from "./room-store";

/**
 * Direct messages between two residents of the building (R-M8). They share the room's one sequence
 * but their events carry an audience of two: nobody else receives them, live or on catch-up.
 * Staff have no direct messages here (residents talk to management through other channels).
 */
type Msg<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** The sender and recipient in a fixed order: one conversation is the unordered pair. */
const pair = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);

export function sendDm(room: RoomContext, conn: RoomConnection, m: Msg<"dm.send">) {
  const me = conn.state;
  if (!me) return;
  if (me.staff) return sendError(conn, "FORBIDDEN", "Direct messages are between residents.", m.clientId);
  if (m.toUserId === me.userId) return sendError(conn, "BAD_MESSAGE", "You cannot message yourself.", m.clientId);
  const to = room.store.member(m.toUserId);
  if (!to || to.staff) return sendError(conn, "NOT_FOUND", "No such neighbour in this building.", m.clientId);
  const id = crypto.randomUUID();
  room.store.sql.exec(
    "INSERT INTO dms (id, sender_id, recipient_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
    id,
    me.userId,
    m.toUserId,
    m.body,
    room.now,
  );
  room.publish(conn, m.clientId, "dm.sent", id, undefined, pair(me.userId, m.toUserId));
  room.notify({ category: "messages", ref: { type: "dm", id }, recipientIds: [m.toUserId] });
}

/** Authors delete their own direct messages; the other participant gets the tombstone. */
export function deleteDm(room: RoomContext, conn: RoomConnection, m: Msg<"dm.delete">) {
  const me = conn.state;
  if (!me) return;
  const row = liveDm(room.store, m.messageId);
  // Not a participant: as if it did not exist (a message id must not reveal a conversation).
  if (!row || (row.sender_id !== me.userId && row.recipient_id !== me.userId))
    return sendError(conn, "NOT_FOUND", "No such message.", m.clientId);
  if (row.sender_id !== me.userId)
    return sendError(conn, "FORBIDDEN", "Only the author can delete a message.", m.clientId);
  deleteDmRow(room.store, m.messageId, room.now);
  room.publish(conn, m.clientId, "dm.deleted", m.messageId, undefined, pair(me.userId, String(row.recipient_id)));
}

const liveDm = (store: RoomStore, id: string) =>
  store.sql.exec("SELECT * FROM dms WHERE id = ? AND deleted_at IS NULL", id).toArray()[0];

/** Deleting keeps the row (the conversation's order holds) but drops the text at once. */
export function deleteDmRow(store: RoomStore, id: string, now: number) {
  store.sql.exec("UPDATE dms SET body = NULL, deleted_at = ? WHERE id = ?", now, id);
}

export function dmDto(store: RoomStore, id: string): DmDto | undefined {
  const r = liveDm(store, id);
  if (!r) return undefined;
  return {
    id,
    fromUserId: String(r.sender_id),
    fromName: store.name(r.sender_id),
    toUserId: String(r.recipient_id),
    body: String(r.body ?? ""),
    createdAt: iso(r.created_at),
  };
}

/** One page of the conversation between two people, newest first (keyset, like the other histories). */
export function dmPage(store: RoomStore, a: string, b: string, cursor: PageCursor | null, limit: number) {
  const [lo, hi] = pair(a, b);
  const rows = store.sql
    .exec(
      `SELECT id, created_at FROM dms
        WHERE min(sender_id, recipient_id) = ?1 AND max(sender_id, recipient_id) = ?2 AND deleted_at IS NULL
          AND (?3 IS NULL OR created_at < ?3 OR (created_at = ?3 AND id < ?4))
        ORDER BY created_at DESC, id DESC LIMIT ?5`,
      lo,
      hi,
      cursor?.at ?? null,
      cursor?.id ?? "",
      limit + 1,
    )
    .toArray();
  const page = pageOf(rows, limit);
  return { items: page.ids.flatMap((id) => dmDto(store, id) ?? []), next: page.next };
}

/** Every direct message the person sent or received that still shows (for erasure). */
export function liveDmsOf(store: RoomStore, userId: string): { id: string; pair: [string, string] }[] {
  return store.sql
    .exec(
      "SELECT id, sender_id, recipient_id FROM dms WHERE (sender_id = ?1 OR recipient_id = ?1) AND deleted_at IS NULL",
      userId,
    )
    .toArray()
    .map((r) => ({ id: String(r.id), pair: pair(String(r.sender_id), String(r.recipient_id)) }));
}
