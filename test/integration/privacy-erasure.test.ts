import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { configFrom } from "../../src/lib/config";
import { MINUTE } from "../../src/lib/time";
import { isProcessingRestricted } from "../../src/privacy/restriction";
import { regionStores } from "../../src/region";
import { erasureStatus, openErasure, runErasures } from "../../src/services/erasure";
import { LEDGER_PREFIX, readLedger } from "../../src/services/erasure-ledger";
import { replayLedger } from "../../src/services/erasure-replay";
import { addHold } from "../../src/services/holds";
import { dbOf, makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { restoreD1, restoreRoom, roomSnapshot } from "../helpers/restore";
import { listKeys, rowsOfCustomer } from "../helpers/scan";
import { runMinuteCron } from "../helpers/staff";
import { joinRoom, roomStub, sessionOf } from "../helpers/ws";
import { canaryScan, captureConsole, erasureScene, foreignKeyProblems } from "./privacy-erasure-scene";

// Erasure (R-P4, R-A6) as a resumable job over every store, its ledger and replay after a restore,
// legal holds (R-P14) and the restriction marker (R-P5). The check of issue 5: canary values over
// every table of both jurisdictions' databases, every room the resident used (one they had left),
// R2 and the console — 0 occurrences after erasure, foreign keys intact, held records kept.

afterEach(() => {
  vi.restoreAllMocks();
});

const depsOf = (w: World, stores = regionStores(env, w.jurisdiction)): Deps => ({
  db: createDb(stores.db),
  stores,
  now: () => new Date(),
  config: configFrom(env),
});
const subjectOf = (w: World) => ({
  customerId: w.customerId,
  userId: w.userIds.resident,
  jurisdiction: w.jurisdiction,
});
const erase = (w: World, session: string, password = PASSWORD) =>
  api("/api/me/erasure", { app: w.slug, session, json: { password } });
const loginStatus = async (w: World) =>
  (await api("/api/auth/login", { app: w.slug, json: { email: w.emails.resident, password: PASSWORD } })).status;

/** The region stores, except that one building's room fails every erasure. */
function withFailingRoom(w: World, buildingId: string) {
  const stores = regionStores(env, w.jurisdiction);
  const real = stores.rooms();
  const rooms = {
    getByName: (name: string) =>
      name === buildingId
        ? {
            erasePerson: async () => {
              throw new TypeError("room down");
            },
          }
        : real.getByName(name),
  } as unknown as Env["BUILDING_ROOM"];
  return { ...stores, rooms: () => rooms };
}

describe("POST /api/me/erasure", () => {
  it("refuses a wrong password and changes nothing", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const res = await erase(w, session, "not the password");
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("REAUTH_FAILED");
    expect((await api("/api/me", { app: w.slug, session })).status).toBe(200);
    const n = await dbOf(w.jurisdiction).prepare("SELECT count(*) AS n FROM privacy_requests").first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("refuses the customer's last admin (409 LAST_ADMIN)", async () => {
    const w = await makeWorld();
    const res = await erase(w, await sessionOf(w, "admin"));
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("LAST_ADMIN");
    const n = await dbOf(w.jurisdiction).prepare("SELECT count(*) AS n FROM privacy_requests").first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("erases every store of a resident who moved: canary scan 0, foreign keys intact, connections closed", async () => {
    const w = await makeWorld();
    const scene = await erasureScene(w);
    // The scan finds every canary before the erasure (so its 0 afterwards means something).
    const before = await canaryScan(w, scene.needles);
    const stores = new Set(before.map((h) => h.store.split(":")[0]));
    expect([...stores].sort()).toEqual(["d1", "r2", "room"]);
    expect(new Set(before.map((h) => h.needle))).toEqual(new Set(scene.needles));

    const live = await joinRoom(w, "resident", { buildingId: w.buildingIds[1] });
    const other = await sessionOf(w, "resident");
    const session = await sessionOf(w, "resident");
    const log = captureConsole();
    const res = await erase(w, session);
    log.stop();
    expect(res.status).toBe(202);
    expect(res.headers.getSetCookie().join()).toMatch(/__Host-quartier_session=;/);
    const body = (await res.json()) as { requestId: string; state: string; steps: { store: string; state: string }[] };
    expect(body.state).toBe("done");
    expect(body.steps.map((s) => s.store).sort()).toEqual(
      ["database", "files", "ledger", `room:${w.buildingIds[0]}`, `room:${w.buildingIds[1]}`].sort(),
    );
    expect(body.steps.every((s) => s.state === "done")).toBe(true);

    // Every session ended, the live connection closed, the account cannot log in.
    expect((await live.closed).code).toBe(1008);
    expect((await api("/api/me", { app: w.slug, session: other })).status).toBe(401);
    expect(await loginStatus(w)).toBe(401);

    expect(await canaryScan(w, scene.needles, log.lines)).toEqual([]);
    expect(await foreignKeyProblems()).toEqual([]);

    // Ids are kept so references hold: the account row and the tombstoned posts still exist.
    const db = dbOf(w.jurisdiction);
    const user = await db.prepare("SELECT status, email FROM users WHERE id = ?1").bind(w.userIds.resident).first();
    expect(user).toMatchObject({ status: "erased" });
    expect(String(user?.email)).toMatch(/^erased-[0-9a-f]{32}@erased\.invalid$/);
    const posts = await runInDurableObject(roomStub(w, w.buildingIds[0]), (_: BuildingRoom, state) =>
      state.storage.sql.exec("SELECT body FROM posts WHERE author_id = ?", w.userIds.resident).toArray(),
    );
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.body === null)).toBe(true);

    // The restriction marker others check; the audit trail (ids and actions only).
    expect(await isProcessingRestricted(createDb(db), w.customerId, w.userIds.resident)).toBe(true);
    expect(await isProcessingRestricted(createDb(db), w.customerId, w.userIds.neighbour)).toBe(false);
    const { results: events } = await db
      .prepare("SELECT action, store FROM privacy_request_events WHERE request_id = ?1 ORDER BY at, rowid")
      .bind(body.requestId)
      .all<{ action: string; store: string | null }>();
    expect(events.map((e) => e.action)).toEqual(["received", "verified", ...body.steps.map(() => "step-done"), "done"]);
    // The ledger holds the request (ids only; the scan above covered its text).
    const { entries } = await readLedger(env.FILES_CH);
    expect(entries.find((e) => e.requestId === body.requestId)).toMatchObject({
      userId: w.userIds.resident,
      customerId: w.customerId,
    });
    expect((await listKeys(env.FILES_CH, LEDGER_PREFIX)).length).toBeGreaterThan(0);
  });
});

describe("the erasure job", () => {
  it("keeps the request open while a room fails; the minute cron's retry completes it (scan 0)", async () => {
    const w = await makeWorld();
    const scene = await erasureScene(w);
    const [left, current] = w.buildingIds;
    const failing = depsOf(w, withFailingRoom(w, left));
    const requestId = await openErasure(failing, subjectOf(w), { origin: "subject", actorId: w.userIds.resident });
    await runErasures(failing, { requestId });

    const status = await erasureStatus(failing, w.customerId, requestId);
    expect(status.state).toBe("verified");
    const step = (store: string) => status.steps.find((s) => s.store === store);
    expect(step(`room:${left}`)).toMatchObject({ state: "failed", attempts: 1 });
    expect(step(`room:${current}`)?.state).toBe("done");
    expect(step("database")?.state).toBe("done");
    // Only the failed room still holds the canaries; the account is restricted meanwhile.
    const hits = await canaryScan(w, scene.needles);
    expect(new Set(hits.map((h) => h.store))).toEqual(new Set([`room:${left}`]));
    expect(await isProcessingRestricted(failing.db, w.customerId, w.userIds.resident)).toBe(true);

    // Within the back-off nothing is tried; the failing room stays failed.
    await runErasures(failing);
    expect(
      (await erasureStatus(failing, w.customerId, requestId)).steps.find((s) => s.store === `room:${left}`),
    ).toMatchObject({
      attempts: 1,
    });
    // The minute cron after the back-off, with the room back.
    await runMinuteCron(new Date(Date.now() + 2 * MINUTE));
    expect((await erasureStatus(failing, w.customerId, requestId)).state).toBe("done");
    expect(await canaryScan(w, scene.needles)).toEqual([]);
    expect(await foreignKeyProblems()).toEqual([]);
  });

  it("keeps records under a legal hold (restricted) and erases them when the hold ends", async () => {
    const w = await makeWorld();
    const scene = await erasureScene(w);
    const deps = depsOf(w);
    const endsAt = new Date(Date.now() + 24 * 60 * MINUTE);
    await addHold(
      deps.db,
      {
        customerId: w.customerId,
        userId: w.userIds.resident,
        store: "database",
        reason: "litigation",
        reference: "CASE-2026/17",
        endsAt,
      },
      new Date(),
    );
    const res = await erase(w, await sessionOf(w, "resident"));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { requestId: string; state: string; steps: { store: string; state: string }[] };
    expect(body.state).toBe("verified");
    expect(body.steps.find((s) => s.store === "database")?.state).toBe("held");
    expect(body.steps.filter((s) => s.store !== "database").every((s) => s.state === "done")).toBe(true);

    // Held: the database rows are kept — restricted (no login, marker set) — everything else is gone.
    const hits = await canaryScan(w, scene.needles);
    expect(hits.length).toBeGreaterThan(0);
    expect(new Set(hits.map((h) => h.store))).toEqual(new Set(["d1:ch"]));
    expect(await loginStatus(w)).toBe(401);
    expect(await isProcessingRestricted(deps.db, w.customerId, w.userIds.resident)).toBe(true);

    await runMinuteCron(new Date(Date.now() + 2 * MINUTE));
    expect((await erasureStatus(deps, w.customerId, body.requestId)).state).toBe("verified");
    // The hold ends: the next minute run erases what it kept.
    await runMinuteCron(new Date(endsAt.getTime() + MINUTE));
    expect((await erasureStatus(deps, w.customerId, body.requestId)).state).toBe("done");
    expect(await canaryScan(w, scene.needles)).toEqual([]);
    expect(await foreignKeyProblems()).toEqual([]);
  });
});

describe("ledger replay after a backup restore", () => {
  it("erases again what a restore brought back: scan 0 after replay", async () => {
    const w = await makeWorld();
    const scene = await erasureScene(w);
    const db = dbOf(w.jurisdiction);
    const d1Snap = await rowsOfCustomer(db, w.customerId);
    const roomSnaps = await Promise.all(w.buildingIds.map((b) => roomSnapshot(w, b)));

    const res = await erase(w, await sessionOf(w, "resident"));
    expect(((await res.json()) as { state: string }).state).toBe("done");
    expect(await canaryScan(w, scene.needles)).toEqual([]);

    // The restore: the databases and rooms as they were before the erasure (the ledger is in R2).
    await restoreD1(db, w.customerId, d1Snap);
    for (const [i, b] of w.buildingIds.entries()) await restoreRoom(w, b, roomSnaps[i] ?? []);
    const restored = await canaryScan(w, scene.needles);
    expect(new Set(restored.map((h) => h.store.split(":")[0]))).toEqual(new Set(["d1", "room"]));
    expect(await loginStatus(w)).toBe(200);

    const report = await replayLedger(depsOf(w));
    expect(report).toMatchObject({ unreadable: 0, stepsFailed: 0 });
    expect(report.replayed).toBeGreaterThanOrEqual(1);
    expect(await canaryScan(w, scene.needles)).toEqual([]);
    expect(await foreignKeyProblems()).toEqual([]);
    expect(await loginStatus(w)).toBe(401);

    // Replaying again is harmless (every store is idempotent).
    expect((await replayLedger(depsOf(w))).stepsFailed).toBe(0);
    expect(await canaryScan(w, scene.needles)).toEqual([]);
  });
});
