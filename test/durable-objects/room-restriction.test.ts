import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { createDb } from "../../src/db/client";
import { roomParticipation } from "../../src/db/schema/rooms";
import type { ServerMessage } from "../../src/shared/protocol";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  cid,
  identityFor,
  joinDirect,
  joinRoom,
  logged,
  pause,
  type RoomClient,
  roomStub,
  sessionOf,
} from "../helpers/ws";

/**
 * Restriction of processing in the rooms (R-P5, decision 0032): a restricted resident's opt-in profile
 * and presence disappear from their neighbours' view at once, stay hidden across reconnects, come back
 * when lifted; they keep seeing their own. Rooms of other buildings and other people are unaffected.
 */

type Presence = Extract<ServerMessage, { type: "presence" }>;
type Roster = Extract<ServerMessage, { type: "roster" }>;
type Entry = Presence["users"][number];

const ack = (c: RoomClient, clientId: string) =>
  c.take((m): m is Extract<ServerMessage, { type: "ack" }> => m.type === "ack" && m.clientId === clientId);
const presenceOf = (c: RoomClient, userId: string, timeoutMs = 3_000) =>
  c
    .take((m): m is Presence => m.type === "presence" && m.users.some((u) => u.userId === userId), timeoutMs)
    .then((m) => m.users.find((u) => u.userId === userId) as Entry);
/** The latest roster after everything queued so far (a profile change sends one to the person's own connections). */
const latestRoster = async (c: RoomClient) => {
  await pause(100);
  const rosters = logged(c, "roster");
  expect(rosters.length).toBeGreaterThan(0);
  return rosters.at(-1) as Roster;
};
const rosterWith = (c: RoomClient, match: (r: Roster) => boolean) =>
  c.take((m): m is Roster => m.type === "roster" && match(m));

async function setMine(c: RoomClient, o: { visible: boolean; showPresence: boolean; displayName?: string }) {
  const clientId = cid("profile");
  c.send({ type: "profile.set", clientId, ...o });
  expect(await ack(c, clientId)).toMatchObject({ seq: null });
}

async function setRestriction(w: World, session: string, active: boolean, kind = "restriction") {
  const res = await api("/api/me/restrictions", { app: w.slug, session, json: { kind, active } });
  expect(res.status).toBe(200);
}

describe("restriction of processing in the building rooms (R-P5)", () => {
  it("hides the profile and presence from neighbours at once and after reconnects, and shows them again when lifted", async () => {
    const w = await makeWorld();
    const anna = w.userIds.resident;
    const session = await sessionOf(w, "resident");
    const a = await joinRoom(w, "resident", { session });
    const b = await joinRoom(w, "neighbour");
    await setMine(a, { visible: true, showPresence: true, displayName: "Anna from 2.1" });
    await setMine(b, { visible: false, showPresence: true });
    const seen = await rosterWith(b, (r) => r.online !== null && r.online.includes(anna));
    expect(seen.profiles).toEqual([{ userId: anna, displayName: "Anna from 2.1", about: null }]);

    // Restricted: the neighbour is told at once (no batching delay) that the profile is gone and Anna offline.
    const before = performance.now();
    await setRestriction(w, session, true);
    expect(await presenceOf(b, anna, 500)).toEqual({ userId: anna, profile: null, online: false });
    expect(performance.now() - before).toBeLessThan(1_000);
    // Her own view still shows her profile; as she is not shown, she sees nobody's presence either.
    expect(await latestRoster(a)).toEqual({
      type: "roster",
      profiles: [{ userId: anna, displayName: "Anna from 2.1", about: null }],
      online: null,
    });

    // After reconnects on both sides, she stays hidden; her own view still has her profile.
    b.close();
    a.close();
    const b2 = await joinRoom(w, "neighbour");
    expect(await b2.next("roster")).toEqual({ type: "roster", profiles: [], online: [w.userIds.neighbour] });
    const a2 = await joinRoom(w, "resident", { session });
    expect((await a2.next("roster")).profiles).toEqual([{ userId: anna, displayName: "Anna from 2.1", about: null }]);
    // A profile change while restricted is not shown either.
    await setMine(a2, { visible: true, showPresence: true, displayName: "Anna, new text" });
    await pause(1_300);
    const leaks = logged(b2, "presence").flatMap((p) => p.users.filter((u) => u.userId === anna));
    expect(leaks.every((u) => u.profile === null && u.online === false)).toBe(true);

    // Lifted: shown again at once, with the profile as she left it, and online.
    await setRestriction(w, session, false);
    expect(await presenceOf(b2, anna, 500)).toEqual({
      userId: anna,
      profile: { userId: anna, displayName: "Anna, new text", about: null },
      online: true,
    });
    const b3 = await joinRoom(w, "neighbour");
    expect(await b3.next("roster")).toEqual({
      type: "roster",
      profiles: [{ userId: anna, displayName: "Anna, new text", about: null }],
      online: expect.arrayContaining([anna, w.userIds.neighbour]),
    });
  });

  it("keeps what she already published visible (decision 0032) and objections change nothing in the room", async () => {
    const w = await makeWorld();
    const anna = w.userIds.resident;
    const session = await sessionOf(w, "resident");
    const a = await joinRoom(w, "resident", { session });
    const b = await joinRoom(w, "neighbour");
    await setMine(a, { visible: true, showPresence: false, displayName: "Anna" });
    const clientId = cid("post");
    a.send({ type: "post.create", clientId, body: "Bike room door is fixed" });
    expect(await ack(a, clientId)).toMatchObject({ seq: expect.any(Number) });

    expect(await presenceOf(b, anna)).toEqual({
      userId: anna,
      profile: { userId: anna, displayName: "Anna", about: null },
    });
    // An objection is not a restriction: nothing changes in the room.
    await setRestriction(w, session, true, "objection-marketing");
    await pause(1_300);
    expect(b.received.filter((m) => m.type === "presence")).toEqual([]);
    await setRestriction(w, session, true);
    expect(await presenceOf(b, anna)).toEqual({ userId: anna, profile: null });
    const res = await api(`/api/buildings/${w.buildingIds[0]}/posts`, {
      app: w.slug,
      session: await sessionOf(w, "neighbour"),
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { authorId: string; body: string }[] };
    expect(page.items).toEqual([expect.objectContaining({ authorId: anna, body: "Bike room door is fixed" })]);
  });

  it("reaches every room of her participation, tells a room she uses for the first time, and leaves other people alone", async () => {
    const w = await makeWorld();
    const anna = w.userIds.resident;
    const [b1, b2] = w.buildingIds;
    const session = await sessionOf(w, "resident");
    // She also uses building 2's room (joined straight, so her participation is recorded as the door would).
    const now = new Date();
    await createDb(dbOf(w.jurisdiction))
      .insert(roomParticipation)
      .values({ customerId: w.customerId, buildingId: b2, userId: anna, firstSeenAt: now, lastSeenAt: now });
    const a2 = await joinDirect(w, identityFor(w, anna), { buildingId: b2 });
    await setMine(a2, { visible: true, showPresence: true, displayName: "Anna in 2" });
    const other = await joinRoom(w, "otherBuilding", { buildingId: b2 });
    await setMine(other, { visible: true, showPresence: true, displayName: "Otto" });
    expect((await rosterWith(other, (r) => !!r.online?.includes(anna))).profiles).toHaveLength(2);

    // Restricted before she ever used building 1's room.
    await setRestriction(w, session, true);
    expect(await presenceOf(other, anna, 500)).toEqual({ userId: anna, profile: null, online: false });
    // Building 2: Otto is still shown to newcomers; Anna is not.
    const n2 = await joinDirect(w, identityFor(w, `n2-${crypto.randomUUID()}`), { buildingId: b2 });
    expect((await n2.next("roster")).profiles).toEqual([
      { userId: w.userIds.otherBuilding, displayName: "Otto", about: null },
    ]);

    // Building 1: her first visit tells the room, so a profile she sets there stays hers alone.
    const nb = await joinRoom(w, "neighbour", { buildingId: b1 });
    await setMine(nb, { visible: false, showPresence: true });
    const a1 = await joinRoom(w, "resident", { buildingId: b1, session });
    await setMine(a1, { visible: true, showPresence: true, displayName: "Anna in 1" });
    expect((await latestRoster(a1)).profiles).toEqual([{ userId: anna, displayName: "Anna in 1", about: null }]);
    await pause(1_300);
    expect(
      logged(nb, "presence").flatMap((p) =>
        p.users.filter((u) => u.userId === anna && (u.profile !== null || u.online)),
      ),
    ).toEqual([]);
    expect((await joinRoom(w, "manager", { buildingId: b1 }).then((m) => m.next("roster"))).profiles).toEqual([]);

    // Each room holds the restriction of Anna only; Otto is not restricted anywhere.
    for (const b of [b1, b2]) {
      const ids = await runInDurableObject(roomStub(w, b), (room: BuildingRoom) =>
        room.store.sql
          .exec("SELECT user_id FROM restricted")
          .toArray()
          .map((r) => r.user_id),
      );
      expect(ids).toEqual([anna]);
    }
    // Idempotent: telling a room again changes nothing.
    expect(await roomStub(w, b2).setRestricted(anna, true)).toEqual({ changed: false });
  });
});
