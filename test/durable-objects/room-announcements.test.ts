import { describe, expect, it } from "vitest";
import type { AnnouncementDelivery } from "../../src/shared/room-rpc";
import { makeWorld } from "../helpers/factories";
import { eventWithSeq, headSeqOf, joinRoom, roomStub } from "../helpers/ws";

/** Announcements (R-M2): the Worker delivers a copy to each target room, which shows it live and in catch-up. */

const announcement = (o: Partial<AnnouncementDelivery> = {}): AnnouncementDelivery => ({
  id: `ann-${crypto.randomUUID()}`,
  title: "Water off on Monday",
  body: "From 8 to 12.",
  authorName: "Property Manager",
  publishedAt: Date.parse("2030-01-01T08:00:00Z"),
  ackRequired: true,
  ...o,
});

describe("delivered announcements", () => {
  it("appear live for everyone, once per announcement id, and in catch-up", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const staff = await joinRoom(w, "manager");
    const room = roomStub(w);
    const ann = announcement();

    const first = await room.deliverAnnouncement(ann);
    expect(first.seq).toBe(1);
    expect(first.connectedUserIds.sort()).toEqual([w.userIds.manager, w.userIds.resident].sort());
    for (const c of [a, staff]) {
      expect((await eventWithSeq(c, 1)).event).toEqual({
        kind: "announcement.published",
        announcement: {
          id: ann.id,
          title: ann.title,
          body: ann.body,
          authorName: ann.authorName,
          publishedAt: "2030-01-01T08:00:00.000Z",
          ackRequired: true,
        },
      });
    }
    // A redelivery (the Worker retries a room) stores nothing and answers the first sequence number.
    expect((await room.deliverAnnouncement({ ...ann, title: "changed" })).seq).toBe(1);
    expect(await headSeqOf(w)).toBe(1);

    const late = await joinRoom(w, "neighbour", { lastSeq: 0 });
    const [e] = await late.events(1);
    expect(e?.event).toMatchObject({ kind: "announcement.published", announcement: { title: ann.title } });
    expect(late.log.filter((m) => m.type === "event")).toHaveLength(1);
    expect((await room.announcements()).map((x) => x.id)).toEqual([ann.id]);
  });

  it("lists current announcements newest first and withdraws one to a tombstone", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const room = roomStub(w);
    const older = announcement({ publishedAt: 1_000, body: "older body" });
    const newer = announcement({ publishedAt: 2_000 });
    await room.deliverAnnouncement(older);
    await room.deliverAnnouncement(newer);
    expect((await room.announcements()).map((x) => x.id)).toEqual([newer.id, older.id]);

    const withdrawn = await room.withdrawAnnouncement(older.id);
    expect(withdrawn).toEqual({ seq: 3 });
    expect((await eventWithSeq(a, 3)).event).toEqual({ kind: "announcement.withdrawn", announcementId: older.id });
    expect(await room.withdrawAnnouncement(older.id)).toEqual({ seq: null });
    expect(await room.withdrawAnnouncement("unknown")).toEqual({ seq: null });
    expect((await room.announcements()).map((x) => x.id)).toEqual([newer.id]);

    // Replay: the withdrawn one is a tombstone, its text gone; redelivering it changes nothing.
    expect((await room.deliverAnnouncement(older)).seq).toBe(1);
    const late = await joinRoom(w, "neighbour", { lastSeq: 0 });
    const events = await late.events(3);
    expect(events.map((e) => e.event.kind)).toEqual([
      "announcement.withdrawn",
      "announcement.published",
      "announcement.withdrawn",
    ]);
    expect(JSON.stringify(late.log)).not.toContain("older body");
  });

  it("reaches only the room it was delivered to", async () => {
    const w = await makeWorld();
    const here = await joinRoom(w, "resident");
    const there = await joinRoom(w, "otherBuilding", { buildingId: w.buildingIds[1] });
    await roomStub(w, w.buildingIds[0]).deliverAnnouncement(announcement());
    await eventWithSeq(here, 1);
    expect(await headSeqOf(w, w.buildingIds[1])).toBe(0);
    expect(there.log.some((m) => m.type === "event")).toBe(false);
  });
});
