import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { setProfile } from "../../durable-objects/profiles";
import type { ServerMessage } from "../../src/shared/protocol";
import { makeWorld } from "../helpers/factories";
import {
  cid,
  errorFor,
  headSeqOf,
  identityFor,
  joinDirect,
  joinRoom,
  logged,
  pause,
  type RoomClient,
  roomStub,
} from "../helpers/ws";

/** Opt-in profiles, reciprocal presence, batched rosters and typing (R-M8). */

type Presence = Extract<ServerMessage, { type: "presence" }>;
const ack = (c: RoomClient, clientId: string) =>
  c.take((m): m is Extract<ServerMessage, { type: "ack" }> => m.type === "ack" && m.clientId === clientId);
const presenceOf = (c: RoomClient, userId: string, timeoutMs = 3_000) =>
  c.take((m): m is Presence => m.type === "presence" && m.users.some((u) => u.userId === userId), timeoutMs);

async function setMine(c: RoomClient, o: { visible: boolean; showPresence: boolean; displayName?: string }) {
  const clientId = cid("profile");
  c.send({ type: "profile.set", clientId, ...o });
  expect(await ack(c, clientId)).toMatchObject({ seq: null });
}

describe("profiles", () => {
  it("shows nothing until a resident makes their profile visible, then only what they chose", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    expect(await b.next("roster")).toEqual({ type: "roster", profiles: [], online: null });

    await setMine(a, { visible: true, showPresence: false, displayName: "Anna from 2.1" });
    const change = await presenceOf(b, w.userIds.resident);
    expect(change.users).toEqual([
      {
        userId: w.userIds.resident,
        profile: { userId: w.userIds.resident, displayName: "Anna from 2.1", about: null },
      },
    ]);
    const late = await joinRoom(w, "manager");
    expect(await late.next("roster")).toEqual({
      type: "roster",
      profiles: [{ userId: w.userIds.resident, displayName: "Anna from 2.1", about: null }],
      online: null,
    });

    // Hiding the profile again removes it; staff have no profile; nothing of it is sequenced.
    await setMine(a, { visible: false, showPresence: false });
    expect((await presenceOf(b, w.userIds.resident)).users).toEqual([{ userId: w.userIds.resident, profile: null }]);
    late.send({ type: "profile.set", clientId: "staff-profile", visible: true, showPresence: true });
    expect(await errorFor(late, "staff-profile")).toMatchObject({ code: "FORBIDDEN" });
    expect(await headSeqOf(w)).toBe(0);
    b.send({ type: "profile.set", clientId: "bad-profile", visible: "yes", showPresence: true } as never);
    expect(await b.next("error")).toMatchObject({ code: "BAD_MESSAGE" });
  });
});

describe("presence", () => {
  it("is seen only by residents who show their own, and shows only those who opted in", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    await setMine(a, { visible: false, showPresence: true });
    // b does not show presence: it learns nothing about a being online.
    await pause(1_300);
    expect(logged(b, "presence")).toEqual([]);
    expect(logged(a, "roster").at(-1)).toEqual({ type: "roster", profiles: [], online: [w.userIds.resident] });

    await setMine(b, { visible: false, showPresence: true });
    const roster = await b.take(
      (m): m is Extract<ServerMessage, { type: "roster" }> => m.type === "roster" && m.online !== null,
    );
    expect(roster.online?.sort()).toEqual([w.userIds.neighbour, w.userIds.resident].sort());
    expect((await presenceOf(a, w.userIds.neighbour)).users).toEqual([
      { userId: w.userIds.neighbour, profile: null, online: true },
    ]);

    a.close();
    expect((await presenceOf(b, w.userIds.resident)).users).toEqual([
      { userId: w.userIds.resident, profile: null, online: false },
    ]);
    // Someone who did not opt in never appears online, even when connected.
    const staff = await joinRoom(w, "manager");
    await staff.next("roster");
    await pause(1_300);
    const aboutStaff = logged(b, "presence").filter((f) => f.users.some((u) => u.userId === w.userIds.manager));
    expect(aboutStaff).toEqual([]);
  });

  it("batches a reconnect storm: 30 people connecting at once cost each client a few frames, not 30", async () => {
    const w = await makeWorld();
    const ids = Array.from({ length: 30 }, (_, i) => `storm-${i}-${crypto.randomUUID().slice(0, 6)}`);
    await runInDurableObject(roomStub(w), (room: BuildingRoom) => {
      for (const userId of ids) {
        setProfile(
          room.store,
          userId,
          { type: "profile.set", clientId: "seeded", visible: true, showPresence: true },
          1,
        );
      }
    });
    const observer = await joinRoom(w, "resident");
    await setMine(observer, { visible: false, showPresence: true });
    await pause(1_300);
    const before = logged(observer, "presence").length;
    const clients = await Promise.all(ids.map((id) => joinDirect(w, identityFor(w, id))));
    await pause(2_500);
    const frames = logged(observer, "presence").slice(before);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThanOrEqual(4);
    const online = new Set(frames.flatMap((f) => f.users.filter((u) => u.online).map((u) => u.userId)));
    expect([...online].sort()).toEqual([...ids].sort());
    for (const c of clients) {
      expect(logged(c, "roster")).toHaveLength(1);
      expect(logged(c, "presence").length).toBeLessThanOrEqual(4);
    }
  });
});

describe("typing", () => {
  it("relays typing to the channel (chat) or the one neighbour (dm), unstored and rate-limited", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const third = await joinDirect(w, identityFor(w, `third-${crypto.randomUUID()}`));
    a.send({ type: "typing", scope: "chat" });
    expect(await b.next("typing")).toEqual({ type: "typing", scope: "chat", userId: w.userIds.resident });
    expect(await third.next("typing")).toMatchObject({ scope: "chat" });
    // Within two seconds a second signal is dropped.
    a.send({ type: "typing", scope: "chat" });
    await pause(300);
    expect(logged(b, "typing")).toHaveLength(1);

    b.send({ type: "typing", scope: "dm", toUserId: w.userIds.resident });
    expect(await a.next("typing")).toEqual({ type: "typing", scope: "dm", userId: w.userIds.neighbour });
    await pause(300);
    expect(logged(third, "typing")).toHaveLength(1);
    expect(logged(a, "typing")).toHaveLength(1);

    third.send({ type: "typing", scope: "dm", toUserId: third.welcome.you.userId });
    expect(await third.next("error")).toMatchObject({ code: "NOT_FOUND" });
    third.send({ type: "typing", scope: "dm" } as never);
    expect(await third.next("error")).toMatchObject({ code: "BAD_MESSAGE" });
    expect(await headSeqOf(w)).toBe(0);
  });
});
