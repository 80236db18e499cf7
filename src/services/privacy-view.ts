import type { Category } from "../privacy/classification";
import { heldValues, type PersonData } from "./privacy-data";

/** Where a value is stored, in words the person can follow (R-P1: "where it is stored and why"). */
export type Location =
  | { kind: "regional-database"; jurisdiction: string; table: string }
  | { kind: "building-room"; buildingId: string; buildingName: string | null; table: string };

export interface ViewItem {
  location: Location;
  column: string;
  rowId: string | number | null;
  value: unknown;
  purpose: string;
  basis: string;
  retention: string;
}

export interface MyDataView {
  generatedAt: string;
  userId: string;
  categories: { category: Category; items: ViewItem[] }[];
}

/** "See my data": every personal value held, grouped by data-map category, with purpose, basis and retention. */
export function viewOf(data: PersonData): MyDataView {
  const groups = new Map<Category, ViewItem[]>();
  const add = (location: Location, v: ReturnType<typeof heldValues>[number]) => {
    const items = groups.get(v.class.category) ?? [];
    items.push({
      location,
      column: v.column,
      rowId: v.rowId,
      value: v.value,
      purpose: v.class.purpose,
      basis: v.class.basis,
      retention: v.class.retention,
    });
    groups.set(v.class.category, items);
  };
  for (const v of heldValues("region", data.database)) {
    add({ kind: "regional-database", jurisdiction: data.subject.jurisdiction, table: v.table }, v);
  }
  for (const r of data.rooms) {
    for (const v of heldValues("room", r.data)) {
      add({ kind: "building-room", buildingId: r.buildingId, buildingName: r.buildingName, table: v.table }, v);
    }
  }
  return {
    generatedAt: data.generatedAt.toISOString(),
    userId: data.subject.userId,
    categories: [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, items]) => ({ category, items })),
  };
}
