import { and, eq, inArray } from "drizzle-orm";
import type { Deps } from "../app-env";
import { buildings } from "../db/schema/estate";
import { roomParticipation } from "../db/schema/rooms";
import type { ColumnClass, Store } from "../privacy/classification";
import { DATA_MAP } from "../privacy/datamap";
import { d1PersonalDataStore, roomPersonalDataStore, type StoreExport, type Subject } from "../privacy/stores";
import type { Actor } from "./actor";

/**
 * Everything held about one person, gathered store by store through the PersonalDataStore interface:
 * the jurisdiction's D1 database and every building room of the person's participation (also rooms of
 * buildings they have left: participation is kept after the tenancy ends). "See my data" and the
 * export both read this one gathering, so they cannot disagree.
 */
export interface PersonData {
  subject: Subject;
  generatedAt: Date;
  database: StoreExport;
  rooms: { buildingId: string; buildingName: string | null; data: StoreExport }[];
}

export const subjectOf = (actor: Actor, deps: Deps): Subject => ({
  customerId: actor.customerId,
  userId: actor.userId,
  jurisdiction: deps.stores.jurisdiction,
});

export async function gatherPersonData(deps: Deps, subject: Subject): Promise<PersonData> {
  const generatedAt = deps.now();
  const database = await d1PersonalDataStore(deps.stores.db, subject.jurisdiction).exportPerson(subject);
  const rooms = await participationOf(deps, subject);
  const out: PersonData["rooms"] = [];
  // One room at a time: a heavy user's rooms would otherwise all answer at once into one isolate.
  for (const r of rooms) {
    const data = await roomPersonalDataStore(deps.stores.rooms(), r.buildingId).exportPerson(subject);
    out.push({ ...r, data });
  }
  return { subject, generatedAt, database, rooms: out };
}

async function participationOf(deps: Deps, s: Subject) {
  const rows = await deps.db
    .select({ buildingId: roomParticipation.buildingId })
    .from(roomParticipation)
    .where(and(eq(roomParticipation.userId, s.userId), eq(roomParticipation.customerId, s.customerId)))
    .orderBy(roomParticipation.buildingId);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.buildingId);
  const names = new Map<string, string>();
  // Bounded: D1 takes at most 100 bound parameters per statement.
  for (let i = 0; i < ids.length; i += 90) {
    const found = await deps.db
      .select({ id: buildings.id, name: buildings.name })
      .from(buildings)
      .where(and(inArray(buildings.id, ids.slice(i, i + 90)), eq(buildings.customerId, s.customerId)));
    for (const b of found) names.set(b.id, b.name);
  }
  return ids.map((buildingId) => ({ buildingId, buildingName: names.get(buildingId) ?? null }));
}

const CLASSES = new Map<string, ColumnClass>(
  DATA_MAP.flatMap((t) => Object.entries(t.columns).map(([c, k]) => [`${t.store}:${t.table}.${c}`, k] as const)),
);

/** The data map's class of a column (table names are unique across stores; the data-map test checks it). */
export function classOf(store: Store, table: string, column: string): ColumnClass | undefined {
  return CLASSES.get(`${store}:${table}.${column}`);
}

export interface HeldValue {
  store: Store;
  table: string;
  column: string;
  /** The row's id (or sequence number) so the person can tell rows apart; not itself a held value. */
  rowId: string | number | null;
  value: unknown;
  class: ColumnClass;
}

/**
 * Every value of the gathered rows with its class. Row keys (`id`, `seq`) identify the row and are
 * only listed where the data map marks them personal; empty (null) columns hold nothing.
 */
export function heldValues(store: Store, data: StoreExport): HeldValue[] {
  const out: HeldValue[] = [];
  for (const [table, rows] of Object.entries(data.tables)) {
    for (const row of rows) {
      const rowId = (row.id ?? row.seq ?? null) as string | number | null;
      for (const [column, value] of Object.entries(row)) {
        const c = classOf(store, table, column);
        if (!c?.personal || value === null || value === undefined) continue;
        out.push({ store, table, column, rowId, value, class: c });
      }
    }
  }
  return out;
}
