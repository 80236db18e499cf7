import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";
import { regionStores } from "../src/region";
import { type ClientMessage, parseClientMessage, type TicketLiveEvent } from "../src/shared/protocol";
import {
  decodeIdentity,
  IDENTITY_HEADER,
  type Identity,
  LAST_SEQ_HEADER,
  parseSeq,
  type RoomJurisdiction,
} from "../src/shared/room-identity";
import type { AnnouncementDelivery, DeliveryResult, PostInfo, TicketAudience } from "../src/shared/room-rpc";
import { closeEnded, moveAccessEnd } from "./access";
import * as announcements from "./announcements";
import {
  accessEnded,
  type ConnState,
  endAccess,
  floodedAfterRefusal,
  initialState,
  type RoomConnection,
  send,
  sendError,
  takeToken,
} from "./connection";
import { catchUp, fanOutEvent, liveUserIds } from "./delivery";
import { type HistoryViewer, roomHistory } from "./history";
import { appOfMessage, isOff } from "./micro-apps";
import * as moderation from "./moderation";
import { completeIntents, type PendingIntent, sendIntents } from "./notify";
import { Presence } from "./presence";
import { setProfile } from "./profiles";
import { erasePersonInRoom, exportFromRoom } from "./room-privacy";
import { type PageCursor, RoomStore } from "./room-store";
import { relayTicketEvent } from "./tickets";
import { relayTyping } from "./typing";
import { applyWrite } from "./writes";

/**
 * One Durable Object per building (design.md, "The building room"): the live pinboard, chat, direct
 * messages and announcements. Only the Worker reaches it, after checking session, origin and
 * membership; identity arrives in a header the Worker sets per connection. The class only routes:
 * storage is in room-store.ts, rules in the feature modules, delivery in delivery.ts.
 */
export class BuildingRoom extends Server<Cloudflare.Env> {
  static override options = { hibernate: true };
  #store: RoomStore | undefined;
  #presence: Presence | undefined;
  /** Caps on live connections (security: a stolen session or a script cannot exhaust the room). */
  caps = { perPerson: 5, perRoom: 2_000 };
  /** Upgrades between the cap check and the accepted socket (the check must count them too). */
  #pending = new Map<string, number>();
  /** Sockets partyserver has recognised as its own since this wake (see `connections`). */
  #known = new WeakSet<WebSocket>();
  /** When the access alarm is set, as far as this wake knows (undefined: unknown, read it first). */
  #alarmAt: number | null | undefined;
  /** The identity decoded once per upgrade request (fetch, tags and onConnect all need it). */
  #identities = new WeakMap<Request, Identity | null>();
  /**
   * Open sockets of the room as this wake counts them (null: not counted since the wake). Kept by
   * onConnect and onClose, so the room cap costs O(1) per connect instead of listing every socket;
   * it can only overcount (a close the room never hears of), and a connect it would refuse is
   * checked against an exact count first.
   */
  #openCount: number | null = null;

  // Runs after every wake: opening the store is cheap (the migrations check is one query).
  override onStart() {
    this.#store = new RoomStore(this.ctx.storage.sql);
  }

  get store(): RoomStore {
    this.#store ??= new RoomStore(this.ctx.storage.sql);
    return this.#store;
  }

  get presence(): Presence {
    this.#presence ??= new Presence(this);
    return this.#presence;
  }

  /**
   * The open connections (all, or those with a tag). partyserver's `getConnections()` deserialises
   * every socket's attachment on every call to recognise its own sockets, which made each fan-out
   * cost O(N) deserialisations; here a socket is recognised once per wake (through partyserver's
   * iterator, which also wraps it) and remembered, so a fan-out only reads the cached state. After
   * hibernation the set is empty and the first call recognises every socket again.
   */
  connections(tag?: string): Iterable<RoomConnection> {
    const sockets = this.ctx.getWebSockets(tag);
    const open = (ws: WebSocket) => ws.readyState === WebSocket.READY_STATE_OPEN;
    if (sockets.some((ws) => open(ws) && !this.#known.has(ws))) {
      for (const c of this.getConnections<ConnState>(tag)) this.#known.add(c as unknown as WebSocket);
    }
    return sockets.filter((ws) => open(ws) && this.#known.has(ws)) as unknown as RoomConnection[];
  }

  private identityOf(request: Request): Identity | null {
    let identity = this.#identities.get(request);
    if (identity === undefined) {
      identity = decodeIdentity(request.headers.get(IDENTITY_HEADER));
      this.#identities.set(request, identity);
    }
    return identity;
  }

  /**
   * Defence in depth: an upgrade without a valid identity from the Worker, or for another customer
   * than the one this building belongs to, is refused, never accepted; so is one over the caps.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return super.fetch(request);
    const identity = this.identityOf(request);
    if (!identity || accessEnded(identity, Date.now())) return new Response(null, { status: 403 });
    if (lastSeqOf(request) === undefined) return new Response(null, { status: 400 });
    const meta = this.store.meta();
    if (meta && (meta.customerId !== identity.customerId || meta.jurisdiction !== identity.jurisdiction))
      return new Response(null, { status: 403 });
    const pending = this.#pending.get(identity.userId) ?? 0;
    // The person's own sockets come from their tag (at most a handful), not from the whole room.
    if (pending + this.openSockets(identity.userId) >= this.caps.perPerson) return new Response(null, { status: 429 });
    let pendingAll = 0;
    for (const n of this.#pending.values()) pendingAll += n;
    this.#openCount ??= this.openSockets();
    if (this.#openCount + pendingAll >= this.caps.perRoom) {
      this.#openCount = this.openSockets();
      if (this.#openCount + pendingAll >= this.caps.perRoom) return new Response(null, { status: 429 });
    }
    this.#pending.set(identity.userId, pending + 1);
    try {
      return await super.fetch(request);
    } finally {
      const left = (this.#pending.get(identity.userId) ?? 1) - 1;
      if (left > 0) this.#pending.set(identity.userId, left);
      else this.#pending.delete(identity.userId);
    }
  }

  /** Open sockets of the room (or with a tag), counted exactly. */
  private openSockets(tag?: string): number {
    let n = 0;
    for (const ws of this.ctx.getWebSockets(tag)) if (ws.readyState === WebSocket.READY_STATE_OPEN) n++;
    return n;
  }

  /** Connections are tagged with the person, so the Worker can close all of one person's at once. */
  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    const identity = this.identityOf(ctx.request);
    return identity ? [identity.userId, `session:${identity.sessionId}`] : [];
  }

  /**
   * RPC from the Worker: ends live connections of a person (`userId`: logout everywhere, new password,
   * erasure) or of one login session (`session:<id>`: logout).
   */
  async disconnect(tag: string): Promise<number> {
    let closed = 0;
    for (const c of this.connections(tag)) {
      endAccess(c);
      closed++;
    }
    return closed;
  }

  /**
   * RPC: access of a person changed (tenancy shortened, staff role ended): their live connections
   * take the new end; those already past it are closed now, the others by the alarm. Returns how
   * many were closed.
   */
  async updateAccess(userId: string, accessUntil: number | null): Promise<number> {
    const closed = moveAccessEnd(this.connections(userId), accessUntil, Date.now());
    await this.armAccessCheck(accessUntil);
    return closed;
  }

  /**
   * RPC: the building's micro-app switches changed (decisions 0037, 0040). Residents' connections are
   * closed with 1012 (service restart): the client reconnects through the Worker's door, which reads
   * the switches afresh, and its catch-up (`lastSeq` in the URL, or `resume`) makes that lossless.
   * Staff are not affected by switches.
   */
  async reconnectResidents(): Promise<number> {
    let closed = 0;
    for (const c of this.connections()) {
      if (c.state?.staff) continue;
      c.close(1012, "settings changed");
      closed++;
    }
    return closed;
  }

  /** RPC: the people with a live connection now (distinct). */
  async connectedUserIds(): Promise<string[]> {
    return liveUserIds(this);
  }

  /**
   * RPC: one page of the history (posts with their threads, chat, or the viewer's conversation with
   * one neighbour), newest first, for the web app's first load and for integrators. Hidden posts are
   * left out unless the viewer is staff. `headSeq` is where the live stream resumes after this read.
   */
  async history(kind: "posts" | "chat" | "dm", cursor: PageCursor | null, limit: number, viewer?: HistoryViewer) {
    return roomHistory(this.store, kind, cursor, limit, viewer);
  }

  /** RPC: stores a copy of an announcement and shows it live; a repeated delivery stores nothing. */
  async deliverAnnouncement(a: AnnouncementDelivery): Promise<DeliveryResult> {
    const now = Date.now();
    const r = this.ctx.storage.transactionSync(() => announcements.deliverAnnouncement(this.store, a, now));
    if (r.fresh) fanOutEvent(this, r.seq, now);
    return { seq: r.seq, connectedUserIds: liveUserIds(this) };
  }

  /** RPC: withdraws an announcement (content dropped, tombstone live); seq null if nothing to withdraw. */
  async withdrawAnnouncement(id: string): Promise<{ seq: number | null }> {
    return this.sequenced(() => announcements.withdrawAnnouncement(this.store, id, Date.now()));
  }

  /** RPC: the current announcements, newest first. */
  async announcements() {
    return announcements.currentAnnouncements(this.store);
  }

  /** RPC: shows a ticket change live to its reporter and the building's staff (not stored; returns frames sent). */
  async ticketEvent(event: TicketLiveEvent, audience: TicketAudience): Promise<number> {
    return relayTicketEvent((tag) => this.connections(tag), event, audience, Date.now());
  }

  /** RPC: a post as moderation sees it (ids only), null if there is no such (undeleted) post. */
  async postInfo(postId: string): Promise<PostInfo | null> {
    return moderation.postInfo(this.store, postId);
  }

  /** RPC: a manager hides or restores a post, for everyone at once; idempotent (seq null: no change). */
  async setPostHidden(postId: string, hidden: boolean, by?: string): Promise<{ found: boolean; seq: number | null }> {
    const now = Date.now();
    const r = this.ctx.storage.transactionSync(() => moderation.setPostHidden(this.store, postId, hidden, by, now));
    if (r.seq !== null) fanOutEvent(this, r.seq, now);
    return r;
  }

  /**
   * RPC: the person's processing is restricted (`on`) or no longer (R-P5, decision 0032): their
   * profile and presence are hidden from neighbours, or shown again, at once (live and in every later
   * roster); they keep seeing their own. Idempotent: `changed` is false when it already was so.
   */
  async setRestricted(userId: string, on: boolean): Promise<{ changed: boolean }> {
    if (this.store.isRestricted(userId) === on) return { changed: false };
    this.presence.updateProfile(userId, () => this.store.setRestricted(userId, on, Date.now()));
    this.presence.flush();
    return { changed: true };
  }

  /** RPC: the person's rows in this room, as the data map classifies them (privacy export). */
  async exportPerson(userId: string) {
    // Open (migrate) the store first: a room reached only by RPC so far has no tables yet.
    if (!this.store) throw new Error("room store unavailable");
    return exportFromRoom(this.ctx.storage.sql, userId);
  }

  /** RPC: erases the person here (tombstones fanned out live) and closes their connections. */
  async erasePerson(userId: string) {
    const now = Date.now();
    const seqs = this.presence.updateProfile(userId, () =>
      this.ctx.storage.transactionSync(() => erasePersonInRoom(this.store, this.ctx.storage.sql, userId, now)),
    );
    for (const seq of seqs) fanOutEvent(this, seq, now);
    await this.disconnect(userId);
    return { events: seqs.length };
  }

  override async onConnect(conn: Connection, ctx: ConnectionContext) {
    if (this.#openCount !== null) this.#openCount++; // accepted: its close will count down
    const identity = this.identityOf(ctx.request);
    const now = Date.now();
    if (!identity || accessEnded(identity, now)) return conn.close(1008, "not authorised");
    const c = conn as RoomConnection;
    c.setState(initialState(identity, now));
    // Written once per room: a write on every connect would hold each welcome at the output gate.
    if (!this.store.meta()) this.store.rememberMeta(identity.customerId, identity.jurisdiction, now);
    if (this.store.rememberMember(identity.userId, identity.name, identity.staff, now)) this.presence.namesChanged();
    this.presence.joined(identity.userId);
    const headSeq = this.store.headSeq();
    send(c, { type: "welcome", protocol: 1, you: { userId: identity.userId }, headSeq });
    // The client named its last sequence number in the upgrade URL (decision 0037, session 6): its
    // catch-up follows the welcome in the same synchronous step, as a `resume` frame's would.
    const lastSeq = lastSeqOf(ctx.request);
    if (lastSeq != null) this.resume(c, lastSeq, headSeq);
    await this.armAccessCheck(identity.accessUntil);
  }

  /**
   * The catch-up after `lastSeq` (or a resync) and, once live, the roster: for a `resume` frame and
   * for a `lastSeq` named at connect alike.
   */
  private resume(conn: RoomConnection, lastSeq: number, head?: number) {
    if (catchUp(this, conn, lastSeq, head)) this.presence.sendRoster(conn);
  }

  override onClose(conn: Connection) {
    if (this.#openCount !== null) this.#openCount = Math.max(0, this.#openCount - 1);
    this.presence.left(conn as RoomConnection);
  }

  override onMessage(connection: Connection, raw: WSMessage) {
    const conn = connection as RoomConnection;
    const now = Date.now();
    const state = conn.state;
    if (!state) return conn.close(1008, "not authorised");
    if (accessEnded(state, now)) return endAccess(conn);
    if (!takeToken(conn, now)) {
      if (floodedAfterRefusal(conn, now)) return conn.close(1008, "flood");
      return sendError(conn, "RATE_LIMITED", "Slow down: too many messages.");
    }
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return sendError(conn, parsed.code, parsed.message);
    const m = parsed.msg;
    // A switched-off micro-app (decision 0037): refused before anything is read or stored.
    if (isOff(state, appOfMessage(m.type))) {
      const clientId = "clientId" in m ? m.clientId : undefined;
      return sendError(conn, "MICRO_APP_DISABLED", "This part of the app is not offered for your building.", clientId);
    }
    if (m.type === "resume") {
      // Once live, the connection has had every event up to now (catch-up, then live): a second
      // resume, e.g. after a `lastSeq` at connect, would only send them again. After a resync it is due.
      if (state.live) return sendError(conn, "BAD_MESSAGE", "Already resumed: this connection receives live events.");
      return this.resume(conn, m.lastSeq);
    }
    if (m.type === "typing") return relayTyping(this, conn, m, now);
    if (m.type === "profile.set") return this.setProfile(conn, m, now);
    // A resent write (same client id) is acknowledged with its first sequence number, not stored again.
    const earlier = this.store.seqOfClientId(state.userId, m.clientId);
    if (earlier !== null) return send(conn, { type: "ack", clientId: m.clientId, seq: earlier });
    applyWrite(this, conn, m, now);
  }

  /** Profiles are state, not events: acknowledged without a sequence number, broadcast batched. */
  private setProfile(conn: RoomConnection, m: Extract<ClientMessage, { type: "profile.set" }>, now: number) {
    const s = conn.state;
    if (!s) return;
    if (s.staff) return sendError(conn, "FORBIDDEN", "Profiles are for residents.", m.clientId);
    this.presence.updateProfile(s.userId, () => setProfile(this.store, s.userId, m, now));
    send(conn, { type: "ack", clientId: m.clientId, seq: null });
  }

  /** Notification intents go to the region's queue after the commit, without holding up the writer. */
  enqueue(pending: readonly PendingIntent[], authorId: string, at: number) {
    const meta = this.store.meta();
    if (!meta || pending.length === 0) return;
    const intents = completeIntents(pending, {
      customerId: meta.customerId,
      buildingId: this.name,
      authorId,
      connectedUserIds: liveUserIds(this),
      at,
    });
    this.ctx.waitUntil(sendIntents(this.notifyQueue(meta.jurisdiction), intents));
  }

  transact<T>(fn: () => T): T {
    return this.ctx.storage.transactionSync(fn);
  }

  // The region adapter is the only storage chooser; the room's env is read here and nowhere else.
  private notifyQueue(jurisdiction: RoomJurisdiction): Queue {
    return regionStores(this.env, jurisdiction).notify;
  }

  /** Runs a sequencing write for the Worker in one transaction and fans its event out. */
  private sequenced(fn: () => number | null): { seq: number | null } {
    const seq = this.ctx.storage.transactionSync(fn);
    if (seq !== null) fanOutEvent(this, seq, Date.now());
    return { seq };
  }

  /** Arms the alarm for the earliest access end among the connections (awaited: no lost update). */
  private async armAccessCheck(until: number | null) {
    if (until === null) return;
    // Known since this wake and not later than `until`: nothing to read or write (most connects).
    if (this.#alarmAt != null && this.#alarmAt <= until) return;
    const at = await this.ctx.storage.getAlarm();
    if (at === null || until < at) await this.ctx.storage.setAlarm(until);
    this.#alarmAt = at === null || until < at ? until : at;
  }

  /** Closes connections whose access has ended; re-arms for the next end among the others. */
  override async onAlarm() {
    this.#alarmAt = undefined;
    const next = closeEnded(this.connections(), Date.now());
    if (next !== null) await this.ctx.storage.setAlarm(next);
    this.#alarmAt = next;
  }
}

/**
 * The `lastSeq` the Worker passed with the upgrade: null when none (the client resumes by frame),
 * undefined when the header is malformed (refused: only the Worker sets it, after validating).
 */
function lastSeqOf(request: Request): number | null | undefined {
  const v = request.headers.get(LAST_SEQ_HEADER);
  return v === null ? null : (parseSeq(v) ?? undefined);
}
