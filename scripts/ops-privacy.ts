import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { ROOM_DATA_MAP } from "../durable-objects/room-datamap";
import { createDb } from "../src/db/client";
import { JURISDICTIONS, type Jurisdiction } from "../src/db/schema/customers";
import { HOLD_REASONS } from "../src/db/schema/privacy";
import { DATA_MAP, processingRecord } from "../src/privacy/datamap";
import { addHold, type HoldReason, listHolds, releaseHold } from "../src/services/holds";
import { openLocalEnv } from "./local-env";

/** The local stores; QUARTIER_STATE points at another persisted state (e.g. a restored copy). */
export async function openStores() {
  const path = process.env.QUARTIER_STATE;
  if (!path) return openLocalEnv();
  const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: `${path}/v3` } });
  return { env: proxy.env, dispose: () => proxy.dispose() };
}

/**
 * Privacy operator commands (issue 5) on the local stores of `npm start`:
 *   ledger replay [--origin http://localhost:8787]   re-apply the erasure ledger after a restore
 *   erasures run [--origin …]                        run due erasure steps now (the minute cron's work)
 *   holds add --jurisdiction ch --customer <id> --user <id> --reason litigation --until 2027-06-30
 *             [--store database|files|room:<buildingId>] [--reference CASE-17]
 *   holds release --jurisdiction ch --customer <id> --id <holdId>
 *   holds list [--jurisdiction ch] [--active]
 *   datamap --json                                   the record of processing with its coverage
 * Rooms are Durable Objects, reachable only inside the Worker: ledger replay and erasures run call
 * the running `npm start` (development-only routes); holds and datamap open the local D1 directly.
 */
export const PRIVACY_USAGE = `       npm run ops -- ledger replay [--origin http://localhost:8787]
       npm run ops -- erasures run [--origin http://localhost:8787]
       npm run ops -- holds add --jurisdiction ch|eu --customer <id> --user <id> --reason ${HOLD_REASONS.join("|")} --until YYYY-MM-DD [--store database|files|room:<buildingId>] [--reference <case number>]
       npm run ops -- holds release --jurisdiction ch|eu --customer <id> --id <holdId>
       npm run ops -- holds list [--jurisdiction ch|eu] [--active]`;

const DEFAULT_ORIGIN = "http://localhost:8787";

async function callWorker(origin: string, path: string) {
  let res: Response;
  try {
    res = await fetch(`${origin}${path}`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: "{}",
    });
  } catch {
    console.error(`Cannot reach ${origin}: start the app with \`npm start\` first (rooms live inside the Worker).`);
    process.exitCode = 1;
    return;
  }
  const text = await res.text();
  if (!res.ok) {
    console.error(`${res.status} ${text}`);
    process.exitCode = 1;
    return;
  }
  console.log(JSON.stringify(JSON.parse(text), null, 2));
}

export async function ledgerCommand(args: string[]) {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { origin: { type: "string", default: DEFAULT_ORIGIN } } });
  if (sub !== "replay") return false;
  await callWorker(values.origin, "/api/dev/privacy/ledger-replay");
  return true;
}

export async function erasuresCommand(args: string[]) {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { origin: { type: "string", default: DEFAULT_ORIGIN } } });
  if (sub !== "run") return false;
  await callWorker(values.origin, "/api/dev/privacy/erasures/run");
  return true;
}

const jurisdictionOf = (v: string | undefined) =>
  JURISDICTIONS.includes(v as Jurisdiction) ? (v as Jurisdiction) : undefined;

export async function holdsCommand(args: string[]): Promise<boolean> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      jurisdiction: { type: "string" },
      customer: { type: "string" },
      user: { type: "string" },
      reason: { type: "string" },
      until: { type: "string" },
      store: { type: "string" },
      reference: { type: "string" },
      id: { type: "string" },
      active: { type: "boolean", default: false },
    },
  });
  const j = jurisdictionOf(values.jurisdiction);
  if (sub === "add" && (!j || !values.customer || !values.user || !values.reason || !values.until)) return false;
  if (sub === "release" && (!j || !values.customer || !values.id)) return false;
  if (sub !== "add" && sub !== "release" && sub !== "list") return false;
  const { env, dispose } = await openStores();
  const now = new Date();
  try {
    const dbOf = (x: Jurisdiction) => createDb(x === "ch" ? env.DB_CH : env.DB_EU);
    if (sub === "add" && j) {
      const endsAt = new Date(`${values.until}T23:59:59.999Z`);
      const hold = await addHold(
        dbOf(j),
        {
          customerId: values.customer ?? "",
          userId: values.user ?? "",
          store: values.store ?? null,
          reason: values.reason as HoldReason,
          reference: values.reference ?? null,
          endsAt,
        },
        now,
      );
      console.log(`Hold ${hold.id} placed until ${hold.endsAt.toISOString()} (${hold.store ?? "every store"}).`);
    } else if (sub === "release" && j) {
      const hold = await releaseHold(dbOf(j), values.customer ?? "", values.id ?? "", now);
      console.log(`Hold ${hold.id} released; held erasure steps are due now (\`npm run ops -- erasures run\`).`);
    } else {
      for (const x of j ? [j] : JURISDICTIONS) {
        for (const h of await listHolds(dbOf(x), now, { active: values.active })) {
          const state = h.releasedAt ? "released" : h.endsAt <= now ? "ended" : "active";
          console.log(
            [
              x,
              h.id,
              h.customerId,
              h.userId,
              h.store ?? "*",
              h.reason,
              h.reference ?? "-",
              h.endsAt.toISOString(),
              state,
            ].join("\t"),
          );
        }
      }
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  } finally {
    await dispose();
  }
  return true;
}

/**
 * The record of processing as JSON, with the coverage of the live local schemas (every column of the
 * directory and both regional databases that the data map classifies; room SQLite is checked by the
 * data-map test inside workerd, where rooms exist).
 */
export async function datamapJson() {
  const rows = processingRecord();
  const { env, dispose } = await openStores();
  try {
    const classified = new Set(rows.map((r) => `${r.store}:${r.table}.${r.column}`));
    const live: string[] = [];
    const dbs = [
      { store: "directory", db: env.DIRECTORY },
      { store: "region", db: env.DB_CH },
      { store: "region", db: env.DB_EU },
    ];
    for (const { store, db } of dbs) {
      const { results } = await db
        .prepare(
          `SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
              AND m.name <> 'd1_migrations'`,
        )
        .all<{ t: string; c: string }>();
      for (const r of results) live.push(`${store}:${r.t}.${r.c}`);
    }
    const unclassified = [...new Set(live.filter((k) => !classified.has(k)))].sort();
    const covered = live.length - live.filter((k) => !classified.has(k)).length;
    const coverage = {
      liveColumns: live.length,
      classified: covered,
      percent: live.length === 0 ? 0 : Math.round((covered / live.length) * 1000) / 10,
      unclassified,
      roomColumns: ROOM_DATA_MAP.reduce((n, t) => n + Object.keys(t.columns).length, 0),
    };
    console.log(JSON.stringify({ tables: DATA_MAP.length, columns: rows.length, coverage, record: rows }, null, 2));
    if (unclassified.length) process.exitCode = 1;
  } finally {
    await dispose();
  }
}
