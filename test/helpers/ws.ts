import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import type { ConnState } from "../../durable-objects/connection";
import { regionStores } from "../../src/region";
import type { ClientMessage, PostDto, RoomEvent, ServerMessage } from "../../src/shared/protocol";
import { encodeIdentity, IDENTITY_HEADER, type Identity } from "../../src/shared/room-identity";
import { loginAs } from "./accounts";
import { PASSWORD, type World } from "./factories";
import { ORIGIN_OF } from "./http";

type Frame<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;
export type EventFrame = Frame<"event">;

/** A WebSocket client of a building room, through the real Worker (session, origin, membership). */
export interface RoomClient {
  status: number;
  /** The Worker's answer to the upgrade (an error envelope when refused). */
  response: Response;
  /** Raw frames (JSON text, any string, or binary). */
  send(msg: ClientMessage | string | ArrayBuffer): void;
  /** The next message of a type (messages of other types before it are kept for later calls). */
  next<T extends ServerMessage["type"]>(type: T, timeoutMs?: number): Promise<Frame<T>>;
  /** The first queued (or next arriving) frame that matches. */
  take<M extends ServerMessage>(match: (m: ServerMessage) => m is M, timeoutMs?: number): Promise<M>;
  /** The next `n` event frames, in the order they arrived. */
  events(n: number, timeoutMs?: number): Promise<EventFrame[]>;
  /** Frames not yet taken by `next`/`events`. */
  received: ServerMessage[];
  /** Every frame ever received, in arrival order (never consumed). */
  log: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function connectRoom(
  buildingId: string,
  o: { app: string; session?: string; origin?: string | null; headers?: Record<string, string>; query?: string },
): Promise<RoomClient> {
  const origin = ORIGIN_OF(o.app);
  const headers = new Headers(o.headers);
  headers.set("host", new URL(origin).host);
  if (!headers.has("upgrade")) headers.set("upgrade", "websocket");
  if (o.origin !== null) headers.set("origin", o.origin ?? origin);
  if (o.session) headers.set("cookie", `__Host-quartier_session=${o.session}`);
  const res = await exports.default.fetch(new Request(`${origin}/rooms/${buildingId}${o.query ?? ""}`, { headers }));
  return clientOf(res);
}

/** A client over the WebSocket of an upgrade response (refused upgrades give a client without a socket). */
export function clientOf(res: Response): RoomClient {
  const ws = res.webSocket;
  const received: ServerMessage[] = [];
  const log: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  let onClose: (v: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((r) => {
    onClose = r;
  });
  if (ws) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      const m = JSON.parse(String(e.data)) as ServerMessage;
      received.push(m);
      log.push(m);
      for (const w of waiters.splice(0)) w();
    });
    ws.addEventListener("close", (e) => {
      onClose({ code: e.code, reason: e.reason });
      for (const w of waiters.splice(0)) w();
    });
  }
  const wait = () =>
    new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 50);
    });
  const client: RoomClient = {
    status: res.status,
    response: res,
    received,
    log,
    closed,
    send: (msg) => ws?.send(typeof msg === "string" || msg instanceof ArrayBuffer ? msg : JSON.stringify(msg)),
    close: () => ws?.close(1000, "done"),
    async take<M extends ServerMessage>(match: (m: ServerMessage) => m is M, timeoutMs = 3_000): Promise<M> {
      // performance.now(): some tests fake Date to move the room's clock.
      const until = performance.now() + timeoutMs;
      for (;;) {
        const i = received.findIndex(match);
        if (i >= 0) return received.splice(i, 1)[0] as M;
        if (performance.now() > until)
          throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(received)}`);
        await wait();
      }
    },
    next<T extends ServerMessage["type"]>(type: T, timeoutMs = 3_000): Promise<Frame<T>> {
      return client.take((m): m is Frame<T> => m.type === type, timeoutMs);
    },
    async events(n, timeoutMs = 5_000) {
      const out: EventFrame[] = [];
      for (let i = 0; i < n; i++) out.push(await client.next("event", timeoutMs));
      return out;
    },
  };
  return client;
}

export type Person = keyof World["userIds"];

/** A logged-in session of one of the world's people (fresh client IP, so the login limit never bites). */
export const sessionOf = (w: World, who: Person) => loginAs(w.slug, w.emails[who], PASSWORD);

/**
 * Connects a person to a building room (default: the world's first building) and resumes from
 * `lastSeq` (default: the head announced in the welcome), so the connection receives live events.
 */
export async function joinRoom(
  w: World,
  who: Person,
  o: { buildingId?: string; session?: string; lastSeq?: number } = {},
): Promise<RoomClient & { welcome: Frame<"welcome"> }> {
  const c = await connectRoom(o.buildingId ?? w.buildingIds[0], {
    app: w.slug,
    session: o.session ?? (await sessionOf(w, who)),
  });
  expect(c.status).toBe(101);
  const welcome = await c.next("welcome");
  c.send({ type: "resume", lastSeq: o.lastSeq ?? welcome.headSeq });
  return Object.assign(c, { welcome });
}

let clientCounter = 0;
/** A client id for a write (unique per test file run). */
export const cid = (label = "w") => `${label}-${++clientCounter}-${crypto.randomUUID().slice(0, 8)}`;

/** Sends a write and returns its acknowledged sequence number (fails on an error frame). */
export async function write(c: RoomClient, msg: ClientMessage): Promise<number> {
  c.send(msg);
  const clientId = "clientId" in msg ? msg.clientId : undefined;
  const m = await c.take(
    (f): f is Frame<"ack"> | Frame<"error"> => (f.type === "ack" || f.type === "error") && f.clientId === clientId,
  );
  if (m.type === "error" || m.seq === null) throw new Error(`write refused: ${JSON.stringify(m)}`);
  return m.seq;
}

/** Creates a post and returns its id and sequence number (as seen in the author's own event). */
export async function post(c: RoomClient, body: string): Promise<{ seq: number; postId: string; post: PostDto }> {
  const seq = await write(c, { type: "post.create", clientId: cid("post"), body });
  const e = await eventWithSeq(c, seq);
  if (e.event.kind !== "post.created") throw new Error(`expected post.created, got ${e.event.kind}`);
  return { seq, postId: e.event.post.id, post: e.event.post };
}

/** Takes the event frame with this sequence number (earlier events stay queued). */
export function eventWithSeq(c: RoomClient, seq: number, timeoutMs = 3_000): Promise<EventFrame> {
  return c.take((m): m is EventFrame => m.type === "event" && m.seq === seq, timeoutMs);
}

/** The kinds of a list of event frames (compact assertions). */
export const kinds = (frames: EventFrame[]): RoomEvent["kind"][] => frames.map((f) => f.event.kind);

/** The room of a building, addressed as the Worker does (region adapter). */
export const roomStub = (w: World, buildingId: string = w.buildingIds[0]) =>
  regionStores(env, w.jurisdiction).rooms().getByName(buildingId);

/** Appends `n` chat events straight into the room's store (fast, bypassing the rate limit); returns the head. */
export const seedChat = (w: World, n: number) =>
  runInDurableObject(roomStub(w), (room: BuildingRoom) => {
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const id = crypto.randomUUID();
      room.store.insertChat(id, w.userIds.resident, `seeded ${i}`, now);
      room.store.append("chat.posted", id, w.userIds.resident, null, undefined, now);
    }
    return room.store.headSeq();
  });

/** The room's newest sequence number, read inside the Durable Object. */
export const headSeqOf = (w: World, buildingId?: string) =>
  runInDurableObject(roomStub(w, buildingId), (room: BuildingRoom) => room.store.headSeq());

/** The state of every open connection of the room (identity, access end, rate bucket). */
export const connectionStates = (w: World, buildingId?: string) =>
  runInDurableObject(roomStub(w, buildingId), (room: BuildingRoom) =>
    [...room.getConnections<ConnState>()].map((c) => ({ id: c.id, state: c.state })),
  );

/** The error frame answering the write with this client id. */
export const errorFor = (c: RoomClient, clientId: string) =>
  c.take((m): m is Frame<"error"> => m.type === "error" && m.clientId === clientId);

/** An identity as the Worker would set it for someone of the world's customer (synthetic people too). */
export const identityFor = (w: World, userId: string, o: Partial<Identity> = {}): Identity => ({
  userId,
  sessionId: `s-${crypto.randomUUID()}`,
  name: `Name of ${userId}`,
  staff: false,
  accessUntil: null,
  customerId: w.customerId,
  jurisdiction: w.jurisdiction,
  off: [],
  ...o,
});

/**
 * Connects straight to the room with a Worker-style identity header, skipping the door (session,
 * origin, membership are the door's tests): many distinct people without logins. Resumes like joinRoom.
 */
export async function joinDirect(
  w: World,
  identity: Identity,
  o: { lastSeq?: number; buildingId?: string } = {},
): Promise<RoomClient & { welcome: Frame<"welcome"> }> {
  const res = await roomStub(w, o.buildingId).fetch(
    new Request(`https://room.internal/x?_pk=${crypto.randomUUID()}`, {
      headers: { upgrade: "websocket", [IDENTITY_HEADER]: encodeIdentity(identity) },
    }),
  );
  const c = clientOf(res);
  expect(c.status).toBe(101);
  const welcome = await c.next("welcome");
  c.send({ type: "resume", lastSeq: o.lastSeq ?? welcome.headSeq });
  return Object.assign(c, { welcome });
}

/** Frames of one type in a client's full log. */
export const logged = <T extends ServerMessage["type"]>(c: RoomClient, type: T): Frame<T>[] =>
  c.log.filter((m): m is Frame<T> => m.type === type);

/** Waits a little (batched presence is sent about once per second). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
