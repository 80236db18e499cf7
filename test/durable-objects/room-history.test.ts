import { describe, expect, it } from "vitest";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, errorOf, login } from "../helpers/http";
import { connectRoom, eventWithSeq } from "../helpers/ws";

interface Page {
  items: { id: string; body: string; comments?: { body: string }[]; reactions?: Record<string, number> }[];
  next: string | null;
  headSeq: number;
}

describe("GET /api/buildings/{buildingId}/posts and /chat", () => {
  it("pages through the whole pinboard newest first, without gaps or repeats, and leaves deleted posts out", async () => {
    const w = await makeWorld();
    const b = w.buildingIds[0];
    const session = await login(w.emails.resident, PASSWORD, w.slug);
    // Two writers: one connection may send 20 frames in a burst (rate limit).
    const writers = [];
    for (const s of [session, await login(w.emails.neighbour, PASSWORD, w.slug)]) {
      const client = await connectRoom(b, { app: w.slug, session: s });
      await client.next("welcome");
      client.send({ type: "resume", lastSeq: 0 });
      writers.push(client);
    }
    const [c, d] = writers as [(typeof writers)[number], (typeof writers)[number]];
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const by = i % 2 === 0 ? c : d;
      by.send({ type: "post.create", clientId: `history-post-${i}`, body: `post ${i}` });
      const { seq } = await by.next("ack");
      const e = (await eventWithSeq(by, seq ?? -1)).event;
      if (e.kind === "post.created") ids.push(e.post.id);
      expect(seq).toBe(i + 1);
    }
    c.send({ type: "comment.create", clientId: "history-comment", postId: ids[24] ?? "", body: "a comment" });
    await c.next("ack");
    c.send({ type: "reaction.toggle", clientId: "history-reaction", postId: ids[24] ?? "", emoji: "🎉" });
    await c.next("ack");
    c.send({ type: "post.delete", clientId: "history-delete", postId: ids[0] ?? "" }); // post 0 is c's
    const { seq: lastSeq } = await c.next("ack");

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=10&cursor=${cursor}` : "?limit=10";
      const res = await api(`/api/buildings/${b}/posts${q}`, { app: w.slug, session });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      if (pages === 0) {
        expect(page.headSeq).toBe(lastSeq);
        expect(page.items[0]).toMatchObject({
          body: "post 24",
          comments: [{ body: "a comment" }],
          reactions: { "🎉": 1 },
        });
      }
      seen.push(...page.items.map((p) => p.id));
      cursor = page.next;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids.slice(1).reverse());
  });

  it("lists chat messages newest first", async () => {
    const w = await makeWorld();
    const session = await login(w.emails.neighbour, PASSWORD, w.slug);
    const c = await connectRoom(w.buildingIds[0], { app: w.slug, session });
    await c.next("welcome");
    c.send({ type: "resume", lastSeq: 0 });
    for (const body of ["one", "two", "three"]) {
      c.send({ type: "chat.send", clientId: `history-chat-${body}`, body });
      await c.next("ack");
    }
    const page = (await (
      await api(`/api/buildings/${w.buildingIds[0]}/chat`, { app: w.slug, session })
    ).json()) as Page;
    expect(page.items.map((m) => m.body)).toEqual(["three", "two", "one"]);
    expect(page.next).toBeNull();
  });

  it("answers 404 to a resident of another building and 400 to a bad cursor or limit", async () => {
    const w = await makeWorld();
    const other = await login(w.emails.otherBuilding, PASSWORD, w.slug);
    const own = await login(w.emails.resident, PASSWORD, w.slug);
    const path = `/api/buildings/${w.buildingIds[0]}/posts`;
    expect((await errorOf(await api(path, { app: w.slug, session: other }))).code).toBe("NOT_FOUND");
    for (const q of ["?cursor=not-a-cursor", "?limit=101", "?limit=0", "?cursor=WzEsMl0"]) {
      const res = await api(`${path}${q}`, { app: w.slug, session: own });
      expect(res.status, q).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
  });
});
