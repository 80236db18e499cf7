import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import type {
  Category,
  ColumnClass,
  Erasure,
  LegalBasis,
  RandomKind,
  Store,
  TableMap,
} from "../../src/privacy/classification";
import { DATA_MAP, processingRecord, tablesOf } from "../../src/privacy/datamap";
import { regionStores } from "../../src/region";
import { type LiveColumn, liveColumns, liveSchemaObjects } from "../helpers/scan";

// R-P13: the data map is checked against the live schemas of the migrated databases, not against itself.

// Records (not arrays) so the compiler fails here when a union member is added or removed.
const CATEGORIES: Record<Category, true> = {
  identifier: true,
  identity: true,
  contact: true,
  credential: true,
  content: true,
  technical: true,
  tenancy: true,
  organisation: true,
};
const BASES: Record<LegalBasis, true> = {
  contract: true,
  "legitimate-interest": true,
  "legal-obligation": true,
  consent: true,
  none: true,
};
const ERASURES: Record<Erasure, true> = { keep: true, random: true, null: true, set: true, "delete-row": true };
const RANDOM_KINDS: Record<RandomKind, true> = { email: true, name: true, text: true, secret: true };

const DATABASES: { binding: string; db: D1Database; store: Store }[] = [
  { binding: "DIRECTORY", db: env.DIRECTORY, store: "directory" },
  { binding: "DB_CH", db: env.DB_CH, store: "region" },
  { binding: "DB_EU", db: env.DB_EU, store: "region" },
];

const key = (table: string, column: string) => `${table}.${column}`;
const mappedKeys = (store: Store) => tablesOf(store).flatMap((t) => Object.keys(t.columns).map((c) => key(t.table, c)));
const columnsOf = (t: TableMap) => Object.entries(t.columns) as [string, ColumnClass][];

/** The live columns of one building room's SQLite (the room store of the data map). */
async function roomColumns(): Promise<LiveColumn[]> {
  const rooms = regionStores(env, "ch").rooms();
  const stub = rooms.get(rooms.idFromName(`datamap-${crypto.randomUUID()}`));
  // Touching the store runs the room's schema migrations, as the first connection would.
  return runInDurableObject(stub, (room: BuildingRoom, state) => {
    void room.store;
    return state.storage.sql
      .exec<{ table: string; column: string; type: string; notnull: number; dflt: string | null; pk: number }>(
        `SELECT m.name AS "table", p.name AS "column", p.type AS type, p."notnull" AS "notnull",
                p.dflt_value AS dflt, p.pk AS pk
           FROM sqlite_master m JOIN pragma_table_info(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
          ORDER BY m.name, p.cid`,
      )
      .toArray();
  });
}

describe("data map against the live schemas", () => {
  for (const { binding, db, store } of DATABASES) {
    it(`classifies every table and column of ${binding} (store "${store}"), and nothing that is gone`, async () => {
      const live = (await liveColumns(db)).map((c) => key(c.table, c.column));
      expect(live.length).toBeGreaterThan(0);
      const mapped = mappedKeys(store);
      const unclassified = live.filter((k) => !mapped.includes(k));
      const stale = mapped.filter((k) => !live.includes(k));
      expect(unclassified, `columns of ${binding} missing from DATA_MAP (store "${store}")`).toEqual([]);
      expect(stale, `DATA_MAP entries (store "${store}") that ${binding} no longer has`).toEqual([]);
    });
  }

  it('classifies every table and column of a building room\'s SQLite (store "room")', async () => {
    const live = (await roomColumns()).map((c) => key(c.table, c.column));
    const mapped = mappedKeys("room");
    expect(
      live.filter((k) => !mapped.includes(k)),
      "room columns missing from DATA_MAP",
    ).toEqual([]);
    expect(
      mapped.filter((k) => !live.includes(k)),
      "room map entries the room does not have",
    ).toEqual([]);
  });

  it("DB_CH and DB_EU have identical schemas (tables, columns, indexes, triggers)", async () => {
    expect(await liveColumns(env.DB_EU)).toEqual(await liveColumns(env.DB_CH));
    expect(await liveSchemaObjects(env.DB_EU)).toEqual(await liveSchemaObjects(env.DB_CH));
  });

  it("the record of processing covers 100 % of the live columns", async () => {
    const record = processingRecord();
    const recorded = new Set(record.map((r) => `${r.store}:${key(r.table, r.column)}`));
    const live = new Set<string>();
    for (const { db, store } of DATABASES) {
      for (const c of await liveColumns(db)) live.add(`${store}:${key(c.table, c.column)}`);
    }
    for (const c of await roomColumns()) live.add(`room:${key(c.table, c.column)}`);
    const covered = [...live].filter((k) => recorded.has(k));
    const percent = live.size === 0 ? 0 : (covered.length / live.size) * 100;
    console.log(`record of processing: ${covered.length}/${live.size} live columns (${percent.toFixed(1)} %)`);
    expect([...live].filter((k) => !recorded.has(k))).toEqual([]);
    expect(percent).toBe(100);
    // Every record row is complete enough to print.
    for (const r of record) {
      expect(r.purpose.trim(), `${r.table}.${r.column}`).not.toBe("");
      expect(r.retention.trim(), `${r.table}.${r.column}`).not.toBe("");
    }
  });
});

describe("data map is well-formed", () => {
  it("names every table once", () => {
    const names = DATA_MAP.map((t) => `${t.store}:${t.table}`);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("gives every column a purpose, a retention and a valid category, basis and erasure", () => {
    const problems: string[] = [];
    for (const t of DATA_MAP) {
      if (!t.description.trim()) problems.push(`${t.table}: no description`);
      for (const [name, c] of columnsOf(t)) {
        const at = `${t.table}.${name}`;
        if (!c.purpose?.trim()) problems.push(`${at}: empty purpose`);
        if (!c.retention?.trim()) problems.push(`${at}: empty retention`);
        if (!Object.hasOwn(CATEGORIES, c.category)) problems.push(`${at}: unknown category ${c.category}`);
        if (!Object.hasOwn(BASES, c.basis)) problems.push(`${at}: unknown basis ${c.basis}`);
        if (!Object.hasOwn(ERASURES, c.erasure)) problems.push(`${at}: unknown erasure ${c.erasure}`);
        if (typeof c.personal !== "boolean") problems.push(`${at}: personal is not a boolean`);
        if (c.erasure === "random" && !(c.random && Object.hasOwn(RANDOM_KINDS, c.random))) {
          problems.push(`${at}: random erasure without a valid random kind`);
        }
        if (c.erasure !== "random" && c.random !== undefined)
          problems.push(`${at}: random kind without random erasure`);
        if (c.erasure === "set" && !c.setTo) problems.push(`${at}: set erasure without setTo`);
        if (c.erasure !== "set" && c.setTo !== undefined) problems.push(`${at}: setTo without set erasure`);
        if (c.personal && c.basis === "none") problems.push(`${at}: personal data needs a legal basis`);
        if (!c.personal && ["random", "null", "set"].includes(c.erasure)) {
          problems.push(`${at}: erasure changes a column that is not personal`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("links every table with personal columns to a person (subject or via), or documents why not", () => {
    const problems: string[] = [];
    for (const t of DATA_MAP) {
      const cols = columnsOf(t);
      const personal = cols.some(([, c]) => c.personal);
      const ways = [
        t.subject !== undefined || t.subjectEmail !== undefined,
        t.via !== undefined,
        (t.noSubject ?? "").trim() !== "",
      ];
      if (ways.filter(Boolean).length > 1) problems.push(`${t.table}: choose one of subject, via, noSubject`);
      if (personal && !ways.some(Boolean))
        problems.push(`${t.table}: personal columns but no subject, via or noSubject`);
      if (t.subject !== undefined && !(t.subject in t.columns)) problems.push(`${t.table}: subject is not a column`);
      // Erasure and export scope their statements by customer as well as by person.
      if ((t.subject || t.via) && t.store === "region" && !("customer_id" in t.columns)) {
        problems.push(`${t.table}: linked to a person but has no customer_id`);
      }
      // A row-deleting erasure only runs for tables that name the person.
      if (t.subjectEmail !== undefined && !(t.subjectEmail in t.columns))
        problems.push(`${t.table}: subjectEmail is not a column`);
      if (cols.some(([, c]) => c.erasure === "delete-row") && t.subject === undefined && t.subjectEmail === undefined) {
        problems.push(`${t.table}: delete-row erasure without a subject never runs`);
      }
      if (t.via) {
        const through = DATA_MAP.find((x) => x.store === t.store && x.table === t.via?.table);
        if (!through?.subject) problems.push(`${t.table}: via ${t.via.table}, which has no subject`);
        else if (!(t.via.key in through.columns)) problems.push(`${t.table}: via key ${t.via.key} is not a column`);
        if (!(t.via.column in t.columns)) problems.push(`${t.table}: via column is not a column`);
        // Shared rows: erasure of one person never changes them.
        for (const [name, c] of cols) {
          if (c.erasure !== "keep")
            problems.push(`${t.table}.${name}: reached via another table but erasure is not keep`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("the directory holds no personal data", () => {
    const personal = tablesOf("directory").flatMap((t) =>
      columnsOf(t)
        .filter(([, c]) => c.personal)
        .map(([n]) => `${t.table}.${n}`),
    );
    expect(personal).toEqual([]);
  });
});
