import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY, MINUTE } from "../../src/lib/time";
import { LEDGER_PREFIX, ledgerKey, purgeLedger, writeLedgerEntry } from "../../src/services/erasure-ledger";
import { TENANCY_END_GRACE_DAYS } from "../../src/services/erasure-tenancy-end";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld } from "../helpers/factories";
import { listKeys } from "../helpers/scan";
import { depsAt, runMinuteCron } from "../helpers/staff";

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
