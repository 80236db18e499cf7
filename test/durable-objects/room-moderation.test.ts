import { describe, expect, it } from "vitest";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { cid, errorFor, eventWithSeq, headSeqOf, joinRoom, post, roomStub, write } from "../helpers/ws";

/** Managers hide and restore posts (R-M1), over RPC from the Worker: for everyone at once, idempotently. */

describe("hiding and restoring a post", () => {
  it("drops a hidden post for residents, keeps it marked for staff, and brings it back with its thread", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const staff = await joinRoom(w, "manager");
    const p = await post(a, "Something rude");
    const c = await write(b, { type: "comment.create", clientId: cid(), postId: p.postId, body: "agreed" });
    await eventWithSeq(staff, c);
    const room = roomStub(w);

    expect(await room.postInfo(p.postId)).toEqual({ postId: p.postId, authorId: w.userIds.resident, hidden: false });
    const hidden = await room.setPostHidden(p.postId, true, w.userIds.manager);
    expect(hidden).toEqual({ found: true, seq: c + 1 });
    for (const client of [a, b, staff]) {
      expect((await eventWithSeq(client, c + 1)).event).toEqual({ kind: "post.hidden", postId: p.postId });
    }
    expect(await room.postInfo(p.postId)).toMatchObject({ hidden: true });
    // Idempotent: hiding again sequences nothing.
    expect(await room.setPostHidden(p.postId, true)).toEqual({ found: true, seq: null });
    expect(await headSeqOf(w)).toBe(c + 1);

    // Residents can no longer comment, react or edit; the post is as good as gone for them.
    for (const msg of [
      { type: "comment.create" as const, clientId: "hidden-comment", postId: p.postId, body: "more" },
      { type: "reaction.toggle" as const, clientId: "hidden-react", postId: p.postId, emoji: "👍" as const },
      { type: "post.edit" as const, clientId: "hidden-edit", postId: p.postId, body: "edited" },
    ]) {
      a.send(msg);
      expect(await errorFor(a, msg.clientId)).toMatchObject({ code: "NOT_FOUND" });
    }

    // Catch-up from the start: residents never see the post's content, staff see it marked hidden.
    const lateResident = await joinRoom(w, "neighbour", { lastSeq: 0 });
    const [only] = await lateResident.events(1);
    expect(only).toEqual({ type: "event", seq: c + 1, event: { kind: "post.hidden", postId: p.postId } });
    expect(JSON.stringify(lateResident.log)).not.toContain("rude");
    const lateStaff = await joinRoom(w, "manager", { lastSeq: 0 });
    const staffView = await lateStaff.events(3);
    expect(staffView[0]?.event).toMatchObject({ kind: "post.created", post: { id: p.postId, hidden: true } });
    expect(staffView[1]?.event).toMatchObject({ kind: "comment.created" });

    // History over HTTP: left out for residents, included (marked) for staff.
    const residentPage = await api(`/api/buildings/${w.buildingIds[0]}/posts`, {
      app: w.slug,
      session: await login(w.emails.resident, PASSWORD, w.slug),
    });
    expect(((await residentPage.json()) as { items: unknown[] }).items).toEqual([]);
    const history = await room.history("posts", null, 10, { userId: w.userIds.manager, staff: true });
    expect(history.items).toMatchObject([{ id: p.postId, hidden: true }]);

    const restored = await room.setPostHidden(p.postId, false, w.userIds.manager);
    expect(restored).toEqual({ found: true, seq: c + 2 });
    const back = await eventWithSeq(b, c + 2);
    expect(back.event).toMatchObject({
      kind: "post.restored",
      post: { id: p.postId, body: "Something rude", comments: [{ body: "agreed" }] },
    });
    expect(await room.setPostHidden(p.postId, false)).toEqual({ found: true, seq: null });
    expect(await write(a, { type: "comment.create", clientId: cid(), postId: p.postId, body: "ok" })).toBe(c + 3);
  });

  it("answers found: false for posts that do not exist or were deleted", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const p = await post(a, "short-lived");
    await write(a, { type: "post.delete", clientId: cid(), postId: p.postId });
    const room = roomStub(w);
    expect(await room.setPostHidden("no-such-post", true)).toEqual({ found: false, seq: null });
    expect(await room.setPostHidden(p.postId, true)).toEqual({ found: false, seq: null });
    expect(await room.postInfo(p.postId)).toBeNull();
  });
});
