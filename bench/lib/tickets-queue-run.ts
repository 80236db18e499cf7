import { resolve } from "node:path";
import { getPlatformProxy } from "wrangler";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { regionStores } from "../../src/region";
import type { Actor } from "../../src/services/actor";
import { type QueueFilter, queuePage } from "../../src/services/ticket-queue";

/**
 * The manager queue (issue 8) at 1k and 100k tickets, same run, same local D1: rows read per page
 * (D1 `meta.rows_read`) and the query's latency through the service function the route uses.
 *
 *   tsx bench/lib/tickets-queue-run.ts <persist-dir>/v3 <out.json>
 */
const [target, out] = process.argv.slice(2);
if (!target || !out) throw new Error("usage: tsx bench/lib/tickets-queue-run.ts <persist-dir>/v3 <out.json>");

const BUILDINGS = 20;
const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: resolve(target) } });
const env = proxy.env;
const db = env.DB_CH;

async function seed(customerId: string, tickets: number) {
  const now = Date.now();
  const exists = await db
    .prepare("SELECT count(*) AS n FROM tickets WHERE customer_id = ?")
    .bind(customerId)
    .first<{ n: number }>();
  if ((exists?.n ?? 0) === tickets) return;
  const stmts = [
    db
      .prepare(
        "INSERT INTO customers (id, slug, name, jurisdiction, locale, allow_neighbour_invites, created_at) VALUES (?, ?, ?, 'ch', 'de', 1, ?) ON CONFLICT DO NOTHING",
      )
      .bind(customerId, customerId, customerId, now),
    db
      .prepare(
        "INSERT INTO properties (id, customer_id, name, created_at) VALUES (?, ?, 'P', ?) ON CONFLICT DO NOTHING",
      )
      .bind(`${customerId}-p`, customerId, now),
    db
      .prepare(
        "INSERT INTO users (id, customer_id, email, name, password_hash, locale, status, created_at, updated_at) VALUES (?, ?, ?, 'R', 'x', 'de', 'active', ?, ?) ON CONFLICT DO NOTHING",
      )
      .bind(`${customerId}-r`, customerId, `${customerId}@bench.test`, now, now),
    db
      .prepare(
        "INSERT INTO ticket_categories (id, customer_id, name, deadline_hours, created_at) VALUES (?, ?, 'C', 48, ?) ON CONFLICT DO NOTHING",
      )
      .bind(`${customerId}-c`, customerId, now),
  ];
  for (let b = 0; b < BUILDINGS; b++) {
    stmts.push(
      db
        .prepare(
          "INSERT INTO buildings (id, customer_id, property_id, name, street, postal_code, city, country, created_at) VALUES (?, ?, ?, 'B', 'S', '8000', 'Z', 'CH', ?) ON CONFLICT DO NOTHING",
        )
        .bind(`${customerId}-b${b}`, customerId, `${customerId}-p`, now),
    );
  }
  await db.batch(stmts);
  // Generated in SQL, 10k per statement: four statuses, buildings round robin, one second apart.
  for (let from = 0; from < tickets; from += 10_000) {
    const to = Math.min(tickets, from + 10_000);
    await db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
         INSERT INTO tickets (id, customer_id, building_id, unit_id, reporter_id, category_id, title, description,
           status, waiting_since, created_at, updated_at)
         SELECT ?3 || '-t' || i, ?3, ?3 || '-b' || (i % ${BUILDINGS}), NULL, ?3 || '-r', ?3 || '-c', 'Ticket ' || i, 'D',
           CASE i % 4 WHEN 0 THEN 'waiting-for-agent' WHEN 1 THEN 'waiting-for-customer'
             WHEN 2 THEN 'waiting-for-external' ELSE 'closed' END,
           CASE i % 4 WHEN 0 THEN ?4 + i * 1000 ELSE NULL END, ?4 + i * 1000, ?4 + i * 1000
         FROM n`,
      )
      .bind(from, to, customerId, now - tickets * 1000)
      .run();
  }
}

function manager(customerId: string): Actor {
  const buildings = new Set(Array.from({ length: BUILDINGS }, (_, b) => `${customerId}-b${b}`));
  return {
    userId: `${customerId}-m`,
    customerId,
    sessionId: "bench",
    name: "M",
    email: "m@bench.test",
    locale: "de",
    isAdmin: false,
    managedBuildingIds: buildings,
    managedPropertyIds: new Set([`${customerId}-p`]),
    residentBuildingIds: new Set(),
    residentUnitIds: new Set(),
    memberships: [],
  };
}

const deps: Deps = {
  db: createDb(db),
  stores: regionStores(env, "ch"),
  now: () => new Date(),
  config: { environment: "development", publicOrigin: "http://localhost:8793", appDomain: "localhost" },
};

type Scenario = { name: string; filter: Omit<QueueFilter, "limit">; pages: number };
const SCENARIOS: Scenario[] = [
  { name: "first page", filter: {}, pages: 1 },
  { name: "20 pages deep (cursor)", filter: {}, pages: 20 },
  { name: "status filter, 5 pages", filter: { status: "waiting-for-agent" }, pages: 5 },
  { name: "building filter, 5 pages", filter: { buildingId: "b3" }, pages: 5 },
];
const REPEAT = 15;
const LIMIT = 25;

async function measure(customerId: string) {
  const a = manager(customerId);
  const rows: Record<string, unknown>[] = [];
  for (const sc of SCENARIOS) {
    const ms: number[] = [];
    let rowsRead = 0;
    for (let rep = 0; rep < REPEAT; rep++) {
      let cursor: string | undefined;
      rowsRead = 0;
      for (let p = 0; p < sc.pages; p++) {
        const filter = { ...sc.filter, limit: LIMIT, ...(cursor ? { cursor } : {}) };
        if (filter.buildingId) filter.buildingId = `${customerId}-${filter.buildingId}`;
        const t0 = performance.now();
        const page = await queuePage(deps, a, filter);
        ms.push(performance.now() - t0);
        rowsRead += page.rowsRead;
        cursor = page.nextCursor ?? undefined;
      }
    }
    ms.sort((x, y) => x - y);
    const at = (q: number) => Math.round((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0) * 100) / 100;
    rows.push({ scenario: sc.name, rowsReadPerPage: Math.round(rowsRead / sc.pages), p50Ms: at(0.5), p99Ms: at(0.99) });
  }
  return rows;
}

try {
  const small = "bench-q-1k";
  const large = "bench-q-100k";
  await seed(small, 1_000);
  await seed(large, 100_000);
  // Warm-up, then both sizes in the same run, interleaved by scenario order.
  await measure(small);
  const result = {
    limit: LIMIT,
    repeat: REPEAT,
    buildings: BUILDINGS,
    at1k: await measure(small),
    at100k: await measure(large),
  };
  const { writeFileSync } = await import("node:fs");
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
} finally {
  await proxy.dispose();
}
