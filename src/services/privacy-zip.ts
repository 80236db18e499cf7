import { strToU8, type Zippable, zipSync } from "fflate";
import type { Category, Store } from "../privacy/classification";
import type { StoreExport } from "../privacy/stores";
import { classOf, heldValues, type PersonData } from "./privacy-data";

/** A file of the person's in R2 (uploads, once they exist), added under `files/`. */
export interface PersonFile {
  name: string;
  bytes: Uint8Array;
}

export const EXPORT_FORMAT_VERSION = 1;

/** One row of the data map per exported column, so the file explains itself (Art. 15(1) metadata). */
function dataMapRows(store: Store, data: StoreExport) {
  const rows: { store: Store; table: string; column: string }[] = [];
  for (const [table, records] of Object.entries(data.tables)) {
    const columns = new Set(records.flatMap((r) => Object.keys(r)));
    for (const column of [...columns].sort()) {
      const c = classOf(store, table, column);
      if (c) rows.push({ store, table, column, ...c });
    }
  }
  return rows;
}

const json = (v: unknown) => strToU8(JSON.stringify(v, null, 2));

/**
 * The export ZIP (R-P2): `manifest.json`, `database.json` (the jurisdiction's D1 rows),
 * `rooms/<buildingId>.json` per room of the person's participation and `files/…`. JSON, UTF-8.
 */
export function buildExportZip(data: PersonData, files: PersonFile[]): Uint8Array {
  const categories = new Set<Category>();
  for (const v of heldValues("region", data.database)) categories.add(v.class.category);
  for (const r of data.rooms) for (const v of heldValues("room", r.data)) categories.add(v.class.category);
  const manifest = {
    format: "quartier-export",
    version: EXPORT_FORMAT_VERSION,
    generatedAt: data.generatedAt.toISOString(),
    personId: data.subject.userId,
    customerId: data.subject.customerId,
    jurisdiction: data.subject.jurisdiction,
    stores: [
      { store: data.database.store, kind: "regional-database", file: "database.json" },
      ...data.rooms.map((r) => ({
        store: r.data.store,
        kind: "building-room",
        buildingId: r.buildingId,
        buildingName: r.buildingName,
        file: `rooms/${r.buildingId}.json`,
      })),
      ...(files.length ? [{ store: "files", kind: "file-bucket", file: "files/" }] : []),
    ],
    categories: [...categories].sort(),
    // Every room has the same tables: one data-map row per column, however many rooms.
    dataMap: [
      ...new Map(
        [dataMapRows("region", data.database), ...data.rooms.map((r) => dataMapRows("room", r.data))]
          .flat()
          .map((row) => [`${row.store}:${row.table}.${row.column}`, row] as const),
      ).values(),
    ],
  };
  const zip: Zippable = {
    "manifest.json": json(manifest),
    "database.json": json({ store: data.database.store, tables: data.database.tables }),
  };
  for (const r of data.rooms) {
    zip[`rooms/${r.buildingId}.json`] = json({ buildingId: r.buildingId, store: r.data.store, tables: r.data.tables });
  }
  for (const f of files) zip[`files/${f.name}`] = f.bytes;
  return zipSync(zip, { level: 6 });
}
