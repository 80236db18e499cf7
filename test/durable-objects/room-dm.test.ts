import { describe, expect, it } from "vitest";
import type { DmDto } from "../../src/shared/protocol";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, login } from "../helpers/http";
import {
  cid,
  errorFor,
  eventWithSeq,
  headSeqOf,
  identityFor,
  joinDirect,
  joinRoom,
  post,
  type RoomClient,
  write,
} from "../helpers/ws";

/** Direct messages between two residents (R-M8): sequenced with everything else, seen only by the two. */

const seqsOf = (c: RoomClient) => c.log.flatMap((m) => (m.type === "event" ? [m.seq] : []));

describe("direct messages", () => {
  it("reach only their two participants, live and on catch-up; others see the sequence skip them", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const third = await joinDirect(w, identityFor(w, `third-${crypto.randomUUID()}`));
    const staff = await joinRoom(w, "manager");

    const dm = await write(a, { type: "dm.send", clientId: cid(), toUserId: w.userIds.neighbour, body: "psst" });
    const seen = await eventWithSeq(b, dm);
    expect(seen.event).toMatchObject({
      kind: "dm.sent",
      message: { fromUserId: w.userIds.resident, toUserId: w.userIds.neighbour, body: "psst" },
    });
    expect((await eventWithSeq(a, dm)).event.kind).toBe("dm.sent");
    const pub = await post(a, "public");
    expect(pub.seq).toBe(dm + 1);
    for (const other of [third, staff]) {
      await eventWithSeq(other, pub.seq);
      expect(seqsOf(other)).toEqual([pub.seq]);
      expect(JSON.stringify(other.log)).not.toContain("psst");
    }

    // Catch-up from the start is exact per viewer.
    const thirdAgain = await joinDirect(w, identityFor(w, third.welcome.you.userId), { lastSeq: 0 });
    await eventWithSeq(thirdAgain, pub.seq);
    expect(seqsOf(thirdAgain)).toEqual([pub.seq]);
    const bAgain = await joinRoom(w, "neighbour", { lastSeq: 0 });
    await eventWithSeq(bAgain, pub.seq);
    expect(seqsOf(bAgain)).toEqual([dm, pub.seq]);
    expect(JSON.stringify(bAgain.log)).toContain("psst");
  });

  it("refuses messages to yourself, to strangers and staff, and from staff; nothing is stored", async () => {
    const w = await makeWorld();
    const staff = await joinRoom(w, "manager");
    const a = await joinRoom(w, "resident");
    const head = await headSeqOf(w);
    const tries = [
      { by: a, to: w.userIds.resident, code: "BAD_MESSAGE" },
      { by: a, to: "nobody-here", code: "NOT_FOUND" },
      // The other building's resident never connected here.
      { by: a, to: w.userIds.otherBuilding, code: "NOT_FOUND" },
      { by: a, to: w.userIds.manager, code: "NOT_FOUND" },
      { by: staff, to: w.userIds.resident, code: "FORBIDDEN" },
    ];
    for (const t of tries) {
      const clientId = cid("dm-refused");
      t.by.send({ type: "dm.send", clientId, toUserId: t.to, body: "hello?" });
      expect(await errorFor(t.by, clientId)).toMatchObject({ code: t.code });
    }
    expect(await headSeqOf(w)).toBe(head);
    a.send({ type: "dm.send", clientId: cid(), toUserId: "", body: "x" } as never);
    expect(await a.next("error")).toMatchObject({ code: "BAD_MESSAGE" });
  });

  it("lets the author delete a message: a tombstone to both, nothing to anyone else", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const third = await joinDirect(w, identityFor(w, `third-${crypto.randomUUID()}`));
    const sent = await write(a, { type: "dm.send", clientId: cid(), toUserId: w.userIds.neighbour, body: "oops" });
    const e = (await eventWithSeq(b, sent)).event;
    if (e.kind !== "dm.sent") throw new Error("expected dm.sent");
    const messageId = e.message.id;

    // Neither the recipient nor a stranger may delete it (the stranger does not even learn it exists).
    b.send({ type: "dm.delete", clientId: "dm-del-recipient", messageId });
    expect(await errorFor(b, "dm-del-recipient")).toMatchObject({ code: "FORBIDDEN" });
    third.send({ type: "dm.delete", clientId: "dm-del-stranger", messageId });
    expect(await errorFor(third, "dm-del-stranger")).toMatchObject({ code: "NOT_FOUND" });

    const deleted = await write(a, { type: "dm.delete", clientId: cid(), messageId });
    expect((await eventWithSeq(b, deleted)).event).toEqual({
      kind: "dm.deleted",
      messageId,
      userIds: [w.userIds.neighbour, w.userIds.resident].sort(),
    });
    const after = await post(a, "after");
    await eventWithSeq(third, after.seq);
    expect(seqsOf(third)).toEqual([after.seq]);
    // Replay shows the tombstone only, never the text.
    const late = await joinRoom(w, "neighbour", { lastSeq: 0 });
    await eventWithSeq(late, after.seq);
    expect(JSON.stringify(late.log)).not.toContain("oops");
    expect(late.log.filter((m) => m.type === "event").map((m) => m.type === "event" && m.event.kind)).toEqual([
      "dm.deleted",
      "dm.deleted",
      "post.created",
    ]);
  });

  it("lets authors (and staff) delete building chat messages, with a tombstone for everyone", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const staff = await joinRoom(w, "manager");
    const m1 = await write(a, { type: "chat.send", clientId: cid(), body: "mine" });
    const e = (await eventWithSeq(b, m1)).event;
    if (e.kind !== "chat.posted") throw new Error("expected chat.posted");
    b.send({ type: "chat.delete", clientId: "chat-del-other", messageId: e.message.id });
    expect(await errorFor(b, "chat-del-other")).toMatchObject({ code: "FORBIDDEN" });
    const del = await write(a, { type: "chat.delete", clientId: cid(), messageId: e.message.id });
    expect((await eventWithSeq(b, del)).event).toEqual({ kind: "chat.deleted", messageId: e.message.id });
    const m2 = await write(b, { type: "chat.send", clientId: cid(), body: "rude" });
    const e2 = (await eventWithSeq(staff, m2)).event;
    if (e2.kind !== "chat.posted") throw new Error("expected chat.posted");
    const modDel = await write(staff, { type: "chat.delete", clientId: cid(), messageId: e2.message.id });
    expect((await eventWithSeq(a, modDel)).event.kind).toBe("chat.deleted");
  });
});

describe("GET /api/buildings/{buildingId}/dms/{userId}", () => {
  it("pages one conversation newest first, for its participants only", async () => {
    const w = await makeWorld();
    const b = w.buildingIds[0];
    const a = await joinRoom(w, "resident");
    const n = await joinRoom(w, "neighbour");
    for (let i = 0; i < 5; i++) {
      const by = i % 2 === 0 ? a : n;
      const to = i % 2 === 0 ? w.userIds.neighbour : w.userIds.resident;
      await write(by, { type: "dm.send", clientId: cid(), toUserId: to, body: `dm ${i}` });
    }
    const session = await login(w.emails.resident, PASSWORD, w.slug);
    const path = `/api/buildings/${b}/dms/${w.userIds.neighbour}`;
    const first = await api(`${path}?limit=3`, { app: w.slug, session });
    expect(first.status).toBe(200);
    const p1 = (await first.json()) as { items: DmDto[]; next: string | null; headSeq: number };
    expect(p1.items.map((m) => m.body)).toEqual(["dm 4", "dm 3", "dm 2"]);
    expect(p1.headSeq).toBe(5);
    const second = await api(`${path}?limit=3&cursor=${p1.next}`, { app: w.slug, session });
    const p2 = (await second.json()) as { items: DmDto[]; next: string | null };
    expect(p2.items.map((m) => m.body)).toEqual(["dm 1", "dm 0"]);
    expect(p2.next).toBeNull();

    // The same conversation seen from the other side; nobody else's conversation shows anything.
    const theirs = await login(w.emails.neighbour, PASSWORD, w.slug);
    const other = await api(`/api/buildings/${b}/dms/${w.userIds.resident}?limit=10`, { app: w.slug, session: theirs });
    expect(((await other.json()) as { items: DmDto[] }).items).toHaveLength(5);
    const manager = await login(w.emails.manager, PASSWORD, w.slug);
    expect((await api(path, { app: w.slug, session: manager })).status).toBe(403);
    const outsider = await login(w.emails.otherBuilding, PASSWORD, w.slug);
    expect((await api(path, { app: w.slug, session: outsider })).status).toBe(404);
  });
});
