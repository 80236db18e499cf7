import { runInDurableObject } from "cloudflare:test";
import type { BuildingRoom } from "../../durable-objects/building-room";
import type { World } from "./factories";
import { type Row, rowsOfCustomer } from "./scan";
import { roomStub } from "./ws";

/** Backup-restore stand-ins for the erasure-ledger replay tests (R-P4): snapshot and restore. */

/** Every row of every SQL table of a room. */
export const roomSnapshot = (w: World, b: string) =>
  runInDurableObject(roomStub(w, b), (_: BuildingRoom, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .toArray();
    return tables.map((t) => ({ table: t.name, rows: state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray() }));
  });

/** "Restores" a room to a snapshot (as point-in-time recovery would). */
export const restoreRoom = (w: World, b: string, snap: Awaited<ReturnType<typeof roomSnapshot>>) =>
  runInDurableObject(roomStub(w, b), (_: BuildingRoom, state) => {
    state.storage.transactionSync(() => {
      for (const { table, rows } of snap) {
        state.storage.sql.exec(`DELETE FROM "${table}"`);
        for (const row of rows) {
          const cols = Object.keys(row);
          state.storage.sql.exec(
            `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
            ...cols.map((c) => row[c]),
          );
        }
      }
    });
  });

/** "Restores" the customer's rows of a D1 database to a snapshot (as Time Travel would). */
export async function restoreD1(db: D1Database, customerId: string, snap: Row[]) {
  const now = await rowsOfCustomer(db, customerId);
  const stmts: D1PreparedStatement[] = [db.prepare("PRAGMA defer_foreign_keys = ON")];
  for (const table of [...new Set(now.map((r) => r.table))]) {
    const key = table === "customers" ? "id" : "customer_id";
    stmts.push(db.prepare(`DELETE FROM "${table}" WHERE "${key}" = ?1`).bind(customerId));
  }
  for (const { table, row } of snap) {
    const cols = Object.keys(row);
    stmts.push(
      db
        .prepare(
          `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
        )
        .bind(...cols.map((c) => row[c] as unknown)),
    );
  }
  await db.batch(stmts);
}
