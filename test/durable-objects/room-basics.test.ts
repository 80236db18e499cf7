import { describe, expect, it } from "vitest";
import { makeWorld } from "../helpers/factories";
import { connectRoom, sessionOf } from "../helpers/ws";

describe("building room", () => {
  it("shows one resident's post to the other live, and acknowledges it with its sequence number", async () => {
    const w = await makeWorld();
    const a = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "resident") });
    const b = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "neighbour") });
    expect(a.status).toBe(101);
    expect(await a.next("welcome")).toMatchObject({ protocol: 1, you: { userId: w.userIds.resident }, headSeq: 0 });
    await b.next("welcome");
    // Live events start with the resume (the first frame of every connection).
    b.send({ type: "resume", lastSeq: 0 });
    a.send({ type: "post.create", clientId: "client-post-1", body: "Hello house" });
    const ack = await a.next("ack");
    const seen = await b.next("event");
    expect(ack).toEqual({ type: "ack", clientId: "client-post-1", seq: 1 });
    expect(seen).toMatchObject({ seq: ack.seq, event: { kind: "post.created", post: { body: "Hello house" } } });
  });

  it("sends no live events to a connection that has not resumed yet", async () => {
    const w = await makeWorld();
    const a = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "resident") });
    const b = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "neighbour") });
    await a.next("welcome");
    await b.next("welcome");
    a.send({ type: "chat.send", clientId: "client-chat-1", body: "before b resumes" });
    expect(await a.next("ack")).toMatchObject({ seq: 1 });
    b.send({ type: "resume", lastSeq: 0 });
    const [caught] = await b.events(1);
    expect(caught).toMatchObject({ seq: 1, event: { kind: "chat.posted" } });
    a.send({ type: "chat.send", clientId: "client-chat-2", body: "after" });
    await b.events(1);
    expect(b.log.map((m) => (m.type === "event" ? m.seq : m.type))).toEqual(["welcome", 1, "roster", 2]);
  });
});
