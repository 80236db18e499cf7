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

/**
 * OAuth2 client id → customer and jurisdiction, so the token endpoint knows which regional store holds
 * the client before it reads anything. The client record itself (name, scopes, secret hash) lives in
 * the customer's regional database. No personal data.
 */
export const apiClientRoutes = sqliteTable(
  "api_client_routes",
  {
    clientId: text("client_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    jurisdiction: text("jurisdiction", { enum: ["ch", "eu"] }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("api_client_routes_customer_idx").on(t.customerId)],
);

export const apiClientRoutesMap = tableMap({
  table: "api_client_routes",
  store: "directory",
  description: "OAuth2 client id to customer and jurisdiction (routing only), kept as long as the client",
  columns: {
    client_id: { ...idColumn, purpose: "The OAuth2 client id" },
    customer_id: { ...idColumn, purpose: "Routing to the customer" },
    jurisdiction: orgColumn("Which regional store holds the client"),
    created_at: createdColumn,
  },
});
