import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import type { ServerMessage } from "../../src/shared/protocol";
import { encodeIdentity, IDENTITY_HEADER, LAST_SEQ_HEADER } from "../../src/shared/room-identity";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { errorOf } from "../helpers/http";
import {
  cid,
  clientOf,
  connectionStates,
  connectRoom,
  type EventFrame,
  eventWithSeq,
  headSeqOf,
  identityFor,
  joinDirect,
  joinRoom,
  logged,
  type Person,
  pause,
  post,
  type RoomClient,
  roomStub,
  seedChat,
  sessionOf,
  write,
} from "../helpers/ws";

/**
 * The client names its `lastSeq` in the upgrade URL (decision 0037, update of session 6; R-M1, R-M8):
 * the door validates it and passes it on in its own header; the room sends the `welcome` and then, in
 * the same synchronous step, exactly the catch-up a `resume` frame would have produced (or a resync),
 * then the roster — no `resume` round trip. Without `lastSeq` nothing changed.
 */

type Frame<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;
const seqsOf = (c: RoomClient) => c.log.flatMap((m) => (m.type === "event" ? [m.seq] : []));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** The log as frame types, events as their sequence number. */
const shape = (c: RoomClient) => c.log.map((m) => (m.type === "event" ? m.seq : m.type));

/** Connects through the door with `lastSeq` in the URL (a raw string to test malformed values). */
async function connectAt(w: World, who: Person, lastSeq: number | string, o: { session?: string } = {}) {
  return connectRoom(w.buildingIds[0], {
    app: w.slug,
    session: o.session ?? (await sessionOf(w, who)),
    query: `?lastSeq=${lastSeq}`,
  });
}

const seed = seedChat;

describe("lastSeq in the upgrade URL", () => {
  it("sends exactly the missed events for this viewer after the welcome, once, in order, then the roster and live events (no resume)", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    // A third resident (straight to the room): a conversation the reconnecting neighbour must not see.
    const carolId = `carol-${crypto.randomUUID().slice(0, 8)}`;
    const carol = await joinDirect(w, identityFor(w, carolId));
    const b = await joinRoom(w, "neighbour");
    const first = await post(a, "first");
    await eventWithSeq(b, first.seq);
    const k = first.seq;
    b.close();
    await b.closed;

    // While away: a post, a comment, chat, a DM to the neighbour and one to carol, an edit.
    const missed = [
      (await post(a, "while away")).seq,
      await write(a, { type: "comment.create", clientId: cid(), postId: first.postId, body: "a comment" }),
      await write(a, { type: "chat.send", clientId: cid(), body: "chat while away" }),
      await write(a, { type: "dm.send", clientId: cid(), toUserId: w.userIds.neighbour, body: "for you" }),
      await write(a, { type: "dm.send", clientId: cid(), toUserId: carolId, body: "for carol only" }),
      await write(a, { type: "post.edit", clientId: cid(), postId: first.postId, body: "first, edited" }),
    ];
    const head = await headSeqOf(w);
    expect(missed).toEqual(range(k + 1, head));
    const forCarol = missed[4] as number;

    const b2 = await connectAt(w, "neighbour", k);
    expect(b2.status).toBe(101);
    const welcome = await b2.next("welcome");
    expect(welcome).toMatchObject({ you: { userId: w.userIds.neighbour }, headSeq: head });
    await b2.next("roster");
    // Everything the neighbour may see, as the connected author saw it live; carol's DM left out.
    const expected = a.log.filter((m): m is EventFrame => m.type === "event" && m.seq > k && m.seq !== forCarol);
    expect(b2.log.filter((m) => m.type === "event")).toEqual(expected);
    expect(shape(b2)).toEqual(["welcome", ...expected.map((e) => e.seq), "roster"]);
    expect(JSON.stringify(b2.log)).not.toContain("for carol only");
    expect((await eventWithSeq(carol, forCarol)).event).toMatchObject({ kind: "dm.sent" }); // carol's, live

    // Live from now on, without any resume frame.
    const after = await write(a, { type: "chat.send", clientId: cid(), body: "live again" });
    await eventWithSeq(b2, after);
    expect(seqsOf(b2)).toEqual(range(k + 1, after).filter((s) => s !== forCarol));
    expect(b2.log.some((m) => m.type === "error" || m.type === "resync")).toBe(false);
  });

  it("stays exact when writes race the connect", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    for (let i = 0; i < 3; i++) await post(a, `before ${i}`);
    const writes = Array.from({ length: 10 }, (_, i) => ({
      type: "chat.send" as const,
      clientId: cid("race"),
      body: `racing ${i}`,
    }));
    for (const m of writes.slice(0, 5)) a.send(m);
    const connecting = connectAt(w, "neighbour", 1);
    for (const m of writes.slice(5)) a.send(m);
    const b = await connecting;
    const acks = await Promise.all(
      writes.map((m) => a.take((f): f is Frame<"ack"> => f.type === "ack" && f.clientId === m.clientId)),
    );
    const head = Math.max(...acks.map((f) => f.seq ?? 0));
    expect(head).toBe(13);
    await eventWithSeq(b, head);
    expect(seqsOf(b)).toEqual(range(2, head));
  });

  it("sends no catch-up when lastSeq is the head, only the roster, then live events", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "one");
    await post(a, "two");
    const b = await connectAt(w, "neighbour", 2);
    expect(await b.next("welcome")).toMatchObject({ headSeq: 2 });
    await b.next("roster");
    const three = await post(a, "three");
    await eventWithSeq(b, three.seq);
    expect(shape(b)).toEqual(["welcome", "roster", 3]);
  });

  it("answers lastSeq 0 in an empty room like a resume: welcome, roster, live", async () => {
    const w = await makeWorld();
    const b = await connectAt(w, "neighbour", 0);
    expect(await b.next("welcome")).toMatchObject({ headSeq: 0 });
    await b.next("roster");
    const a = await joinRoom(w, "resident");
    const one = await post(a, "first ever");
    await eventWithSeq(b, one.seq);
    expect(shape(b)).toEqual(["welcome", "roster", 1]);
  });

  it("answers a lastSeq older than the kept log with a resync; a resume frame then makes the connection live", async () => {
    const w = await makeWorld();
    expect(await seed(w, 10)).toBe(10);
    // The log was trimmed (as after 5,000 events): events 1–5 are no longer kept.
    const oldest = await runInDurableObject(roomStub(w), (room: BuildingRoom, state) => {
      state.storage.sql.exec("DELETE FROM events WHERE seq <= 5");
      return room.store.oldestSeq();
    });
    expect(oldest).toBe(6);
    const far = await connectAt(w, "resident", 4);
    expect(await far.next("welcome")).toMatchObject({ headSeq: 10 });
    expect(await far.next("resync")).toEqual({ type: "resync", headSeq: 10 });
    // The oldest kept event is 6: a client at 5 misses nothing and is caught up exactly.
    const near = await connectAt(w, "neighbour", 5);
    expect((await near.events(5)).map((e) => e.seq)).toEqual(range(6, 10));
    await near.next("roster");

    // Nothing live until the resyncing client resumes from the head it reloaded (HTTP).
    const eleven = await write(near, { type: "chat.send", clientId: cid(), body: "eleven" });
    await eventWithSeq(near, eleven);
    await pause(100);
    expect(seqsOf(far)).toEqual([]);
    far.send({ type: "resume", lastSeq: 10 });
    expect((await far.events(1)).map((e) => e.seq)).toEqual([11]);
    await far.next("roster");
    expect(shape(far)).toEqual(["welcome", "resync", 11, "roster"]);
  });

  it("answers a gap beyond one catch-up (1,000 events) with a resync", async () => {
    const w = await makeWorld();
    await seed(w, 1_001);
    const c = await connectAt(w, "resident", 0);
    await c.next("welcome");
    expect(await c.next("resync")).toEqual({ type: "resync", headSeq: 1_001 });
    await pause(50);
    expect(shape(c)).toEqual(["welcome", "resync"]);
  });

  it("treats a lastSeq beyond the head (a room reset, a client from elsewhere) as a resync, not an error", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "one");
    const b = await connectAt(w, "neighbour", 7);
    expect(b.status).toBe(101);
    expect(await b.next("welcome")).toMatchObject({ headSeq: 1 });
    expect(await b.next("resync")).toEqual({ type: "resync", headSeq: 1 });
    const two = await post(a, "two");
    await pause(100);
    expect(seqsOf(b)).toEqual([]);
    b.send({ type: "resume", lastSeq: 1 });
    expect((await b.events(1))[0]?.seq).toBe(two.seq);
    expect(logged(b, "error")).toEqual([]);
  });
});

describe("a resume frame after lastSeq at connect", () => {
  it("is refused with a typed error on a live connection, sends nothing again, and leaves it live", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "one");
    await post(a, "two");
    const b = await connectAt(w, "neighbour", 1);
    expect((await b.events(1))[0]?.seq).toBe(2);
    await b.next("roster");
    b.send({ type: "resume", lastSeq: 0 });
    expect(await b.next("error")).toMatchObject({ code: "BAD_MESSAGE", message: expect.stringMatching(/resumed/) });
    const three = await post(a, "three");
    await eventWithSeq(b, three.seq);
    expect(shape(b)).toEqual(["welcome", 2, "roster", "error", 3]);
  });

  it("is refused the same way after a resume frame (a second resume of the old flow)", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const one = await post(a, "one");
    const b = await joinRoom(w, "neighbour", { lastSeq: 0 });
    await eventWithSeq(b, one.seq);
    b.send({ type: "resume", lastSeq: 0 });
    expect(await b.next("error")).toMatchObject({ code: "BAD_MESSAGE" });
    expect(seqsOf(b)).toEqual([1]);
  });
});

describe("without lastSeq (the old flow, unchanged)", () => {
  it("sends only the welcome, nothing live until the resume, then the catch-up and the roster", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "one");
    const b = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "neighbour") });
    expect(await b.next("welcome")).toMatchObject({ headSeq: 1 });
    const two = await post(a, "two");
    await pause(100);
    expect(shape(b)).toEqual(["welcome"]);
    b.send({ type: "resume", lastSeq: 0 });
    expect((await b.events(2)).map((e) => e.seq)).toEqual([1, two.seq]);
    await b.next("roster");
    expect(shape(b)).toEqual(["welcome", 1, 2, "roster"]);
  });

  it("ignores a client's own copy of the room's lastSeq header (the door builds the room's request anew)", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "one");
    const b = await connectRoom(w.buildingIds[0], {
      app: w.slug,
      session: await sessionOf(w, "neighbour"),
      headers: { [LAST_SEQ_HEADER]: "0" },
    });
    expect(b.status).toBe(101);
    await b.next("welcome");
    await pause(100);
    expect(shape(b)).toEqual(["welcome"]);
  });
});

describe("a malformed lastSeq", () => {
  it("is refused at the door with the 400 envelope, before the room is reached", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const values = [
      "",
      "-1",
      "1.5",
      "01",
      "+1",
      "1e3",
      "0x10",
      "abc",
      "%201",
      "1%00",
      "9007199254740992",
      "12345678901234567",
      "1&lastSeq=2",
    ];
    for (const v of values) {
      const c = await connectAt(w, "resident", v, { session });
      expect(c.status, `lastSeq=${v}`).toBe(400);
      expect(c.response.webSocket).toBeNull();
      const body = await errorOf(c.response);
      expect(body).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "lastSeq" }] });
    }
    // The room never heard of the building's customer nor of the person; no participation was recorded.
    const reached = await runInDurableObject(roomStub(w), (room: BuildingRoom) => ({
      meta: room.store.meta() ?? null,
      member: room.store.member(w.userIds.resident) ?? null,
    }));
    expect(reached).toEqual({ meta: null, member: null });
    expect(await connectionStates(w)).toEqual([]);
    const rows = await dbOf(w.jurisdiction)
      .prepare("SELECT COUNT(*) AS n FROM room_participation WHERE user_id = ?")
      .bind(w.userIds.resident)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    // The largest safe integer is a number like any other (a resync here: it is beyond the head).
    const big = await connectAt(w, "resident", Number.MAX_SAFE_INTEGER, { session });
    expect(big.status).toBe(101);
    expect(await big.next("resync")).toEqual({ type: "resync", headSeq: 0 });
  });

  it("still answers 404 for a building the person may not enter, whatever the lastSeq", async () => {
    const w = await makeWorld();
    const c = await connectRoom(w.buildingIds[1], {
      app: w.slug,
      session: await sessionOf(w, "resident"),
      query: "?lastSeq=nope",
    });
    expect(c.status).toBe(404);
    expect((await errorOf(c.response)).code).toBe("NOT_FOUND");
  });

  it("in the Worker's header is refused by the room itself (defence in depth)", async () => {
    const w = await makeWorld();
    for (const v of ["-1", "x", "1.0"]) {
      const res = await roomStub(w).fetch(
        new Request(`https://room.internal/x?_pk=${crypto.randomUUID()}`, {
          headers: {
            upgrade: "websocket",
            [IDENTITY_HEADER]: encodeIdentity(identityFor(w, w.userIds.resident)),
            [LAST_SEQ_HEADER]: v,
          },
        }),
      );
      expect(res.status, v).toBe(400);
      expect(res.webSocket).toBeNull();
    }
    const ok = clientOf(
      await roomStub(w).fetch(
        new Request(`https://room.internal/x?_pk=${crypto.randomUUID()}`, {
          headers: {
            upgrade: "websocket",
            [IDENTITY_HEADER]: encodeIdentity(identityFor(w, w.userIds.resident)),
            [LAST_SEQ_HEADER]: "0",
          },
        }),
      ),
    );
    expect(ok.status).toBe(101);
    await ok.next("welcome");
    await ok.next("roster");
  });
});

describe("per-connection filtering in the catch-up at connect", () => {
  it("leaves out a switched-off micro-app's events (R-T3) and keeps the others", async () => {
    const w = await makeWorld();
    const manager = await joinRoom(w, "manager");
    const p = await post(manager, "pinboard post");
    const db = dbOf(w.jurisdiction);
    await db.prepare("DELETE FROM micro_apps WHERE customer_id = ? AND app_key = 'pinboard'").bind(w.customerId).run();
    await db
      .prepare(
        "INSERT INTO micro_apps (id, customer_id, property_id, app_key, enabled, custom_name) VALUES (?, ?, NULL, 'pinboard', 0, NULL)",
      )
      .bind(crypto.randomUUID(), w.customerId)
      .run();
    const chat = await write(manager, { type: "chat.send", clientId: cid(), body: "chat is on" });
    await write(manager, { type: "comment.create", clientId: cid(), postId: p.postId, body: "a comment" });
    const resident = await connectAt(w, "resident", 0);
    await resident.next("welcome");
    await resident.next("roster");
    expect(resident.log.filter((m) => m.type === "event").map((m) => (m as EventFrame).event.kind)).toEqual([
      "chat.posted",
    ]);
    expect(seqsOf(resident)).toEqual([chat]);
    // The manager (staff) keeps every app, in the catch-up at connect too.
    const staff = await connectAt(w, "manager", 0);
    expect((await staff.events(3)).map((e) => e.event.kind)).toEqual([
      "post.created",
      "chat.posted",
      "comment.created",
    ]);
  });

  it("hides a restricted resident's profile and presence in the roster that follows the catch-up (R-P5)", async () => {
    const w = await makeWorld();
    const show = { visible: true, showPresence: true };
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    for (const c of [a, b]) {
      const clientId = cid("profile");
      c.send({ type: "profile.set", clientId, ...show });
      await c.take((m): m is Frame<"ack"> => m.type === "ack" && m.clientId === clientId);
    }
    const before = await connectAt(w, "neighbour", 0);
    const seen = await before.next("roster");
    expect(seen.profiles.map((p) => p.userId)).toContain(w.userIds.resident);
    expect(seen.online).toContain(w.userIds.resident);

    expect(await roomStub(w).setRestricted(w.userIds.resident, true)).toEqual({ changed: true });
    const after = await connectAt(w, "neighbour", 0);
    const hidden = await after.next("roster");
    expect(hidden.profiles.map((p) => p.userId)).not.toContain(w.userIds.resident);
    expect(hidden.online ?? []).not.toContain(w.userIds.resident);
    // The restricted person still sees their own.
    const self = await connectAt(w, "resident", 0);
    expect((await self.next("roster")).profiles.map((p) => p.userId)).toContain(w.userIds.resident);
  });
});
