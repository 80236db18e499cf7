import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY, MINUTE } from "../../src/lib/time";
import { LEDGER_PREFIX, ledgerKey, purgeLedger, writeLedgerEntry } from "../../src/services/erasure-ledger";
import { TENANCY_END_GRACE_DAYS } from "../../src/services/erasure-tenancy-end";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { listKeys } from "../helpers/scan";
import { depsAt, runMinuteCron } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// R-P10 / R-A6: accounts of ended tenancies are anonymised after the grace period (default 30 days),
// through the erasure job; and the erasure ledger is kept only as long as a restore can reach back.

const day = (d: Date) => d.toISOString().slice(0, 10);

describe("tenancy-end anonymisation", () => {
  it("erases residents whose tenancies all ended past the grace period, never staff or current residents", async () => {
    const w = await makeWorld();
    const db = dbOf(w.jurisdiction);
    const now = new Date();
    const cutoff = new Date(now.getTime() - TENANCY_END_GRACE_DAYS * DAY);
    // Building 1's tenancy (resident, neighbour) ended one day before the grace period; building 2's
    // (otherBuilding) ended exactly at its edge — not yet. The manager also lived in building 1.
    await db.batch([
      db
        .prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2")
        .bind(day(new Date(cutoff.getTime() - DAY)), w.tenancyIds[0]),
      db.prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2").bind(day(cutoff), w.tenancyIds[1]),
      db
        .prepare(
          "INSERT INTO tenancy_members (id, customer_id, tenancy_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(`m-staff-${w.customerId}`, w.customerId, w.tenancyIds[0], w.userIds.manager, now.getTime()),
    ]);

    const report = await purgeRegion(depsAt(w.jurisdiction, now));
    expect(report.tenancyEndErasures).toBe(2);
    await runMinuteCron(new Date(now.getTime() + MINUTE));
    const status = async (id: string) =>
      (await db.prepare("SELECT status FROM users WHERE id = ?1").bind(id).first<{ status: string }>())?.status;
    expect(await status(w.userIds.resident)).toBe("erased");
    expect(await status(w.userIds.neighbour)).toBe("erased");
    expect(await status(w.userIds.otherBuilding)).toBe("active");
    expect(await status(w.userIds.manager)).toBe("active");
    const origins = await db
      .prepare("SELECT origin, state FROM privacy_requests WHERE customer_id = ?1")
      .bind(w.customerId)
      .all<{ origin: string; state: string }>();
    expect(origins.results).toEqual([
      { origin: "tenancy-end", state: "done" },
      { origin: "tenancy-end", state: "done" },
    ]);
    // Safe to run again: nobody new.
    expect((await purgeRegion(depsAt(w.jurisdiction, now))).tenancyEndErasures).toBe(0);
  });
});

describe("erasure ledger retention", () => {
  it("deletes entries older than the restore window plus margin (40 days), keeps the rest", async () => {
    const now = new Date("2036-05-01T00:00:00.000Z");
    const entry = (daysAgo: number, id: string) => ({
      v: 1 as const,
      requestId: id,
      customerId: "cus-ledger",
      userId: "user-ledger",
      jurisdiction: "eu" as const,
      origin: "subject",
      stores: ["database"],
      requestedAt: new Date(now.getTime() - daysAgo * DAY).toISOString(),
    });
    const old = entry(41, "old-entry");
    const kept = entry(39, "kept-entry");
    await writeLedgerEntry(env.FILES_EU, old);
    await writeLedgerEntry(env.FILES_EU, kept);
    expect(await purgeLedger(env.FILES_EU, now)).toBe(1);
    const keys = await listKeys(env.FILES_EU, LEDGER_PREFIX);
    expect(keys).toContain(ledgerKey(kept));
    expect(keys).not.toContain(ledgerKey(old));
    expect(await purgeLedger(env.FILES_EU, now)).toBe(0);
  });
});

// Decision 0031: each customer sets its own grace period (0–365 days, default 30) through the API.
describe("customer-set grace period", () => {
  const setGrace = async (w: World, session: string, days: unknown) =>
    api("/api/admin/privacy-settings", {
      app: w.slug,
      session,
      method: "PATCH",
      json: { tenancyEndGraceDays: days },
    });
  const endTenancies = async (w: World, daysAgo: number, now: Date) => {
    const db = dbOf(w.jurisdiction);
    await db
      .prepare("UPDATE tenancies SET ends_on = ?1 WHERE customer_id = ?2")
      .bind(day(new Date(now.getTime() - daysAgo * DAY)), w.customerId)
      .run();
  };
  const status = async (w: World, id: string) =>
    (await dbOf(w.jurisdiction).prepare("SELECT status FROM users WHERE id = ?1").bind(id).first<{ status: string }>())
      ?.status;

  it("follows each customer's own period: 90 days waits, 0 days anonymises the day after the end", async () => {
    const now = new Date();
    const waits = await makeWorld();
    const fast = await makeWorld();
    const plain = await makeWorld();
    const get = await api("/api/admin/privacy-settings", { app: waits.slug, session: await sessionOf(waits, "admin") });
    expect(await get.json()).toEqual({ tenancyEndGraceDays: TENANCY_END_GRACE_DAYS });
    const set = await setGrace(waits, await sessionOf(waits, "admin"), 90);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ tenancyEndGraceDays: 90 });
    expect((await setGrace(fast, await sessionOf(fast, "admin"), 0)).status).toBe(200);
    // All three customers' tenancies ended 31 days ago; fast's ended yesterday as well.
    await endTenancies(waits, 31, now);
    await endTenancies(plain, 31, now);
    await endTenancies(fast, 1, now);

    await purgeRegion(depsAt(waits.jurisdiction, now));
    await runMinuteCron(new Date(now.getTime() + MINUTE));
    expect(await status(waits, waits.userIds.resident)).toBe("active");
    expect(await status(plain, plain.userIds.resident)).toBe("erased");
    expect(await status(fast, fast.userIds.resident)).toBe("erased");

    // 0 days: a tenancy whose last day is today is still current.
    const today = await makeWorld();
    expect((await setGrace(today, await sessionOf(today, "admin"), 0)).status).toBe(200);
    await endTenancies(today, 0, now);
    await purgeRegion(depsAt(today.jurisdiction, now));
    expect(await status(today, today.userIds.resident)).toBe("active");
  });

  it("accepts whole days 0–365 from customer admins only, per customer", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const admin = await sessionOf(w, "admin");
    for (const bad of [-1, 366, 1.5, "30", null]) {
      const res = await setGrace(w, admin, bad);
      expect(res.status, String(bad)).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
    const extra = await api("/api/admin/privacy-settings", {
      app: w.slug,
      session: admin,
      method: "PATCH",
      json: { tenancyEndGraceDays: 10, customerId: other.customerId },
    });
    expect(extra.status).toBe(400);
    for (const who of ["resident", "manager"] as const) {
      expect((await setGrace(w, await sessionOf(w, who), 10)).status).toBe(403);
    }
    expect((await setGrace(w, admin, 365)).status).toBe(200);
    // The other customer keeps the default.
    const theirs = await api("/api/admin/privacy-settings", {
      app: other.slug,
      session: await sessionOf(other, "admin"),
    });
    expect(await theirs.json()).toEqual({ tenancyEndGraceDays: 30 });
  });
});
