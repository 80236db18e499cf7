import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import type { ClientMessage, ServerMessage } from "../../src/shared/protocol";
import { makeWorld } from "../helpers/factories";
import {
  cid,
  connectRoom,
  type EventFrame,
  eventWithSeq,
  headSeqOf,
  joinRoom,
  post,
  type RoomClient,
  roomStub,
  seedChat,
  sessionOf,
  write,
} from "../helpers/ws";

/** Delivery that loses nothing: exact catch-up on reconnect, resync beyond the window, idempotent resends. */

type AckFrame = Extract<ServerMessage, { type: "ack" }>;
const seqsOf = (c: RoomClient) => c.log.flatMap((m) => (m.type === "event" ? [m.seq] : []));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A varied batch of writes (posts, comments, reactions, chat, an edit of an older post). */
async function writeMix(c: RoomClient, olderPostId: string, label: string): Promise<number[]> {
  const p = await post(c, `${label} post`);
  const msgs: ClientMessage[] = [
    { type: "comment.create", clientId: cid(), postId: p.postId, body: `${label} comment` },
    { type: "reaction.toggle", clientId: cid(), postId: p.postId, emoji: "🙏" },
    { type: "chat.send", clientId: cid(), body: `${label} chat` },
    { type: "post.edit", clientId: cid(), postId: olderPostId, body: `${label} edit` },
  ];
  const seqs = [p.seq];
  for (const m of msgs) seqs.push(await write(c, m));
  return seqs;
}

const seed = seedChat;

describe("reconnect catch-up", () => {
  it("sends exactly the missed events k+1..head, in order, once, then live events", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const first = await post(a, "first");
    const second = await post(a, "second");
    await writeMix(a, first.postId, "early");
    await b.events(7);
    const k = Math.max(...seqsOf(b));
    expect(k).toBe(7);
    b.close();
    await b.closed;

    // Each batch edits a different older post: a replayed edit shows the post's current text.
    const missed = await writeMix(a, first.postId, "while away");
    missed.push(...(await writeMix(a, second.postId, "still away")));
    const head = await headSeqOf(w);
    expect(missed).toEqual(range(k + 1, head));

    const b2 = await joinRoom(w, "neighbour", { lastSeq: k });
    expect(b2.welcome.headSeq).toBe(head);
    const caught = await b2.events(head - k);
    // What the reconnecting client gets equals what the connected one saw live, frame for frame.
    const live = a.log.filter((m): m is EventFrame => m.type === "event" && m.seq > k);
    expect(caught).toEqual(live);
    const after = await write(a, { type: "chat.send", clientId: cid(), body: "live again" });
    await eventWithSeq(b2, after);
    expect(seqsOf(b2)).toEqual(range(k + 1, after));
  });

  it("stays exact when writes happen while the client reconnects", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    for (let i = 0; i < 3; i++) await post(a, `before ${i}`);
    const k = 2;
    const b = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "neighbour") });
    await b.next("welcome");
    // Writes land between B's welcome and its resume, and keep coming while it catches up.
    for (let i = 0; i < 3; i++) await write(a, { type: "chat.send", clientId: cid(), body: `between ${i}` });
    const inFlight = Array.from({ length: 8 }, (_, i) => ({
      type: "chat.send" as const,
      clientId: cid("race"),
      body: `racing ${i}`,
    }));
    for (const m of inFlight.slice(0, 4)) a.send(m);
    b.send({ type: "resume", lastSeq: k });
    for (const m of inFlight.slice(4)) a.send(m);
    const acks = await Promise.all(
      inFlight.map((m) => a.take((f): f is AckFrame => f.type === "ack" && f.clientId === m.clientId)),
    );
    const head = Math.max(...acks.map((f) => f.seq ?? 0));
    expect(head).toBe(14);
    await eventWithSeq(b, head);
    expect(seqsOf(b)).toEqual(range(k + 1, head));
  });

  it("answers a resume beyond the head with a resync, and sends nothing live until the next resume", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "one");
    const b = await joinRoom(w, "neighbour", { lastSeq: 7 });
    expect(await b.next("resync")).toEqual({ type: "resync", headSeq: 1 });
    const two = await post(a, "two");
    b.send({ type: "resume", lastSeq: 1 });
    expect((await b.events(1))[0]?.seq).toBe(two.seq);
    const three = await post(a, "three");
    expect((await b.events(1))[0]?.seq).toBe(three.seq);
    expect(seqsOf(b)).toEqual([2, 3]);
  });

  it("sends up to 1,000 missed events and a resync beyond that", async () => {
    const w = await makeWorld();
    expect(await seed(w, 1_001)).toBe(1_001);
    const far = await joinRoom(w, "resident", { lastSeq: 0 });
    expect(await far.next("resync")).toEqual({ type: "resync", headSeq: 1_001 });
    const near = await joinRoom(w, "neighbour", { lastSeq: 1 });
    const caught = await near.events(1_000, 10_000);
    expect(caught.map((e) => e.seq)).toEqual(range(2, 1_001));
    expect(near.log.some((m) => m.type === "resync")).toBe(false);
  });

  it("trims the log to the last 5,000 events and still catches up within them", async () => {
    const w = await makeWorld();
    await seed(w, 5_499);
    const a = await joinRoom(w, "resident");
    expect(await write(a, { type: "chat.send", clientId: cid(), body: "5,500th" })).toBe(5_500);
    const oldest = await runInDurableObject(roomStub(w), (room: BuildingRoom) => room.store.oldestSeq());
    expect(oldest).toBe(501);
    const old = await joinRoom(w, "manager", { lastSeq: 499 });
    expect(await old.next("resync")).toEqual({ type: "resync", headSeq: 5_500 });
    const b = await joinRoom(w, "neighbour", { lastSeq: 4_600 });
    expect((await b.events(900, 10_000)).map((e) => e.seq)).toEqual(range(4_601, 5_500));
  });
});

describe("idempotent writes", () => {
  it("stores a resent write once and acknowledges every copy with the same sequence number", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const p = await post(a, "react to me");
    await b.events(1);
    const clientId = cid("toggle");
    const toggle: ClientMessage = { type: "reaction.toggle", clientId, postId: p.postId, emoji: "🎉" };
    for (let i = 0; i < 3; i++) a.send(toggle);
    const acks = [await a.next("ack"), await a.next("ack"), await a.next("ack")];
    expect(acks.map((m) => [m.clientId, m.seq])).toEqual([
      [clientId, 2],
      [clientId, 2],
      [clientId, 2],
    ]);
    expect(await headSeqOf(w)).toBe(2);

    // Also after a reconnect: the retry is acknowledged, not applied (the reaction stays on).
    a.close();
    await a.closed;
    const a2 = await joinRoom(w, "resident");
    expect(await write(a2, toggle)).toBe(2);
    expect(await headSeqOf(w)).toBe(2);
    const next = await write(a2, { type: "chat.send", clientId: cid(), body: "after" });
    expect(next).toBe(3);
    await eventWithSeq(b, next);
    expect(seqsOf(b)).toEqual([1, 2, 3]);
    const replay = await joinRoom(w, "manager", { lastSeq: 1 });
    expect((await replay.events(1))[0]?.event).toMatchObject({ kind: "reaction.changed", on: true });
  });

  it("scopes client ids to their author: the same id from someone else is a new write", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const clientId = cid("shared");
    expect(await write(a, { type: "chat.send", clientId, body: "from a" })).toBe(1);
    expect(await write(b, { type: "chat.send", clientId, body: "from b" })).toBe(2);
    expect(await write(a, { type: "post.create", clientId, body: "same id, other type" })).toBe(1);
    expect(await headSeqOf(w)).toBe(2);
  });
});
