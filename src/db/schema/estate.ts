import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdColumn, customerColumn, idColumn, orgColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";

/** Properties, buildings and units (R-T1). Organisation data: no personal values. */
export const properties = sqliteTable(
  "properties",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    externalId: text("external_id"),
    /** IANA time zone of the property (Allthings `timezone`). */
    timezone: text("timezone").notNull().default("Europe/Zurich"),
    label: text("label"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("properties_customer_idx").on(t.customerId),
    uniqueIndex("properties_external_uq").on(t.customerId, t.externalId),
  ],
);
export type Property = typeof properties.$inferSelect;

export const buildings = sqliteTable(
  "buildings",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    propertyId: text("property_id")
      .notNull()
      .references(() => properties.id),
    name: text("name").notNull(),
    street: text("street").notNull(),
    postalCode: text("postal_code").notNull(),
    city: text("city").notNull(),
    country: text("country").notNull(),
    externalId: text("external_id"),
    /** House number when an integrator sends it apart (Allthings `address.houseNumber`); `street` holds both. */
    houseNumber: text("house_number"),
    /** The managing company's id in the integrator's model (Allthings `propertyManagerID`), opaque. */
    propertyManagerId: text("property_manager_id"),
    description: text("description"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("buildings_customer_idx").on(t.customerId),
    index("buildings_property_idx").on(t.propertyId),
    uniqueIndex("buildings_external_uq").on(t.customerId, t.externalId),
  ],
);
export type Building = typeof buildings.$inferSelect;

export const UNIT_TYPES = ["flat", "shop", "parking", "storage", "other"] as const;

export const units = sqliteTable(
  "units",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    name: text("name").notNull(),
    type: text("type", { enum: UNIT_TYPES }).notNull(),
    floor: text("floor"),
    externalId: text("external_id"),
    /** Allthings `objectType` (kebab-case, e.g. `flat`, `parking-space`), null when not given. */
    objectType: text("object_type"),
    /** Floor area in m² (Allthings `size`). */
    size: real("size"),
    /** Rented or owned (Allthings unit `type`). */
    tenure: text("tenure", { enum: ["rented", "owned"] })
      .notNull()
      .default("rented"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("units_building_idx").on(t.buildingId),
    index("units_customer_idx").on(t.customerId),
    uniqueIndex("units_external_uq").on(t.customerId, t.externalId),
  ],
);
export type Unit = typeof units.$inferSelect;

export const propertiesMap = tableMap({
  table: "properties",
  store: "region",
  description: "Properties of a customer",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    name: orgColumn("Property name"),
    external_id: orgColumn("Key in the customer's ERP"),
    timezone: orgColumn("Time zone of the property"),
    label: orgColumn("Short label of the property"),
    created_at: createdColumn,
  },
});

export const buildingsMap = tableMap({
  table: "buildings",
  store: "region",
  description: "Buildings with their address; also the registry of building rooms",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    property_id: orgColumn("Property the building belongs to"),
    name: orgColumn("Building name"),
    street: orgColumn("Building address (not a person's)"),
    postal_code: orgColumn("Building address"),
    city: orgColumn("Building address"),
    country: orgColumn("Building address"),
    external_id: orgColumn("Key in the customer's ERP"),
    house_number: orgColumn("Building address (house number)"),
    property_manager_id: orgColumn("Managing company's key in the integrator's model"),
    description: orgColumn("Description of the building"),
    created_at: createdColumn,
  },
});

export const unitsMap = tableMap({
  table: "units",
  store: "region",
  description: "Units (flats, shops, parking) of a building",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    building_id: orgColumn("Building of the unit"),
    name: orgColumn("Unit label, e.g. 3.2 left"),
    type: orgColumn("Kind of unit"),
    floor: orgColumn("Floor"),
    external_id: orgColumn("Key in the customer's ERP"),
    object_type: orgColumn("Allthings object type of the unit"),
    size: orgColumn("Floor area"),
    tenure: orgColumn("Rented or owned"),
    created_at: createdColumn,
  },
});
