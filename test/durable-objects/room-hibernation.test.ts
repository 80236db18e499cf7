import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { DAY, isoDay } from "../../src/lib/time";
import { makeWorld, type World } from "../helpers/factories";
import {
  cid,
  connectionStates,
  eventWithSeq,
  headSeqOf,
  joinRoom,
  post,
  type RoomClient,
  roomStub,
  write,
} from "../helpers/ws";

/**
 * The room survives eviction: connection state lives in the sockets' attachments and everything else
 * in SQLite, so a rebuilt instance continues the sequence without gaps. A write that fails is not
 * half-stored.
 */

afterEach(() => {
  vi.useRealTimers();
});

const seqsOf = (c: RoomClient) => c.log.flatMap((m) => (m.type === "event" ? [m.seq] : []));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Marks the live instance, evicts it, and checks that a new instance took over. */
async function evict(w: World, webSockets: "hibernate" | "close" = "hibernate") {
  const stub = roomStub(w);
  await runInDurableObject(stub, (room: BuildingRoom) => Reflect.set(room, "evictionMarker", true));
  await evictDurableObject(stub, { webSockets });
  expect(await runInDurableObject(stub, (room: BuildingRoom) => Reflect.get(room, "evictionMarker"))).toBeUndefined();
}

describe("hibernation", () => {
  it("keeps open connections, their identities and a gap-free sequence across evictions", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const p = await post(a, "before eviction");
    for (let round = 0; round < 4; round++) {
      await evict(w);
      const writer = round % 2 === 0 ? a : b;
      const seq = await write(writer, {
        type: "comment.create",
        clientId: cid(),
        postId: p.postId,
        body: `round ${round}`,
      });
      expect(seq).toBe(p.seq + round + 1);
      const seen = await eventWithSeq(round % 2 === 0 ? b : a, seq);
      expect(seen.event).toMatchObject({
        kind: "comment.created",
        comment: { authorId: round % 2 === 0 ? w.userIds.resident : w.userIds.neighbour },
      });
    }
    const head = await headSeqOf(w);
    expect(head).toBe(5);
    for (const c of [a, b]) expect(seqsOf(c)).toEqual(range(1, head));
    // The rate bucket survived too: the connection was not handed a fresh burst by the wake.
    const states = await connectionStates(w);
    expect(states.every((s) => s.state?.live === true && (s.state?.tokens ?? 20) < 20)).toBe(true);
  });

  it("lets a client reconnect after its socket was closed by an eviction and catch up exactly", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    await post(a, "one");
    await post(a, "two");
    await b.events(2);
    await evict(w, "close");
    await Promise.all([a.closed, b.closed]);
    const a2 = await joinRoom(w, "resident", { lastSeq: 2 });
    const three = await post(a2, "three");
    expect(three.seq).toBe(3);
    const b2 = await joinRoom(w, "neighbour", { lastSeq: 2 });
    expect((await b2.events(1))[0]?.seq).toBe(3);
    const four = await post(a2, "four");
    await eventWithSeq(b2, four.seq);
    expect(seqsOf(b2)).toEqual([3, 4]);
  });

  it("still closes a connection whose access ends after the room was evicted", async () => {
    const today = isoDay(new Date());
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today } });
    const a = await joinRoom(w, "resident");
    await evict(w);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(`${today}T00:00:00Z`) + DAY);
    expect(await runDurableObjectAlarm(roomStub(w))).toBe(true);
    expect(await a.closed).toMatchObject({ code: 1008 });
  });
});

describe("failed writes", () => {
  it("keeps neither content nor event of a write that fails, and tells the sender to resend", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const stub = roomStub(w);
    const count = (table: string) =>
      runInDurableObject(stub, (_room, state) =>
        Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n),
      );
    // Sequencing fails once, after the post's content was written.
    await runInDurableObject(stub, (room: BuildingRoom) => {
      const store = room.store;
      const append = store.append.bind(store);
      Reflect.set(store, "append", () => {
        Reflect.set(store, "append", append);
        throw new Error("injected failure");
      });
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const clientId = cid("fails-once");
    a.send({ type: "post.create", clientId, body: "first attempt" });
    expect(await a.next("error")).toMatchObject({ code: "INTERNAL", clientId });
    // The failure is logged without the message's text.
    expect(logged).toHaveBeenCalled();
    expect(JSON.stringify(logged.mock.calls)).not.toContain("first attempt");
    logged.mockRestore();
    expect(await count("posts")).toBe(0);
    expect(await headSeqOf(w)).toBe(0);
    // The resend (same client id) is stored once.
    expect(await write(a, { type: "post.create", clientId, body: "first attempt" })).toBe(1);
    expect(await count("posts")).toBe(1);
    // The bystander saw only the stored write.
    expect((await b.events(1))[0]?.seq).toBe(1);
    expect(seqsOf(b)).toEqual([1]);
  });
});
