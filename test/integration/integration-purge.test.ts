import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DAY, HOUR } from "../../src/lib/time";
import { purgeRegion } from "../../src/services/purge";
import { countRows } from "../helpers/accounts";
import { makeWorld, type World } from "../helpers/factories";
import { depsAt } from "../helpers/staff";

// R-I3 retention: master-data changes 30 days, idempotency keys 24 hours, webhook deliveries and their
// attempt log 30 days — a row goes once it reaches that age. Boundaries at -1/0/+1 of the unit.

let w: World;
const now = new Date("2026-11-29T12:00:00.000Z");
const ago = (ms: number) => now.getTime() - ms;
const db = env.DB_CH;

beforeAll(async () => {
  w = await makeWorld();
  await db
    .prepare(
      "INSERT INTO webhook_endpoints (id, customer_id, url, entities, enabled, secret, cursor_at, created_at, updated_at) VALUES (?, ?, 'https://erp.example.com/h', '[\"unit\"]', 1, 'whsec_x', ?, ?, ?)",
    )
    .bind(`hook-${w.customerId}`, w.customerId, ago(40 * DAY), ago(40 * DAY), ago(40 * DAY))
    .run();
  const rows: D1PreparedStatement[] = [];
  for (const d of [29, 30, 31]) {
    const t = ago(d * DAY);
    rows.push(
      db
        .prepare(
          "INSERT INTO master_data_changes (id, customer_id, entity, action, object_id, occurred_at) VALUES (?, ?, 'unit', 'updated', ?, ?)",
        )
        .bind(`chg-${d}`, w.customerId, w.unitIds[0], t),
      db
        .prepare(
          "INSERT INTO webhook_deliveries (id, customer_id, endpoint_id, change_id, entity, action, state, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'unit', 'updated', 'delivered', 1, ?, ?)",
        )
        .bind(`msg-${d}`, w.customerId, `hook-${w.customerId}`, `chg-${d}`, t, t),
      db
        .prepare(
          "INSERT INTO webhook_attempts (id, customer_id, delivery_id, endpoint_id, attempt, outcome, status, duration_ms, attempted_at) VALUES (?, ?, ?, ?, 1, 'delivered', 200, 12, ?)",
        )
        .bind(`att-${d}`, w.customerId, `msg-${d}`, `hook-${w.customerId}`, t),
    );
  }
  for (const h of [23, 24, 25]) {
    const created = ago(h * HOUR);
    rows.push(
      db
        .prepare(
          "INSERT INTO idempotency_keys (id, customer_id, principal, user_id, key, method, path, fingerprint, state, status, response_body, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'POST', '/api/x', 'f', 'done', 201, '{}', ?, ?)",
        )
        .bind(
          `idem-${h}`,
          w.customerId,
          `user:${w.userIds.admin}`,
          w.userIds.admin,
          `key-${h}`,
          created,
          created + DAY,
        ),
    );
  }
  await db.batch(rows);
});

const left = async (table: string, prefix: string) =>
  (
    await db.prepare(`SELECT id FROM ${table} WHERE id LIKE ? ORDER BY id`).bind(`${prefix}%`).all<{ id: string }>()
  ).results.map((r) => r.id);

describe("purge of the integrator API's records", () => {
  it("deletes at the boundaries: changes, deliveries and attempts at 30 days, idempotency keys at 24 hours", async () => {
    const report = await purgeRegion(depsAt("ch", now));
    expect(await left("master_data_changes", "chg-")).toEqual(["chg-29"]);
    expect(await left("webhook_deliveries", "msg-")).toEqual(["msg-29"]);
    expect(await left("webhook_attempts", "att-")).toEqual(["att-29"]);
    expect(await left("idempotency_keys", "idem-")).toEqual(["idem-23"]);
    expect(report).toMatchObject({
      masterDataChanges: 2,
      webhookDeliveries: 2,
      webhookAttempts: 2,
      idempotencyKeys: 2,
    });
  });

  it("is safe to run twice: the second run deletes nothing and keeps the rest", async () => {
    const again = await purgeRegion(depsAt("ch", now));
    expect(again).toMatchObject({ masterDataChanges: 0, webhookDeliveries: 0, webhookAttempts: 0, idempotencyKeys: 0 });
    expect(await countRows(db, "SELECT count(*) AS n FROM webhook_endpoints WHERE customer_id = ?", w.customerId)).toBe(
      1,
    );
  });

  it("takes the rest one unit later (23 h → 25 h, 29 days → 31 days)", async () => {
    await purgeRegion(depsAt("ch", new Date(now.getTime() + 2 * DAY)));
    expect(await left("master_data_changes", "chg-")).toEqual([]);
    expect(await left("webhook_deliveries", "msg-")).toEqual([]);
    expect(await left("webhook_attempts", "att-")).toEqual([]);
    expect(await left("idempotency_keys", "idem-")).toEqual([]);
  });
});
