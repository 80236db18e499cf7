import type { ClientMessage } from "../src/shared/protocol";
import type { RoomConnection } from "./connection";
import type { RoomContext } from "./pinboard";

/** The building channel (R-M8). Direct messages and presence come next. */
export function sendChat(room: RoomContext, conn: RoomConnection, m: Extract<ClientMessage, { type: "chat.send" }>) {
  const id = crypto.randomUUID();
  const author = conn.state?.userId;
  if (!author) return;
  room.store.insertChat(id, author, m.body, room.now);
  room.publish(conn, m.clientId, "chat.posted", id);
}
