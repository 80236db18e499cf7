/**
 * Generic scans of live stores (privacy.md 3.5): every table of a D1 database, every object of an R2
 * bucket. Tests use them to prove where personal values are (and are not) after a workload, an
 * erasure or a purge, without trusting the data map they are checking.
 */

/** User tables of a D1 database: not SQLite's, not D1's internal `_cf_*`, not the migrations log. */
const USER_TABLES =
  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' " +
  "AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations' ORDER BY name";

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function liveTables(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare(USER_TABLES).all<{ name: string }>();
  return results.map((r) => r.name);
}

export interface LiveColumn {
  table: string;
  column: string;
  type: string;
  notnull: number;
  dflt: string | null;
  pk: number;
}

/** Every column of every user table, read through `pragma_table_info` (the live schema, not drizzle's). */
export async function liveColumns(db: D1Database): Promise<LiveColumn[]> {
  const { results } = await db
    .prepare(
      `SELECT m.name AS "table", p.name AS "column", p.type AS type, p."notnull" AS "notnull",
              p.dflt_value AS dflt, p.pk AS pk
         FROM (${USER_TABLES}) m JOIN pragma_table_info(m.name) p
        ORDER BY m.name, p.cid`,
    )
    .all<LiveColumn>();
  return results;
}

/** Every schema object (tables, indexes, triggers, views) with its SQL, for schema comparisons. */
export async function liveSchemaObjects(db: D1Database) {
  const { results } = await db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM sqlite_master
        WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
          AND tbl_name <> 'd1_migrations'
        ORDER BY type, name`,
    )
    .all<{ type: string; name: string; tbl_name: string; sql: string | null }>();
  return results;
}

export interface Row {
  table: string;
  row: Record<string, unknown>;
}

/** Every row of every user table. */
export async function dumpD1(db: D1Database): Promise<Row[]> {
  const out: Row[] = [];
  for (const table of await liveTables(db)) {
    const { results } = await db.prepare(`SELECT * FROM ${ident(table)}`).all<Record<string, unknown>>();
    for (const row of results) out.push({ table, row });
  }
  return out;
}

export interface Hit {
  store: string;
  /** Table name or object key. */
  where: string;
  needle: string;
  /** The matching row (D1) or a short excerpt (R2), so a failure shows what leaked. */
  found: string;
}

function search(store: string, where: string, text: string, needles: readonly string[], hits: Hit[]) {
  const hay = text.toLowerCase();
  for (const n of needles) {
    if (n.length === 0) throw new Error("empty needle: it matches everything");
    const at = hay.indexOf(n.toLowerCase());
    if (at >= 0)
      hits.push({
        store,
        where,
        needle: n,
        found: text.length > 400 ? text.slice(Math.max(0, at - 100), at + 200) : text,
      });
  }
}

/** Searches every row of every table (JSON of the row, case-insensitive) for any of the needles. */
export async function scanD1(db: D1Database, needles: readonly string[], store = "d1"): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const { table, row } of await dumpD1(db)) search(store, table, JSON.stringify(row), needles, hits);
  return hits;
}

/** Searches every object of a bucket: its key and its text body (case-insensitive). */
export async function scanR2(bucket: R2Bucket, needles: readonly string[], store = "r2"): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const key of await listKeys(bucket)) {
    const body = await (await bucket.get(key))?.text();
    search(store, key, `${key}\n${body ?? ""}`, needles, hits);
  }
  return hits;
}

/** All keys of a bucket (optionally under a prefix), following the cursor. */
export async function listKeys(bucket: R2Bucket, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** Rows of any table that belong to a customer (every regional table with a `customer_id`, plus `customers`). */
export async function rowsOfCustomer(db: D1Database, customerId: string): Promise<Row[]> {
  const out: Row[] = [];
  const cols = await liveColumns(db);
  for (const table of await liveTables(db)) {
    const names = cols.filter((c) => c.table === table).map((c) => c.column);
    const key = table === "customers" ? "id" : names.includes("customer_id") ? "customer_id" : undefined;
    if (!key) continue;
    const { results } = await db
      .prepare(`SELECT * FROM ${ident(table)} WHERE ${ident(key)} = ?1`)
      .bind(customerId)
      .all<Record<string, unknown>>();
    for (const row of results) out.push({ table, row });
  }
  return out;
}
