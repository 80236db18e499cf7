import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdColumn, customerColumn, idColumn, orgColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";

export const MASTER_DATA_ENTITIES = [
  "property",
  "group",
  "unit",
  "utilisation-period",
  "user",
  "registration-code",
] as const;
export type MasterDataEntity = (typeof MASTER_DATA_ENTITIES)[number];

export const MASTER_DATA_ACTIONS = ["created", "updated", "deleted", "checked-in", "checked-out"] as const;
export type MasterDataAction = (typeof MASTER_DATA_ACTIONS)[number];

/**
 * The outbox of master-data changes (R-I3): one row per change, written in the same D1 batch as the
 * change itself, so a change and its event are stored together or not at all. Webhook delivery reads
 * it; it holds ids only — the payload is read fresh at delivery time, so a restricted or erased person
 * is never sent.
 */
export const masterDataChanges = sqliteTable(
  "master_data_changes",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    entity: text("entity", { enum: MASTER_DATA_ENTITIES }).notNull(),
    action: text("action", { enum: MASTER_DATA_ACTIONS }).notNull(),
    objectId: text("object_id").notNull(),
    /** A second object the change is about (the user checked into a utilisation period). */
    relatedId: text("related_id"),
    occurredAt: integer("occurred_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("master_data_changes_customer_idx").on(t.customerId, t.occurredAt),
    // The purge deletes by age alone, across customers.
    index("master_data_changes_occurred_idx").on(t.occurredAt),
  ],
);
export type MasterDataChangeRow = typeof masterDataChanges.$inferSelect;

export const masterDataChangesMap = tableMap({
  table: "master_data_changes",
  store: "region",
  description: "Outbox of master-data changes for webhooks (ids only)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    entity: orgColumn("Which kind of record changed"),
    action: orgColumn("What happened to it"),
    object_id: { ...idColumn, purpose: "The record that changed (may be a person's id)" },
    related_id: { ...idColumn, purpose: "A second record of the change (may be a person's id)" },
    occurred_at: { ...createdColumn, retention: "30 days, then purged" },
  },
});
