import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers, LOCALES } from "./customers";
import { units } from "./estate";

/** Accounts. One account belongs to one customer (its app); e-mail is unique per customer. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    locale: text("locale", { enum: LOCALES }).notNull(),
    status: text("status", { enum: ["pending", "active", "disabled", "erased"] }).notNull(),
    emailVerifiedAt: integer("email_verified_at", { mode: "timestamp_ms" }),
    /** The person's key in the customer's ERP (Allthings `externalId`), unique per customer. */
    externalId: text("external_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("users_customer_email_uq").on(t.customerId, t.email),
    uniqueIndex("users_external_uq").on(t.customerId, t.externalId),
  ],
);
export type User = typeof users.$inferSelect;

export const TENANCY_TYPES = ["tenant", "ownership", "vacant"] as const;

/**
 * A utilisation period of a unit (R-T1). Dates are ISO calendar days; `ends_on` is the last day of
 * access (inclusive), null for open-ended. Tenant periods of one unit never overlap: the triggers in
 * migration 0001 refuse such a write even if a service forgets to check.
 */
export const tenancies = sqliteTable(
  "tenancies",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    unitId: text("unit_id")
      .notNull()
      .references(() => units.id),
    type: text("type", { enum: TENANCY_TYPES }).notNull(),
    startsOn: text("starts_on").notNull(),
    endsOn: text("ends_on"),
    externalId: text("external_id"),
    /** Free label of the period (Allthings `name`). */
    name: text("name"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("tenancies_unit_idx").on(t.unitId, t.startsOn),
    index("tenancies_customer_idx").on(t.customerId),
    uniqueIndex("tenancies_external_uq").on(t.customerId, t.externalId),
  ],
);
export type Tenancy = typeof tenancies.$inferSelect;

/** Residents checked into a tenancy (flatmates share one tenancy). */
export const tenancyMembers = sqliteTable(
  "tenancy_members",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    tenancyId: text("tenancy_id")
      .notNull()
      .references(() => tenancies.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("tenancy_members_uq").on(t.tenancyId, t.userId), index("tenancy_members_user_idx").on(t.userId)],
);

export const ROLES = ["customer_admin", "property_manager"] as const;
export type Role = (typeof ROLES)[number];
export const SCOPE_TYPES = ["customer", "property", "building", "unit"] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

/** Staff roles with a scope and a validity period (R-T4). Residents get access through tenancies. */
export const roleAssignments = sqliteTable(
  "role_assignments",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ROLES }).notNull(),
    scopeType: text("scope_type", { enum: SCOPE_TYPES }).notNull(),
    scopeId: text("scope_id").notNull(),
    startsOn: text("starts_on").notNull(),
    endsOn: text("ends_on"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("role_assignments_user_idx").on(t.userId), index("role_assignments_customer_idx").on(t.customerId)],
);
export type RoleAssignment = typeof roleAssignments.$inferSelect;

const userRef: ColumnClass = {
  category: "identifier",
  purpose: "Links the row to the account",
  basis: "contract",
  retention: "As long as the row",
  erasure: "keep",
  personal: true,
};

export const usersMap = tableMap({
  table: "users",
  store: "region",
  subject: "id",
  description: "Accounts of residents and staff",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    email: {
      category: "contact",
      purpose: "Login, verification, security and service notices (R-A5)",
      basis: "contract",
      retention: "Until erasure or anonymisation after the tenancy ends",
      erasure: "random",
      random: "email",
      personal: true,
    },
    name: {
      category: "identity",
      purpose: "Shown to managers and, if the resident chooses, to neighbours",
      basis: "contract",
      retention: "Until erasure or anonymisation after the tenancy ends",
      erasure: "random",
      random: "name",
      personal: true,
    },
    password_hash: {
      category: "credential",
      purpose: "Authentication (argon2id hash; the password itself is never stored)",
      basis: "contract",
      retention: "Until erasure",
      erasure: "random",
      random: "secret",
      personal: true,
    },
    locale: {
      category: "technical",
      purpose: "Language of the app and of mails",
      basis: "contract",
      retention: "As long as the account",
      erasure: "keep",
      personal: true,
    },
    status: {
      category: "technical",
      purpose: "Whether the account may log in",
      basis: "contract",
      retention: "As long as the account",
      erasure: "set",
      setTo: "erased",
      personal: true,
    },
    email_verified_at: {
      category: "technical",
      purpose: "Proof that the address was verified",
      basis: "contract",
      retention: "As long as the account",
      erasure: "null",
      personal: true,
    },
    external_id: {
      category: "identifier",
      purpose: "The person's key in the customer's ERP, so integrations can sync the account (R-I1)",
      basis: "contract",
      retention: "As long as the account",
      erasure: "null",
      personal: true,
    },
    created_at: createdColumn,
    updated_at: createdColumn,
  },
});

const tenancyDate: ColumnClass = {
  category: "tenancy",
  purpose: "When access to the building starts and ends",
  basis: "contract",
  retention: "Tenancy plus legal retention of the customer",
  erasure: "keep",
  personal: true,
};

export const tenanciesMap = tableMap({
  table: "tenancies",
  store: "region",
  description: "Utilisation periods of units",
  // A tenancy belongs to the unit and is shared by its flatmates: exported through the membership,
  // never changed by one member's erasure (the customer keeps it under its own retention duty).
  via: { column: "id", table: "tenancy_members", key: "tenancy_id" },
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    unit_id: { ...tenancyDate, purpose: "The unit of the tenancy" },
    type: { ...tenancyDate, purpose: "Tenant, ownership or vacancy" },
    starts_on: tenancyDate,
    ends_on: tenancyDate,
    external_id: { ...tenancyDate, purpose: "Key in the customer's ERP", personal: false },
    name: { ...tenancyDate, purpose: "Label of the period in the customer's ERP" },
    created_at: createdColumn,
  },
});

export const tenancyMembersMap = tableMap({
  table: "tenancy_members",
  store: "region",
  subject: "user_id",
  description: "Which account lives in which tenancy",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    tenancy_id: { ...tenancyDate, purpose: "The tenancy the resident belongs to" },
    user_id: userRef,
    created_at: createdColumn,
  },
});

export const roleAssignmentsMap = tableMap({
  table: "role_assignments",
  store: "region",
  subject: "user_id",
  description: "Staff roles with scope and validity",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: userRef,
    role: { ...tenancyDate, category: "technical", purpose: "What the person may do" },
    scope_type: { ...tenancyDate, category: "technical", purpose: "Where the role applies" },
    scope_id: { ...tenancyDate, category: "technical", purpose: "Where the role applies" },
    starts_on: { ...tenancyDate, category: "technical", purpose: "When the role starts" },
    ends_on: { ...tenancyDate, category: "technical", purpose: "When the role ends" },
    created_at: createdColumn,
  },
});
