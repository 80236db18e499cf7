import type { ClientMessage } from "../src/shared/protocol";
import { deleteChat, sendChat } from "./chat";
import { type RoomConnection, send, sendError } from "./connection";
import { fanOutEvent } from "./delivery";
import { deleteDm, sendDm } from "./dm";
import type { PendingIntent } from "./notify";
import type { RoomContext } from "./pinboard";
import * as pinboard from "./pinboard";
import type { PresenceHost } from "./presence";

/** Sequenced writes from a connection (profiles, typing and resume are handled apart). */
export type Write = Exclude<ClientMessage, { type: "resume" | "typing" | "profile.set" }>;

/** What a write needs from the room beyond its store and connections. */
export interface WriteHost extends PresenceHost {
  /** Runs `fn` in one SQLite transaction (all of it commits, or none). */
  transact<T>(fn: () => T): T;
  /** Sends notification intents once the write has committed. */
  enqueue(pending: readonly PendingIntent[], authorId: string, at: number): void;
}

/**
 * One write: its content and its event commit together in one SQLite transaction, or neither does;
 * only then are the event fanned out, the write acknowledged (acks never outrun storage) and
 * notification intents sent.
 */
export function applyWrite(host: WriteHost, conn: RoomConnection, m: Write, now: number) {
  const done: { seq: number; clientId: string }[] = [];
  const intents: PendingIntent[] = [];
  const room: RoomContext = {
    store: host.store,
    now,
    publish: (c, clientId, kind, entityId, extra, audience) => {
      const author = c.state?.userId;
      if (!author) throw new Error("connection without identity");
      done.push({ seq: host.store.append(kind, entityId, author, clientId, extra, now, audience), clientId });
    },
    notify: (intent) => intents.push(intent),
  };
  try {
    host.transact(() => dispatch(room, conn, m));
  } catch (e) {
    // Ids only: never message contents in logs.
    console.error(JSON.stringify({ roomWriteFailed: m.type, error: e instanceof Error ? e.name : "unknown" }));
    return sendError(conn, "INTERNAL", "The write was not stored; send it again.", m.clientId);
  }
  for (const { seq, clientId } of done) {
    fanOutEvent(host, seq, now);
    send(conn, { type: "ack", clientId, seq });
    if (seq % 500 === 0) host.store.trimEvents();
  }
  const author = conn.state?.userId;
  if (author && intents.length > 0) host.enqueue(intents, author, now);
}

function dispatch(room: RoomContext, conn: RoomConnection, m: Write) {
  switch (m.type) {
    case "post.create":
      return pinboard.createPost(room, conn, m);
    case "post.edit":
      return pinboard.editPost(room, conn, m);
    case "post.delete":
      return pinboard.deletePost(room, conn, m);
    case "comment.create":
      return pinboard.createComment(room, conn, m);
    case "comment.delete":
      return pinboard.deleteComment(room, conn, m);
    case "reaction.toggle":
      return pinboard.toggleReaction(room, conn, m);
    case "chat.send":
      return sendChat(room, conn, m);
    case "chat.delete":
      return deleteChat(room, conn, m);
    case "dm.send":
      return sendDm(room, conn, m);
    case "dm.delete":
      return deleteDm(room, conn, m);
  }
}
