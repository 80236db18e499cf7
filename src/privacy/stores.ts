import type { Jurisdiction } from "../db/schema/customers";
import type { RegionStores } from "../region";
import type { ColumnClass, TableMap } from "./classification";
import { tablesOf } from "./datamap";
import { randomValue } from "./random-value";

export { randomValue };

/** The person whose data is exported or erased. */
export interface Subject {
  customerId: string;
  userId: string;
  jurisdiction: Jurisdiction;
}

export interface StoreExport {
  store: string;
  /** Table (or room collection) → rows about the subject, personal columns only plus ids. */
  tables: Record<string, Record<string, unknown>[]>;
}

export interface StoreErasure {
  store: string;
  rowsDeleted: number;
  rowsAnonymised: number;
}

/**
 * The one interface every store implements for "export this person's data" and "erase this
 * person's data": the jurisdiction's D1 database (below), each building room (room issue) and the
 * file bucket. The privacy center's export and erasure jobs visit every store through it; erasure
 * must be idempotent so a failed store can be retried.
 */
export interface PersonalDataStore {
  readonly name: string;
  exportPerson(subject: Subject): Promise<StoreExport>;
  erasePerson(subject: Subject): Promise<StoreErasure>;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A table whose rows name the person: by user id (`subject`) or by e-mail address (`subjectEmail`). */
type SubjectTable = TableMap;

/**
 * Columns an export shows: the row id and every personal column except credentials. Password and
 * token hashes tell the person nothing and would only be attack material in a downloaded file.
 */
function exportColumns(t: TableMap): string[] {
  return Object.entries(t.columns)
    .filter(([name, c]) => name === "id" || (c.personal && c.category !== "credential"))
    .map(([name]) => ident(name));
}

/** The D1 store of one jurisdiction, driven entirely by the data map. */
export function d1PersonalDataStore(db: D1Database, jurisdiction: Jurisdiction): PersonalDataStore {
  const region = tablesOf("region");
  // Rows found by e-mail come first: erasure replaces the account's address later in the same batch.
  const tables = [
    ...region.filter((t) => t.subject === undefined && t.subjectEmail !== undefined),
    ...region.filter((t) => t.subject !== undefined),
  ];
  const where = (t: SubjectTable) =>
    t.subject !== undefined
      ? `${ident(t.subject)} = ?1 AND "customer_id" = ?2`
      : `${ident(t.subjectEmail ?? "")} = (SELECT "email" FROM "users" WHERE "id" = ?1 AND "customer_id" = ?2) AND "customer_id" = ?2`;
  // Shared rows reached through a table that names the person (tenancies through tenancy_members).
  const linked = region.flatMap((t) => {
    if (!t.via) return [];
    const through = tables.find((x) => x.table === t.via?.table);
    if (!through) throw new Error(`data map: ${t.table} is linked via ${t.via.table}, which has no subject`);
    const sub = `SELECT ${ident(t.via.key)} FROM ${ident(through.table)} WHERE ${where(through)}`;
    return [{ t, where: `${ident(t.via.column)} IN (${sub}) AND "customer_id" = ?2` }];
  });
  return {
    name: `d1:${jurisdiction}`,
    async exportPerson(s) {
      const out: StoreExport = { store: `d1:${jurisdiction}`, tables: {} };
      const queries = [...tables.map((t) => ({ t, where: where(t) })), ...linked];
      for (const q of queries) {
        const { results } = await db
          .prepare(`SELECT ${exportColumns(q.t).join(", ")} FROM ${ident(q.t.table)} WHERE ${q.where}`)
          .bind(s.userId, s.customerId)
          .all<Record<string, unknown>>();
        out.tables[q.t.table] = results;
      }
      return out;
    },
    async erasePerson(s) {
      const stmts: { kind: "delete" | "update"; stmt: D1PreparedStatement }[] = [];
      for (const t of tables) {
        const cols = Object.entries(t.columns) as [string, ColumnClass][];
        if (cols.some(([, c]) => c.erasure === "delete-row")) {
          const stmt = db.prepare(`DELETE FROM ${ident(t.table)} WHERE ${where(t)}`).bind(s.userId, s.customerId);
          stmts.push({ kind: "delete", stmt });
          continue;
        }
        const sets = cols.filter(([, c]) => c.erasure === "random" || c.erasure === "null" || c.erasure === "set");
        if (sets.length === 0) continue;
        const values = sets.map(([, c]) =>
          c.erasure === "null" ? null : c.erasure === "set" ? (c.setTo ?? null) : randomValue(c.random ?? "text"),
        );
        const assign = sets.map(([name], i) => `${ident(name)} = ?${i + 3}`).join(", ");
        const stmt = db
          .prepare(`UPDATE ${ident(t.table)} SET ${assign} WHERE ${where(t)}`)
          .bind(s.userId, s.customerId, ...values);
        stmts.push({ kind: "update", stmt });
      }
      // One batch is one transaction: erasure of the D1 store is all or nothing, and safe to repeat.
      const results = await db.batch(stmts.map((x) => x.stmt));
      let rowsDeleted = 0;
      let rowsAnonymised = 0;
      for (const [i, r] of results.entries()) {
        if (stmts[i]?.kind === "delete") rowsDeleted += r.meta.changes;
        else rowsAnonymised += r.meta.changes;
      }
      return { store: `d1:${jurisdiction}`, rowsDeleted, rowsAnonymised };
    },
  };
}

/**
 * The store of one building room, reached over RPC through the region adapter's namespace. The
 * privacy jobs visit one per room of the person's participation (D1 room_participation).
 */
export function roomPersonalDataStore(rooms: ReturnType<RegionStores["rooms"]>, buildingId: string): PersonalDataStore {
  const name = `room:${buildingId}`;
  const room = () => rooms.getByName(buildingId);
  return {
    name,
    async exportPerson(s) {
      const tables = (await room().exportPerson(s.userId)) as Record<string, Record<string, unknown>[]>;
      return { store: name, tables };
    },
    async erasePerson(s) {
      const r = await room().erasePerson(s.userId);
      return { store: name, rowsDeleted: 0, rowsAnonymised: r.events };
    },
  };
}
