import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdColumn, idColumn, orgColumn, tableMap } from "../../privacy/classification";

/**
 * The directory database: maps an app slug to its customer and jurisdiction so a request knows which
 * regional store to use before it reads anything. It holds no personal data.
 */
export const apps = sqliteTable(
  "apps",
  {
    slug: text("slug").primaryKey(),
    customerId: text("customer_id").notNull(),
    jurisdiction: text("jurisdiction", { enum: ["ch", "eu"] }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("apps_customer_idx").on(t.customerId)],
);
export type App = typeof apps.$inferSelect;

export const appsMap = tableMap({
  table: "apps",
  store: "directory",
  description: "App slug to customer and jurisdiction (routing only)",
  columns: {
    slug: orgColumn("Host name of the customer's app"),
    customer_id: { ...idColumn, purpose: "Routing to the customer" },
    jurisdiction: orgColumn("Which regional store holds the customer's data"),
    created_at: createdColumn,
  },
});
