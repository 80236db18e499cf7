import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { DAY } from "../../src/lib/time";
import { erasureStatus, openErasure, runErasures } from "../../src/services/erasure";
import { addHold, listHolds, releaseHold } from "../../src/services/holds";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld } from "../helpers/factories";
import { api } from "../helpers/http";
import { depsAt } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// Legal holds (R-P4, R-P14): held records are kept past erasure and purge, counted, and released.

describe("legal holds", () => {
  it("refuse free text, past ends and unknown accounts", async () => {
    const w = await makeWorld();
    const db = createDb(dbOf(w.jurisdiction));
    const now = new Date();
    const base = {
      customerId: w.customerId,
      userId: w.userIds.resident,
      reason: "litigation" as const,
      endsAt: new Date(now.getTime() + DAY),
    };
    await expect(addHold(db, { ...base, reference: "Anna Muster, Bahnhofstr. 1" }, now)).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(addHold(db, { ...base, endsAt: new Date(now.getTime() - 1) }, now)).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(addHold(db, { ...base, store: "everything" }, now)).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(addHold(db, { ...base, userId: "nobody" }, now)).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Another customer's account is unknown here (tenant isolation).
    const other = await makeWorld();
    await expect(addHold(db, { ...base, userId: other.userIds.resident }, now)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const hold = await addHold(db, { ...base, reference: "CASE-2026/17" }, now);
    expect((await listHolds(db, now, { customerId: w.customerId, active: true })).map((h) => h.id)).toEqual([hold.id]);
    await expect(releaseHold(db, other.customerId, hold.id, now)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await releaseHold(db, w.customerId, hold.id, now);
    expect(await listHolds(db, now, { customerId: w.customerId, active: true })).toEqual([]);
    await expect(releaseHold(db, w.customerId, hold.id, now)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("keep an expired export past the purge (counted) until released; release lets held erasure steps run", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    expect((await api("/api/me/exports", { app: w.slug, method: "POST", session })).status).toBe(201);
    const db = createDb(dbOf(w.jurisdiction));
    const now = new Date();
    const hold = await addHold(
      db,
      {
        customerId: w.customerId,
        userId: w.userIds.resident,
        reason: "authority-request",
        endsAt: new Date(now.getTime() + 30 * DAY),
      },
      now,
    );
    const later = new Date(now.getTime() + 8 * DAY);
    const key =
      (
        await dbOf(w.jurisdiction)
          .prepare("SELECT object_key FROM data_exports WHERE user_id = ?1")
          .bind(w.userIds.resident)
          .first<{ object_key: string }>()
      )?.object_key ?? "";
    const held = await purgeRegion(depsAt(w.jurisdiction, later));
    expect(held).toMatchObject({ dataExports: 0, heldExports: 1 });
    expect(await env.FILES_CH.head(key)).not.toBeNull();

    // Erasure while held (every store): only the ledger is written.
    const deps = depsAt(w.jurisdiction, later);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: w.jurisdiction };
    const requestId = await openErasure(deps, subject, { origin: "staff" });
    await runErasures(deps, { requestId });
    const status = await erasureStatus(deps, w.customerId, requestId);
    // The files are held; the database waits for them (it deletes the rows naming the files).
    expect(Object.fromEntries(status.steps.map((s) => [s.store, s.state]))).toEqual({
      ledger: "done",
      files: "held",
      database: "pending",
    });

    await releaseHold(db, w.customerId, hold.id, later);
    const released = await purgeRegion(depsAt(w.jurisdiction, later));
    expect(released).toMatchObject({ dataExports: 1, heldExports: 0 });
    expect(await env.FILES_CH.head(key)).toBeNull();
    await runErasures(deps, { requestId });
    expect((await erasureStatus(deps, w.customerId, requestId)).state).toBe("done");
  });
});
