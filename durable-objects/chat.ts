import type { ClientMessage } from "../src/shared/protocol";
import { type RoomConnection, sendError } from "./connection";
import type { RoomContext } from "./pinboard";

/** The building channel (R-M8); direct messages are in dm.ts. */
type Msg<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

export function sendChat(room: RoomContext, conn: RoomConnection, m: Msg<"chat.send">) {
  const id = crypto.randomUUID();
  const author = conn.state?.userId;
  if (!author) return;
  room.store.insertChat(id, author, m.body, room.now);
  room.publish(conn, m.clientId, "chat.posted", id);
}

/** Authors delete their own messages; managers of the building may delete any (moderation). */
export function deleteChat(room: RoomContext, conn: RoomConnection, m: Msg<"chat.delete">) {
  const who = conn.state;
  const row = room.store.chat(m.messageId);
  if (!who || !row) return sendError(conn, "NOT_FOUND", "No such message.", m.clientId);
  if (row.author_id !== who.userId && !who.staff)
    return sendError(conn, "FORBIDDEN", "Only the author can delete a message.", m.clientId);
  room.store.deleteChat(m.messageId, room.now);
  room.publish(conn, m.clientId, "chat.deleted", m.messageId);
}
