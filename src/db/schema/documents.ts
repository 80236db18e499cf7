import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { buildings, units } from "./estate";
import { tenancies } from "./people";

/** R-M4 building documents and R-M5 unit documents share one table; `scope` tells them apart. */
export const DOCUMENT_SCOPES = ["building", "unit"] as const;
export const BUILDING_DOC_CATEGORIES = ["house-rules", "cleaning-plan", "building-plan", "appointment"] as const;
export const UNIT_DOC_CATEGORIES = ["contract", "protocol", "other"] as const;
export const DOCUMENT_CATEGORIES = [...BUILDING_DOC_CATEGORIES, ...UNIT_DOC_CATEGORIES] as const;
export const DOCUMENT_TARGETS = ["building", "property"] as const;

/**
 * Documents. A building document is published to buildings (`document_buildings`, resolved at
 * publication like announcements). A unit document belongs to one tenancy of the unit (decision 0022):
 * only that tenancy's members see it, and only while the tenancy is current; the next tenancy of the
 * same unit never does. The file itself is a `files` row attached to the document.
 */
export const documents = sqliteTable(
  "documents",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    scope: text("scope", { enum: DOCUMENT_SCOPES }).notNull(),
    category: text("category", { enum: DOCUMENT_CATEGORIES }).notNull(),
    title: text("title").notNull(),
    fileId: text("file_id").notNull(),
    /** Building documents: what the manager chose (buildings or one property). */
    targetType: text("target_type", { enum: DOCUMENT_TARGETS }),
    targetIds: text("target_ids", { mode: "json" }).$type<string[]>(),
    /** Unit documents: the unit and the tenancy whose residents see it. */
    unitId: text("unit_id").references(() => units.id),
    tenancyId: text("tenancy_id").references(() => tenancies.id),
    createdBy: text("created_by").notNull(),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("documents_customer_idx").on(t.customerId, t.createdAt),
    index("documents_tenancy_idx").on(t.tenancyId),
    index("documents_unit_idx").on(t.unitId),
  ],
);
export type DocumentRow = typeof documents.$inferSelect;

export const documentBuildings = sqliteTable(
  "document_buildings",
  {
    documentId: text("document_id")
      .notNull()
      .references(() => documents.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
  },
  (t) => [
    primaryKey({ columns: [t.documentId, t.buildingId] }),
    index("document_buildings_building_idx").on(t.buildingId),
  ],
);

const doc = (purpose: string, personal = false): ColumnClass => ({
  category: "organisation",
  purpose,
  basis: "contract",
  retention: "Until the customer deletes the document (unit documents: tenancy plus legal retention)",
  erasure: "keep",
  personal,
});

export const documentsMap = tableMap({
  table: "documents",
  store: "region",
  // A unit document (contract, handover protocol) is about the tenancy and the customer's record: the
  // tenancy's members see it in their export (R-P1), and one member's erasure never changes it.
  via: { column: "tenancy_id", table: "tenancy_members", key: "tenancy_id" },
  description: "Building documents (R-M4) and unit documents of a tenancy (R-M5)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    scope: doc("Building or unit document"),
    category: doc("Category (house rules, cleaning plan, contract, ...)"),
    title: doc("Title given by the manager", true),
    file_id: doc("The stored file"),
    target_type: doc("Buildings or a property (building documents)"),
    target_ids: doc("The chosen buildings or property"),
    unit_id: { ...doc("The unit (unit documents)", true), category: "tenancy" },
    tenancy_id: { ...doc("The tenancy whose residents see it", true), category: "tenancy" },
    created_by: { ...doc("The manager who published it", true), category: "identifier" },
    deleted_at: doc("When the manager deleted it"),
    created_at: createdColumn,
  },
});

export const documentBuildingsMap = tableMap({
  table: "document_buildings",
  store: "region",
  description: "Buildings a building document was published to",
  columns: {
    document_id: idColumn,
    building_id: idColumn,
    customer_id: customerColumn,
  },
});
