import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { users } from "./people";

/**
 * Data exports (R-P2): one row per ZIP built for a person. The ZIP lives in the region's R2 bucket
 * under `object_key`; only the SHA-256 of the download token is stored. The purge deletes object and
 * row once `expires_at` has passed (7 days).
 */
export const dataExports = sqliteTable(
  "data_exports",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    objectKey: text("object_key").notNull(),
    tokenHash: text("token_hash").notNull(),
    size: integer("size").notNull(),
  },
  (t) => [index("data_exports_user_idx").on(t.userId), index("data_exports_expires_idx").on(t.expiresAt)],
);
export type DataExport = typeof dataExports.$inferSelect;

// Every column goes with the row on erasure: an export is the person's alone.
const gone = (c: ColumnClass): ColumnClass => ({ ...c, erasure: "delete-row" });
const exportRecord: ColumnClass = {
  category: "technical",
  purpose: "Offering the person their data export for download",
  basis: "legal-obligation",
  retention: "7 days, then purged with the file",
  erasure: "delete-row",
  personal: true,
};

export const dataExportsMap = tableMap({
  table: "data_exports",
  store: "region",
  subject: "user_id",
  description: "Data exports a person asked for (the ZIP itself is in R2 until it expires)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: gone({ ...idColumn, purpose: "The person the export belongs to", personal: true }),
    created_at: gone({ ...createdColumn, personal: true }),
    expires_at: exportRecord,
    object_key: { ...exportRecord, purpose: "Where the ZIP is stored (ids only)" },
    token_hash: {
      category: "credential",
      purpose: "Hash of the download token, to recognise it without storing it",
      basis: "legal-obligation",
      retention: "7 days, then purged with the file",
      erasure: "delete-row",
      personal: true,
    },
    size: { ...exportRecord, purpose: "Size of the ZIP, shown in the list of exports" },
  },
});
