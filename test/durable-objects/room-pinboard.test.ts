import { describe, expect, it } from "vitest";
import { makeWorld } from "../helpers/factories";
import { cid, connectRoom, errorFor, eventWithSeq, joinRoom, kinds, post, sessionOf, write } from "../helpers/ws";

/** Pinboard and chat between residents, live; authors' rights and moderation; tombstones on replay. */

describe("pinboard and chat, live", () => {
  it("shows each resident's posts, comments, reactions and chat messages to the other", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");

    const p = await post(a, "Bike repair on Saturday?");
    const [seenPost] = await b.events(1);
    expect(seenPost).toMatchObject({
      seq: p.seq,
      event: {
        kind: "post.created",
        post: { id: p.postId, authorId: w.userIds.resident, body: "Bike repair on Saturday?" },
      },
    });

    const c = await write(b, { type: "comment.create", clientId: cid(), postId: p.postId, body: "Count me in" });
    const [seenComment] = await a.events(1);
    expect(seenComment).toMatchObject({
      seq: c,
      event: {
        kind: "comment.created",
        comment: { postId: p.postId, authorId: w.userIds.neighbour, body: "Count me in" },
      },
    });

    const r = await write(b, { type: "reaction.toggle", clientId: cid(), postId: p.postId, emoji: "👍" });
    expect((await a.events(1))[0]).toMatchObject({
      seq: r,
      event: { kind: "reaction.changed", postId: p.postId, userId: w.userIds.neighbour, emoji: "👍", on: true },
    });
    const off = await write(b, { type: "reaction.toggle", clientId: cid(), postId: p.postId, emoji: "👍" });
    expect((await a.events(1))[0]).toMatchObject({ seq: off, event: { kind: "reaction.changed", on: false } });

    const m1 = await write(a, { type: "chat.send", clientId: cid(), body: "Hi neighbour" });
    const m2 = await write(b, { type: "chat.send", clientId: cid(), body: "Hi!" });
    const toB = await eventWithSeq(b, m1);
    expect(toB).toMatchObject({ event: { message: { authorId: w.userIds.resident, body: "Hi neighbour" } } });
    const toA = await eventWithSeq(a, m2);
    expect(toA).toMatchObject({ event: { message: { authorId: w.userIds.neighbour, body: "Hi!" } } });
    // Sequence numbers are gap-free across kinds, and both saw every event once, in order.
    expect([p.seq, c, r, off, m1, m2]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const client of [a, b]) {
      expect(client.log.flatMap((f) => (f.type === "event" ? [f.seq] : []))).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it("names authors as the Worker knows them", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const p = await post(a, "Named");
    const b = await joinRoom(w, "neighbour", { lastSeq: p.seq - 1 });
    const [e] = await b.events(1);
    expect(e?.event).toMatchObject({ kind: "post.created", post: { authorName: expect.stringContaining("resident") } });
  });
});

describe("authors' rights and moderation", () => {
  it("lets the author edit and delete their own post, for everyone", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const p = await post(a, "Frist draft");
    const edited = await write(a, { type: "post.edit", clientId: cid(), postId: p.postId, body: "First draft" });
    const deleted = await write(a, { type: "post.delete", clientId: cid(), postId: p.postId });
    const seen = await b.events(3);
    expect(kinds(seen)).toEqual(["post.created", "post.edited", "post.deleted"]);
    expect(seen[1]).toMatchObject({ seq: edited, event: { postId: p.postId, body: "First draft" } });
    expect(seen[2]).toMatchObject({ seq: deleted, event: { postId: p.postId } });
  });

  it("refuses to edit or delete someone else's post or comment, to the sender only", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const p = await post(a, "Mine");
    const c = await write(a, { type: "comment.create", clientId: cid(), postId: p.postId, body: "Also mine" });
    await b.events(2);
    const commentId = (await eventWithSeq(a, c)).event;
    if (commentId.kind !== "comment.created") throw new Error("expected a comment");
    const tries: { clientId: string; msg: Parameters<typeof b.send>[0] }[] = [
      {
        clientId: "edit-other-1",
        msg: { type: "post.edit", clientId: "edit-other-1", postId: p.postId, body: "Hijacked" },
      },
      { clientId: "delete-other-1", msg: { type: "post.delete", clientId: "delete-other-1", postId: p.postId } },
      {
        clientId: "delete-comment-1",
        msg: { type: "comment.delete", clientId: "delete-comment-1", commentId: commentId.comment.id },
      },
    ];
    for (const t of tries) {
      b.send(t.msg);
      expect(await errorFor(b, t.clientId)).toMatchObject({ code: "FORBIDDEN" });
    }
    // Nothing was stored or sent: the author's next write is the very next event for both.
    const next = await write(a, { type: "chat.send", clientId: cid(), body: "still here" });
    expect(next).toBe(c + 1);
    expect((await b.events(1))[0]?.seq).toBe(next);
    expect(a.log.some((m) => m.type === "error")).toBe(false);
  });

  it("lets the building's manager delete any post and comment (moderation), but not edit them", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const mgr = await joinRoom(w, "manager");
    const p = await post(a, "Something rude");
    const c = await write(a, { type: "comment.create", clientId: cid(), postId: p.postId, body: "Rude too" });
    const commentEvent = (await eventWithSeq(a, c)).event;
    if (commentEvent.kind !== "comment.created") throw new Error("expected a comment");
    await mgr.events(2);

    mgr.send({ type: "post.edit", clientId: "mgr-edit-1", postId: p.postId, body: "Rewritten" });
    expect(await errorFor(mgr, "mgr-edit-1")).toMatchObject({ code: "FORBIDDEN" });
    const cd = await write(mgr, { type: "comment.delete", clientId: cid(), commentId: commentEvent.comment.id });
    const pd = await write(mgr, { type: "post.delete", clientId: cid(), postId: p.postId });
    const seen = await a.events(2);
    expect(seen.map((e) => [e.seq, e.event.kind])).toEqual([
      [cd, "comment.deleted"],
      [pd, "post.deleted"],
    ]);
  });

  it("refuses writes to posts and comments that do not exist or were deleted", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const p = await post(a, "Short-lived");
    await write(a, { type: "post.delete", clientId: cid(), postId: p.postId });
    const gone = [
      { type: "post.edit", clientId: "gone-1xxx", postId: p.postId, body: "again" },
      { type: "post.delete", clientId: "gone-2xxx", postId: p.postId },
      { type: "comment.create", clientId: "gone-3xxx", postId: p.postId, body: "late" },
      { type: "reaction.toggle", clientId: "gone-4xxx", postId: p.postId, emoji: "🎉" },
      { type: "comment.delete", clientId: "gone-5xxx", commentId: "no-such-comment" },
      { type: "post.edit", clientId: "gone-6xxx", postId: "no-such-post", body: "x" },
    ] as const;
    for (const g of gone) {
      a.send(g);
      expect(await errorFor(a, g.clientId)).toMatchObject({ code: "NOT_FOUND" });
    }
    expect(await write(a, { type: "chat.send", clientId: cid(), body: "next" })).toBe(p.seq + 2);
  });
});

describe("tombstones on replay", () => {
  it("replays a deleted post, its comments and edits as tombstones, never the old text", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const p = await post(a, "secret-body-1");
    await write(a, { type: "post.edit", clientId: cid(), postId: p.postId, body: "secret-body-2" });
    await write(a, { type: "comment.create", clientId: cid(), postId: p.postId, body: "secret-comment" });
    await write(a, { type: "reaction.toggle", clientId: cid(), postId: p.postId, emoji: "❤️" });
    const keep = await post(a, "kept post");
    await write(a, { type: "post.delete", clientId: cid(), postId: p.postId });

    const b = await joinRoom(w, "neighbour", { lastSeq: 0 });
    const replay = await b.events(6);
    expect(replay.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(kinds(replay)).toEqual([
      "post.deleted",
      "post.deleted",
      "comment.deleted",
      "reaction.changed",
      "post.created",
      "post.deleted",
    ]);
    expect(replay[2]?.event).toMatchObject({ postId: p.postId });
    expect(replay[4]?.event).toMatchObject({ post: { id: keep.postId, body: "kept post" } });
    expect(JSON.stringify(replay)).not.toMatch(/secret/);
  });

  it("replays an edited post with its current text", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const p = await post(a, "before");
    await write(a, { type: "post.edit", clientId: cid(), postId: p.postId, body: "after" });
    const b = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "neighbour") });
    await b.next("welcome");
    b.send({ type: "resume", lastSeq: 0 });
    const replay = await b.events(2);
    expect(replay[0]?.event).toMatchObject({
      kind: "post.created",
      post: { body: "after", editedAt: expect.any(String) },
    });
    expect(replay[1]?.event).toMatchObject({ kind: "post.edited", body: "after" });
  });
});
