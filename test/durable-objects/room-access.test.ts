import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { units } from "../../src/db/schema/estate";
import { tenancies, tenancyMembers } from "../../src/db/schema/people";
import { addDays, DAY, isoDay } from "../../src/lib/time";
import { dbOfWorld } from "../helpers/accounts";
import { makeWorld, type World } from "../helpers/factories";
import {
  cid,
  connectionStates,
  connectRoom,
  eventWithSeq,
  headSeqOf,
  joinRoom,
  post,
  roomStub,
  sessionOf,
  write,
} from "../helpers/ws";

/**
 * Access ends with the tenancy: the alarm closes the connection (1008), and a frame or an event after
 * the end is refused even before the alarm runs. The room's clock is driven by faking Date (the room
 * runs in the test's isolate); sessions are opened before the clock moves.
 */

afterEach(() => {
  vi.useRealTimers();
});

const today = () => isoDay(new Date());
/** The end of a tenancy's last day, as the Worker computes "access valid until". */
const endOf = (day: string) => Date.parse(`${day}T00:00:00Z`) + DAY;
const alarmOf = (w: World) => runInDurableObject(roomStub(w), (_room, state) => state.storage.getAlarm());
const setClock = (ms: number) => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(ms);
};

/** Moves the neighbour into a tenancy of their own (a second unit in building 1) ending on `endsOn`. */
async function ownTenancy(w: World, endsOn: string) {
  const db = createDb(dbOfWorld(w));
  const id = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;
  const unitId = id("u");
  const tenancyId = id("t");
  const now = new Date();
  await db.batch([
    db.insert(units).values({
      id: unitId,
      customerId: w.customerId,
      buildingId: w.buildingIds[0],
      name: "1.2",
      type: "flat",
      floor: "1",
      externalId: null,
      createdAt: now,
    }),
    db.insert(tenancies).values({
      id: tenancyId,
      customerId: w.customerId,
      unitId,
      type: "tenant",
      startsOn: "2020-01-01",
      endsOn,
      externalId: null,
      createdAt: now,
    }),
    db
      .insert(tenancyMembers)
      .values({ id: id("m"), customerId: w.customerId, tenancyId, userId: w.userIds.neighbour, createdAt: now }),
  ]);
  await dbOfWorld(w)
    .prepare("DELETE FROM tenancy_members WHERE tenancy_id = ?1 AND user_id = ?2")
    .bind(w.tenancyIds[0], w.userIds.neighbour)
    .run();
}

describe("access end", () => {
  it("keeps the end of the tenancy's last day in the connection and closes it by alarm (1008)", async () => {
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today() } });
    const until = endOf(today());
    const a = await joinRoom(w, "resident");
    const mgr = await joinRoom(w, "manager");
    const states = await connectionStates(w);
    expect(states.map((s) => s.state?.accessUntil).sort()).toEqual([until, null].sort());
    expect(await alarmOf(w)).toBe(until);

    // Early (an alarm may repeat or come early): nobody is closed and the alarm stays armed.
    expect(await runDurableObjectAlarm(roomStub(w))).toBe(true);
    expect(await write(a, { type: "chat.send", clientId: cid(), body: "still in" })).toBe(1);
    expect(await alarmOf(w)).toBe(until);

    setClock(until);
    expect(await runDurableObjectAlarm(roomStub(w))).toBe(true);
    expect(await a.next("error")).toMatchObject({ code: "ACCESS_ENDED" });
    expect(await a.closed).toMatchObject({ code: 1008 });
    // Staff (no end) stay; nothing is left to watch, so the alarm is not re-armed.
    expect(await write(mgr, { type: "chat.send", clientId: cid(), body: "manager still in" })).toBe(2);
    expect(await alarmOf(w)).toBeNull();
    expect((await connectionStates(w)).map((s) => s.state?.userId)).toEqual([w.userIds.manager]);
  });

  it("arms the alarm for the earliest end among the connections and re-arms for the next", async () => {
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today() } });
    const later = addDays(today(), 5);
    await ownTenancy(w, later);
    const nb = await joinRoom(w, "neighbour");
    expect(await alarmOf(w)).toBe(endOf(later));
    const a = await joinRoom(w, "resident");
    expect(await alarmOf(w)).toBe(endOf(today()));
    const nb2 = await joinRoom(w, "neighbour");
    await joinRoom(w, "manager");
    expect(await alarmOf(w)).toBe(endOf(today()));

    setClock(endOf(today()) + 1);
    await runDurableObjectAlarm(roomStub(w));
    expect(await a.closed).toMatchObject({ code: 1008 });
    expect(await alarmOf(w)).toBe(endOf(later));
    expect(await write(nb, { type: "chat.send", clientId: cid(), body: "still here" })).toBe(1);

    setClock(endOf(later));
    await runDurableObjectAlarm(roomStub(w));
    expect(await nb.closed).toMatchObject({ code: 1008 });
    expect(await nb2.closed).toMatchObject({ code: 1008 });
    expect(await alarmOf(w)).toBeNull();
  });

  it("answers a frame after the end with ACCESS_ENDED and the close, storing nothing", async () => {
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today() } });
    const a = await joinRoom(w, "resident");
    const mgr = await joinRoom(w, "manager");
    const p = await post(a, "before the end");
    await mgr.events(1);
    setClock(endOf(today()));
    a.send({ type: "post.edit", clientId: cid(), postId: p.postId, body: "after the end" });
    expect(await a.next("error")).toMatchObject({ code: "ACCESS_ENDED" });
    expect(await a.closed).toMatchObject({ code: 1008, reason: "access ended" });
    expect(await headSeqOf(w)).toBe(1);
    const next = await write(mgr, { type: "chat.send", clientId: cid(), body: "next" });
    expect(next).toBe(2);
    expect((await eventWithSeq(mgr, next)).event.kind).toBe("chat.posted");
    expect(mgr.log.filter((m) => m.type === "event")).toHaveLength(2);
  });

  it("sends no more events to a connection whose access has ended, even before the alarm", async () => {
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today() } });
    const a = await joinRoom(w, "resident");
    const mgr = await joinRoom(w, "manager");
    setClock(endOf(today()));
    await write(mgr, { type: "post.create", clientId: cid(), body: "for current members only" });
    expect(await a.next("error")).toMatchObject({ code: "ACCESS_ENDED" });
    expect(await a.closed).toMatchObject({ code: 1008 });
    expect(a.log.some((m) => m.type === "event")).toBe(false);
  });

  it("refuses the person at the door once the tenancy has ended", async () => {
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today() } });
    const s = await sessionOf(w, "resident");
    setClock(endOf(today()) + 1_000);
    const c = await connectRoom(w.buildingIds[0], { app: w.slug, session: s });
    expect(c.status).toBe(404);
  });
});

describe("room participation", () => {
  const participation = (w: World) =>
    dbOfWorld(w)
      .prepare(
        "SELECT customer_id, building_id, user_id, first_seen_at, last_seen_at FROM room_participation " +
          "WHERE customer_id = ?1 ORDER BY user_id",
      )
      .bind(w.customerId)
      .all<{ customer_id: string; building_id: string; user_id: string; first_seen_at: number; last_seen_at: number }>()
      .then((r) => r.results);

  it("records who connected to which building's room, once per person, and keeps it after the tenancy ends", async () => {
    const w = await makeWorld();
    const s = await sessionOf(w, "resident");
    // Refused attempts record nothing.
    await connectRoom(w.buildingIds[0], { app: w.slug, session: s, origin: "https://evil.example" });
    await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "otherBuilding") });
    expect(await participation(w)).toEqual([]);

    const first = await connectRoom(w.buildingIds[0], { app: w.slug, session: s });
    expect(first.status).toBe(101);
    await joinRoom(w, "manager");
    const rows = await participation(w);
    expect(rows.map((r) => [r.customer_id, r.building_id, r.user_id])).toEqual([
      [w.customerId, w.buildingIds[0], w.userIds.manager],
      [w.customerId, w.buildingIds[0], w.userIds.resident],
    ]);
    const mine = rows.find((r) => r.user_id === w.userIds.resident);
    expect(mine?.first_seen_at).toBe(mine?.last_seen_at);

    await connectRoom(w.buildingIds[0], { app: w.slug, session: s });
    const again = (await participation(w)).filter((r) => r.user_id === w.userIds.resident);
    expect(again).toHaveLength(1);
    expect(again[0]?.first_seen_at).toBe(mine?.first_seen_at);
    expect(again[0]?.last_seen_at).toBeGreaterThanOrEqual(mine?.last_seen_at ?? 0);

    await dbOfWorld(w)
      .prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2")
      .bind(addDays(today(), -1), w.tenancyIds[0])
      .run();
    expect((await connectRoom(w.buildingIds[0], { app: w.slug, session: s })).status).toBe(404);
    expect((await participation(w)).filter((r) => r.user_id === w.userIds.resident)).toEqual(again);
  });

  // Decision 0037: the door reads the participation row in the session's batch; a known participant's
  // connect writes nothing, `last_seen_at` moves at most hourly after the connection is handed out, and
  // a missing row (deleted, or never written) is recorded again on the connect.
  it("a known participant's connect writes nothing; a stale row is moved; a missing one is recorded again", async () => {
    const w = await makeWorld();
    const s = await sessionOf(w, "resident");
    const setSeen = (at: number) =>
      dbOfWorld(w)
        .prepare("UPDATE room_participation SET last_seen_at = ?1 WHERE user_id = ?2")
        .bind(at, w.userIds.resident)
        .run();
    const mine = async () => (await participation(w)).find((r) => r.user_id === w.userIds.resident);
    const a = await connectRoom(w.buildingIds[0], { app: w.slug, session: s });
    expect(a.status).toBe(101);
    const first = await mine();
    expect(first).toBeDefined();

    const recent = Date.now() - 10 * 60_000;
    await setSeen(recent);
    expect((await connectRoom(w.buildingIds[0], { app: w.slug, session: s })).status).toBe(101);
    expect((await mine())?.last_seen_at).toBe(recent);

    const stale = Date.now() - 2 * 3_600_000;
    await setSeen(stale);
    expect((await connectRoom(w.buildingIds[0], { app: w.slug, session: s })).status).toBe(101);
    await vi.waitUntil(async () => ((await mine())?.last_seen_at ?? 0) > stale, { timeout: 3_000, interval: 50 });

    await dbOfWorld(w).prepare("DELETE FROM room_participation WHERE user_id = ?").bind(w.userIds.resident).run();
    expect((await connectRoom(w.buildingIds[0], { app: w.slug, session: s })).status).toBe(101);
    const again = await mine();
    expect(again?.building_id).toBe(w.buildingIds[0]);
    expect(again?.first_seen_at).toBe(again?.last_seen_at);
  });
});
