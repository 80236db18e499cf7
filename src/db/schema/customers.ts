import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdColumn, customerColumn, idColumn, orgColumn, tableMap } from "../../privacy/classification";

import { LOCALES } from "../../shared/locales";

export { LOCALES, type Locale } from "../../shared/locales";
export const JURISDICTIONS = ["ch", "eu"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** A property management company or asset manager (R-T1). Lives in one jurisdiction (R-T2). */
export const customers = sqliteTable("customers", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  jurisdiction: text("jurisdiction", { enum: JURISDICTIONS }).notNull(),
  locale: text("locale", { enum: LOCALES }).notNull(),
  allowNeighbourInvites: integer("allow_neighbour_invites", { mode: "boolean" }).notNull().default(true),
  /** Days after the end of a person's last tenancy before their account is anonymised (0–365, decision 0031). */
  tenancyEndGraceDays: integer("tenancy_end_grace_days").notNull().default(30),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});
export type Customer = typeof customers.$inferSelect;

export const MICRO_APPS = [
  "pinboard",
  "announcements",
  "service-center",
  "information",
  "my-apartment",
  "business-directory",
  "bookings",
  "my-neighbours",
  "marketplace",
  "sharing",
] as const;
export type MicroApp = (typeof MICRO_APPS)[number];

/**
 * Which micro-apps a customer offers and what they are called (R-T3). A row with a property id
 * overrides the customer-wide row for that property.
 */
export const microApps = sqliteTable(
  "micro_apps",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    propertyId: text("property_id"),
    appKey: text("app_key", { enum: MICRO_APPS }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    customName: text("custom_name"),
  },
  (t) => [
    uniqueIndex("micro_apps_scope_uq").on(t.customerId, t.propertyId, t.appKey),
    index("micro_apps_customer_idx").on(t.customerId),
  ],
);

export const customersMap = tableMap({
  table: "customers",
  store: "region",
  description: "Customers (property management companies)",
  columns: {
    id: idColumn,
    slug: orgColumn("App host name"),
    name: orgColumn("Company name shown to residents"),
    jurisdiction: orgColumn("Data residency and applicable law"),
    locale: orgColumn("Default language of letters and mails"),
    allow_neighbour_invites: orgColumn("Whether residents may invite neighbours"),
    tenancy_end_grace_days: orgColumn("Grace period before accounts of ended tenancies are anonymised"),
    created_at: createdColumn,
  },
});

export const microAppsMap = tableMap({
  table: "micro_apps",
  store: "region",
  description: "Micro-apps enabled per customer or property, with custom names",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    property_id: orgColumn("Property override"),
    app_key: orgColumn("Which micro-app"),
    enabled: orgColumn("Whether it is offered"),
    custom_name: orgColumn("Name chosen by the customer"),
  },
});
