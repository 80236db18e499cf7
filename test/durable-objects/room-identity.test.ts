import { describe, expect, it } from "vitest";
import { encodeIdentity, IDENTITY_HEADER } from "../../src/shared/room-identity";
import { makeWorld, type World } from "../helpers/factories";
import {
  cid,
  connectionStates,
  connectRoom,
  eventWithSeq,
  joinRoom,
  type Person,
  post,
  roomStub,
  sessionOf,
  write,
} from "../helpers/ws";

/** Identity comes from the session alone: forged headers, connection ids and concurrent connects change nothing. */

const b64 = (v: unknown) => btoa(JSON.stringify(v));

/** Connects with a known session and extra client-chosen headers and query, then resumes. */
async function joinWith(w: World, who: Person, o: { headers?: Record<string, string>; query?: string }) {
  const c = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, who), ...o });
  expect(c.status).toBe(101);
  const welcome = await c.next("welcome");
  c.send({ type: "resume", lastSeq: welcome.headSeq });
  return { c, welcome };
}

describe("forged identity", () => {
  it("ignores client-sent x-partykit-*, identity headers and _pk: the session decides who you are", async () => {
    const w = await makeWorld();
    const neighbour = await joinRoom(w, "neighbour");
    const theirs = await post(neighbour, "Neighbour's post");
    const forged = {
      userId: w.userIds.neighbour,
      sessionId: "forged",
      name: "Forged",
      staff: true,
      accessUntil: null,
      customerId: w.customerId,
      jurisdiction: w.jurisdiction,
      off: [],
    };
    const { c, welcome } = await joinWith(w, "resident", {
      headers: {
        "x-partykit-props": b64(forged),
        "x-partykit-room": w.buildingIds[1],
        "x-partykit-namespace": "building-room",
        [IDENTITY_HEADER]: encodeIdentity(forged),
      },
      query: "?_pk=forged-connection-id",
    });
    expect(welcome.you.userId).toBe(w.userIds.resident);
    const mine = await post(c, "Who wrote this?");
    const seen = await eventWithSeq(neighbour, mine.seq);
    expect(seen.event).toMatchObject({
      kind: "post.created",
      post: { authorId: w.userIds.resident, authorName: expect.stringContaining("resident") },
    });
    // No staff rights were smuggled in: moderating someone else's post is refused.
    c.send({ type: "post.delete", clientId: "forged-delete-1", postId: theirs.postId });
    expect(await c.next("error")).toMatchObject({ code: "FORBIDDEN", clientId: "forged-delete-1" });
    const states = await connectionStates(w);
    const state = states.find((s) => s.state?.userId === w.userIds.resident);
    expect(state?.state).toMatchObject({ userId: w.userIds.resident, staff: false, accessUntil: null });
    expect(state?.state?.name).not.toBe("Forged");
    expect(states.map((s) => s.id)).not.toContain("forged-connection-id");
  });

  it("also ignores the legacy raw-JSON props header", async () => {
    const w = await makeWorld();
    const forged = { userId: w.userIds.admin, sessionId: "forged", name: "Admin?", staff: true, accessUntil: null };
    const { c, welcome } = await joinWith(w, "neighbour", { headers: { "x-partykit-props": JSON.stringify(forged) } });
    expect(welcome.you.userId).toBe(w.userIds.neighbour);
    const p = await post(c, "plain");
    expect(p.seq).toBe(1);
    expect((await connectionStates(w))[0]?.state).toMatchObject({ userId: w.userIds.neighbour, staff: false });
  });

  it("refuses a forged identity header without a session (401)", async () => {
    const w = await makeWorld();
    const forged = {
      userId: w.userIds.resident,
      sessionId: "forged",
      name: "x",
      staff: true,
      accessUntil: null,
      customerId: w.customerId,
      jurisdiction: w.jurisdiction,
      off: [],
    };
    const c = await connectRoom(w.buildingIds[0], {
      app: w.slug,
      headers: { [IDENTITY_HEADER]: encodeIdentity(forged) },
    });
    expect(c.status).toBe(401);
  });

  it("makes the room itself refuse an upgrade that carries no valid identity from the Worker", async () => {
    const w = await makeWorld();
    const stub = roomStub(w);
    const upgrade = (headers: Record<string, string>) =>
      stub.fetch(new Request("https://room.internal/x?_pk=abc", { headers: { upgrade: "websocket", ...headers } }));
    const props = b64({ userId: w.userIds.resident, sessionId: "forged", name: "x", staff: true, accessUntil: null });
    const expired = {
      userId: w.userIds.resident,
      sessionId: "forged",
      name: "x",
      staff: false,
      accessUntil: Date.now() - 1000,
      customerId: w.customerId,
      jurisdiction: w.jurisdiction,
      off: [],
    };
    const attempts: Record<string, string>[] = [
      {},
      { "x-partykit-props": props },
      { [IDENTITY_HEADER]: "not json" },
      { [IDENTITY_HEADER]: encodeURIComponent(JSON.stringify({ userId: 42, name: "x", staff: false })) },
      { [IDENTITY_HEADER]: encodeIdentity(expired) },
      // The micro-apps switched off must be stated, with known apps only (fail closed: decision 0037).
      { [IDENTITY_HEADER]: encodeURIComponent(JSON.stringify({ ...expired, accessUntil: null, off: undefined })) },
      { [IDENTITY_HEADER]: encodeURIComponent(JSON.stringify({ ...expired, accessUntil: null, off: ["bogus"] })) },
    ];
    for (const headers of attempts) {
      const res = await upgrade(headers);
      expect(res.status).toBe(403);
      expect(res.webSocket).toBeNull();
    }
    expect(await connectionStates(w)).toEqual([]);
  });
});

describe("connection ids", () => {
  it("never lets a client choose its connection id, not even another connection's", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const [aId] = (await connectionStates(w)).map((s) => s.id);
    const { c: b } = await joinWith(w, "neighbour", { query: `?_pk=${aId}` });
    const { c: b2 } = await joinWith(w, "neighbour", { query: `?_pk=${aId}` });
    const states = await connectionStates(w);
    expect(new Set(states.map((s) => s.id)).size).toBe(3);
    expect(states.filter((s) => s.id === aId).map((s) => s.state?.userId)).toEqual([w.userIds.resident]);
    // Everyone keeps their own identity and their own acks.
    expect((await post(a, "from a")).post.authorId).toBe(w.userIds.resident);
    expect((await post(b, "from b")).post.authorId).toBe(w.userIds.neighbour);
    expect((await post(b2, "from b2")).post.authorId).toBe(w.userIds.neighbour);
    expect(a.log.filter((m) => m.type === "ack").length).toBe(1);
    expect(b.log.filter((m) => m.type === "ack").length).toBe(1);
  });
});

describe("concurrent connects", () => {
  it("keeps every person's identity when they connect at the same moment", async () => {
    const w = await makeWorld();
    const people: Person[] = ["resident", "neighbour", "manager", "admin", "resident", "neighbour"];
    const sessions = await Promise.all(people.map((p) => sessionOf(w, p)));
    for (let round = 0; round < 3; round++) {
      const clients = await Promise.all(
        sessions.map((session) => connectRoom(w.buildingIds[0], { app: w.slug, session })),
      );
      const welcomes = await Promise.all(clients.map((c) => c.next("welcome")));
      expect(welcomes.map((m) => m.you.userId)).toEqual(people.map((p) => w.userIds[p]));
      for (const c of clients) c.send({ type: "resume", lastSeq: 0 });
      // Everyone writes at once; each post carries its own author.
      const seqs = await Promise.all(
        clients.map((c, i) => write(c, { type: "post.create", clientId: cid(`r${round}`), body: `from ${i}` })),
      );
      const events = await Promise.all(clients.map((c, i) => eventWithSeq(c, seqs[i] as number)));
      expect(events.map((e) => (e.event.kind === "post.created" ? e.event.post.authorId : e.event.kind))).toEqual(
        people.map((p) => w.userIds[p]),
      );
      const states = await connectionStates(w);
      const staffOf = new Map(states.map((s) => [s.state?.userId, s.state?.staff]));
      expect(staffOf.get(w.userIds.manager)).toBe(true);
      expect(staffOf.get(w.userIds.resident)).toBe(false);
      for (const c of clients) c.close();
      await Promise.all(clients.map((c) => c.closed));
    }
  });
});
