import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";
import { type ClientMessage, parseClientMessage, type ServerMessage } from "../src/shared/protocol";
import { decodeIdentity, IDENTITY_HEADER } from "../src/shared/room-identity";
import { sendChat } from "./chat";
import {
  accessEnded,
  type ConnState,
  endAccess,
  initialState,
  type RoomConnection,
  send,
  sendError,
  takeToken,
} from "./connection";
import type { RoomContext } from "./pinboard";
import * as pinboard from "./pinboard";
import { erasePersonInRoom, exportFromRoom } from "./room-privacy";
import { type PageCursor, RoomStore } from "./room-store";

/** How many missed events one resume sends at most; beyond that the client resyncs over HTTP. */
const CATCH_UP_LIMIT = 1_000;

type Write = Exclude<ClientMessage, { type: "resume" }>;

/**
 * One Durable Object per building (design.md, "The building room"): the live pinboard and chat.
 * Only the Worker reaches it, after checking session, origin and membership; identity arrives in a
 * header the Worker sets per connection. The class only routes: storage is in room-store.ts, rules
 * in pinboard.ts and chat.ts.
 */
export class BuildingRoom extends Server<Cloudflare.Env> {
  static override options = { hibernate: true };
  #store: RoomStore | undefined;

  // Runs after every wake: opening the store is cheap (the migrations check is one query).
  override onStart() {
    this.#store = new RoomStore(this.ctx.storage.sql);
  }

  get store(): RoomStore {
    this.#store ??= new RoomStore(this.ctx.storage.sql);
    return this.#store;
  }

  /** Defence in depth: an upgrade without a valid identity from the Worker is refused, never accepted. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const identity = decodeIdentity(request.headers.get(IDENTITY_HEADER));
      if (!identity || accessEnded(identity, Date.now())) return new Response(null, { status: 403 });
    }
    return super.fetch(request);
  }

  /** Connections are tagged with the person, so the Worker can close all of one person's at once. */
  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    const identity = decodeIdentity(ctx.request.headers.get(IDENTITY_HEADER));
    return identity ? [identity.userId, `session:${identity.sessionId}`] : [];
  }

  /**
   * RPC from the Worker: ends live connections of a person (`userId`: logout everywhere, new password,
   * erasure) or of one login session (`session:<id>`: logout).
   */
  async disconnect(tag: string): Promise<number> {
    let closed = 0;
    for (const c of this.getConnections<ConnState>(tag)) {
      endAccess(c);
      closed++;
    }
    return closed;
  }

  /**
   * RPC: one page of the history (posts with their threads, or chat), newest first, for the web app's
   * first load and for integrators. `headSeq` is where the live stream resumes after this read.
   */
  async history(kind: "posts" | "chat", cursor: PageCursor | null, limit: number) {
    const headSeq = this.store.headSeq();
    const page = this.store.page(kind, cursor, limit);
    const items =
      kind === "posts"
        ? page.ids.flatMap((id) => this.store.postWithThread(id) ?? [])
        : page.ids.flatMap((id) => this.store.chatDto(id) ?? []);
    return { items, next: page.next, headSeq };
  }

  /** RPC: the person's rows in this room, as the data map classifies them (privacy export). */
  async exportPerson(userId: string) {
    return exportFromRoom(this.ctx.storage.sql, userId);
  }

  /** RPC: erases the person here (tombstones fanned out live) and closes their connections. */
  async erasePerson(userId: string) {
    const now = Date.now();
    const seqs = this.ctx.storage.transactionSync(() =>
      erasePersonInRoom(this.store, this.ctx.storage.sql, userId, now),
    );
    for (const seq of seqs) {
      const row = this.store.eventsAfter(seq - 1, 1)[0];
      if (row) this.fanOut({ type: "event", ...row }, now);
    }
    await this.disconnect(userId);
    return { events: seqs.length };
  }

  override async onConnect(conn: Connection, ctx: ConnectionContext) {
    const identity = decodeIdentity(ctx.request.headers.get(IDENTITY_HEADER));
    const now = Date.now();
    if (!identity || accessEnded(identity, now)) return conn.close(1008, "not authorised");
    const c = conn as RoomConnection;
    c.setState(initialState(identity, now));
    this.store.rememberMember(identity.userId, identity.name, now);
    send(c, { type: "welcome", protocol: 1, you: { userId: identity.userId }, headSeq: this.store.headSeq() });
    await this.armAccessCheck(identity.accessUntil);
  }

  override onMessage(connection: Connection, raw: WSMessage) {
    const conn = connection as RoomConnection;
    const now = Date.now();
    const state = conn.state;
    if (!state) return conn.close(1008, "not authorised");
    if (accessEnded(state, now)) return endAccess(conn);
    if (!takeToken(conn, now)) return sendError(conn, "RATE_LIMITED", "Slow down: too many messages.");
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return sendError(conn, parsed.code, parsed.message);
    const m = parsed.msg;
    if (m.type === "resume") return this.catchUp(conn, m.lastSeq);
    // A resent write (same client id) is acknowledged with its first sequence number, not stored again.
    const earlier = this.store.seqOfClientId(state.userId, m.clientId);
    if (earlier !== null) return send(conn, { type: "ack", clientId: m.clientId, seq: earlier });
    this.write(conn, m, now);
  }

  /**
   * Sends exactly the events after `lastSeq`, in order, and from then on live events — or a resync
   * when they are no longer kept (live events then stop until the next resume). One synchronous
   * step: no event can be written between the catch-up and the switch to live.
   */
  private catchUp(conn: RoomConnection, lastSeq: number) {
    const head = this.store.headSeq();
    const oldest = this.store.oldestSeq();
    const state = conn.state;
    if (!state) return;
    if (lastSeq > head || (head > 0 && lastSeq < oldest - 1) || head - lastSeq > CATCH_UP_LIMIT) {
      conn.setState({ ...state, live: false });
      return send(conn, { type: "resync", headSeq: head });
    }
    for (const e of this.store.eventsAfter(lastSeq, CATCH_UP_LIMIT)) send(conn, { type: "event", ...e });
    conn.setState({ ...state, live: true });
  }

  /**
   * One write: its content and its event commit together in one SQLite transaction, or neither does;
   * only then are the event fanned out and the write acknowledged (acks never outrun storage).
   */
  private write(conn: RoomConnection, m: Write, now: number) {
    const done: { seq: number; clientId: string }[] = [];
    const room: RoomContext = {
      store: this.store,
      now,
      publish: (c, clientId, kind, entityId, extra) => {
        const author = c.state?.userId;
        if (!author) throw new Error("connection without identity");
        done.push({ seq: this.store.append(kind, entityId, author, clientId, extra, now), clientId });
      },
    };
    try {
      this.ctx.storage.transactionSync(() => dispatch(room, conn, m));
    } catch (e) {
      // Ids only: never message contents in logs.
      console.error(JSON.stringify({ roomWriteFailed: m.type, error: e instanceof Error ? e.name : "unknown" }));
      return sendError(conn, "INTERNAL", "The write was not stored; send it again.", m.clientId);
    }
    for (const { seq, clientId } of done) {
      const row = this.store.eventsAfter(seq - 1, 1)[0];
      if (row) this.fanOut({ type: "event", ...row }, now);
      send(conn, { type: "ack", clientId, seq });
      if (seq % 500 === 0) this.store.trimEvents();
    }
  }

  /**
   * Sends a frame to every live connection. One whose access has ended gets nothing more and is
   * closed here, even if the alarm has not run yet.
   */
  private fanOut(msg: ServerMessage, now: number) {
    const frame = JSON.stringify(msg);
    for (const c of this.getConnections<ConnState>()) {
      const s = c.state;
      if (!s?.live) continue;
      if (accessEnded(s, now)) {
        endAccess(c);
        continue;
      }
      try {
        c.send(frame);
      } catch {
        c.close(1011, "send failed");
      }
    }
  }

  /** Arms the alarm for the earliest access end among the connections (awaited: no lost update). */
  private async armAccessCheck(until: number | null) {
    if (until === null) return;
    const at = await this.ctx.storage.getAlarm();
    if (at === null || until < at) await this.ctx.storage.setAlarm(until);
  }

  /** Closes connections whose access has ended; re-arms for the next end among the others. */
  override async onAlarm() {
    const now = Date.now();
    let next: number | null = null;
    for (const c of this.getConnections<ConnState>()) {
      const s = c.state;
      if (!s || s.accessUntil === null) continue;
      if (accessEnded(s, now)) endAccess(c);
      else if (next === null || s.accessUntil < next) next = s.accessUntil;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }
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
  }
}
