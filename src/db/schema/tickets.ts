import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  type ColumnClass,
  createdColumn,
  customerColumn,
  idColumn,
  orgColumn,
  tableMap,
} from "../../privacy/classification";
import { customers } from "./customers";
import { buildings, units } from "./estate";
import { users } from "./people";

/** Allthings' ticket statuses (R-M3). */
export const TICKET_STATUSES = ["waiting-for-agent", "waiting-for-customer", "waiting-for-external", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const MESSAGE_VISIBILITIES = ["public", "internal"] as const;
export const TICKET_EVENT_KINDS = ["created", "status", "assignee", "provider", "category", "feedback"] as const;

/** Ticket categories, managed per customer; each has the deadline the waiting indicator is measured against. */
export const ticketCategories = sqliteTable(
  "ticket_categories",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    deadlineHours: integer("deadline_hours").notNull(),
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("ticket_categories_name_uq").on(t.customerId, t.name)],
);
export type TicketCategory = typeof ticketCategories.$inferSelect;

/** Craftsman companies a customer works with (business contacts, not accounts). */
export const serviceProviders = sqliteTable(
  "service_providers",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    email: text("email").notNull(),
    trade: text("trade"),
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("service_providers_customer_idx").on(t.customerId)],
);
export type ServiceProvider = typeof serviceProviders.$inferSelect;

/**
 * Tickets (R-M3): a resident's report for their unit (or, `unit_id` null, the building's common
 * areas). `waiting_since` is when the customer started waiting for an answer (the indicator compares
 * it with the category's deadline); null while the ticket waits on someone else or is closed.
 */
export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    unitId: text("unit_id").references(() => units.id),
    reporterId: text("reporter_id")
      .notNull()
      .references(() => users.id),
    categoryId: text("category_id")
      .notNull()
      .references(() => ticketCategories.id),
    title: text("title").notNull(),
    description: text("description").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull(),
    assigneeId: text("assignee_id").references(() => users.id),
    providerId: text("provider_id").references(() => serviceProviders.id),
    waitingSince: integer("waiting_since", { mode: "timestamp_ms" }),
    feedbackRating: integer("feedback_rating"),
    feedbackComment: text("feedback_comment"),
    feedbackAt: integer("feedback_at", { mode: "timestamp_ms" }),
    closedAt: integer("closed_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // The manager queue: newest first per customer, keyset on (created_at, id), optionally per status.
    index("tickets_queue_idx").on(t.customerId, t.createdAt, t.id),
    index("tickets_queue_status_idx").on(t.customerId, t.status, t.createdAt, t.id),
    index("tickets_building_idx").on(t.buildingId, t.createdAt, t.id),
    index("tickets_reporter_idx").on(t.reporterId, t.createdAt),
  ],
);
export type Ticket = typeof tickets.$inferSelect;

/** The conversation: public replies (resident, staff, craftsman) and internal notes (staff only). */
export const ticketMessages = sqliteTable(
  "ticket_messages",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id),
    authorId: text("author_id").references(() => users.id),
    providerId: text("provider_id").references(() => serviceProviders.id),
    visibility: text("visibility", { enum: MESSAGE_VISIBILITIES }).notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("ticket_messages_ticket_idx").on(t.ticketId, t.createdAt),
    index("ticket_messages_author_idx").on(t.authorId),
  ],
);
export type TicketMessage = typeof ticketMessages.$inferSelect;

/** Who changed what and when (status, assignee, provider, category, feedback): ids and values only. */
export const ticketEvents = sqliteTable(
  "ticket_events",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id),
    actorId: text("actor_id"),
    providerId: text("provider_id"),
    kind: text("kind", { enum: TICKET_EVENT_KINDS }).notNull(),
    fromValue: text("from_value"),
    toValue: text("to_value"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("ticket_events_ticket_idx").on(t.ticketId, t.createdAt),
    index("ticket_events_actor_idx").on(t.actorId),
  ],
);

/**
 * Work-order links for craftsmen: a 256-bit token (only its SHA-256 stored) that opens one ticket's
 * work-order page until `expires_at` or revocation. `share_contact`: whether the page shows the
 * reporter's name and e-mail (the manager's choice); otherwise only the address and unit.
 */
export const workOrderLinks = sqliteTable(
  "work_order_links",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id),
    providerId: text("provider_id")
      .notNull()
      .references(() => serviceProviders.id),
    tokenHash: text("token_hash").notNull(),
    shareContact: integer("share_contact", { mode: "boolean" }).notNull(),
    createdBy: text("created_by").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("work_order_links_token_uq").on(t.tokenHash),
    index("work_order_links_ticket_idx").on(t.ticketId),
  ],
);
export type WorkOrderLink = typeof workOrderLinks.$inferSelect;

// ---- data map -------------------------------------------------------------------------------------

const record = (purpose: string, personal = false): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "contract",
  retention: "As long as the customer keeps the repair record (legal retention, e.g. 10 years)",
  erasure: "keep",
  personal,
});
const ref = (purpose: string): ColumnClass => ({ ...record(purpose, true), category: "identifier" });
/** Free text a person wrote: redacted on their erasure, the record around it stays (decision 0021). */
const freeText = (purpose: string): ColumnClass => ({
  category: "content",
  purpose,
  basis: "contract",
  retention: "As long as the repair record; redacted when its author is erased",
  erasure: "set",
  setTo: "[erased]",
  personal: true,
});

export const ticketCategoriesMap = tableMap({
  table: "ticket_categories",
  store: "region",
  description: "Ticket categories of a customer with their answer deadline",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    name: orgColumn("Category name"),
    deadline_hours: orgColumn("Deadline for an answer, in hours (waiting indicator)"),
    archived_at: orgColumn("When the category was retired"),
    created_at: createdColumn,
  },
});

const businessContact: ColumnClass = {
  category: "contact",
  purpose: "Sending work orders to the craftsman company",
  basis: "legitimate-interest",
  retention: "Until the customer removes the service provider",
  erasure: "keep",
  personal: true,
};

export const serviceProvidersMap = tableMap({
  table: "service_providers",
  store: "region",
  // Business contacts of companies, not accounts of people: a sole trader's address is removed by
  // the customer archiving and editing the provider, not by a resident's erasure.
  noSubject: "Business contacts of craftsman companies; they have no account to erase",
  description: "Service providers (craftsman companies) of a customer",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    name: { ...businessContact, category: "organisation", purpose: "Company name" },
    email: businessContact,
    trade: orgColumn("Trade, e.g. plumbing"),
    archived_at: orgColumn("When the provider was retired"),
    created_at: createdColumn,
  },
});

export const ticketsMap = tableMap({
  table: "tickets",
  store: "region",
  subject: "reporter_id",
  description:
    "Repair and defect tickets (R-M3). On the reporter's erasure the record stays, their free text is redacted",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    building_id: record("Building of the defect"),
    unit_id: { ...record("Unit of the defect (null: common areas)", true), category: "tenancy" },
    reporter_id: ref("Who reported it (the account is anonymised on erasure)"),
    category_id: record("Category"),
    title: freeText("The reporter's title"),
    description: freeText("The reporter's description"),
    status: record("Status (Allthings statuses)"),
    assignee_id: ref("The manager working on it"),
    provider_id: record("The craftsman company assigned"),
    waiting_since: record("Since when the resident waits for an answer (indicator)"),
    feedback_rating: record("The reporter's rating after closing (1-5)", true),
    feedback_comment: freeText("The reporter's comment after closing"),
    feedback_at: record("When feedback was given", true),
    closed_at: record("When it was closed"),
    created_at: createdColumn,
    updated_at: createdColumn,
  },
});

export const ticketMessagesMap = tableMap({
  table: "ticket_messages",
  store: "region",
  subject: "author_id",
  description: "Ticket conversation: public replies and internal staff notes",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    ticket_id: record("The ticket"),
    author_id: ref("Who wrote it (null: a craftsman through the work-order link)"),
    provider_id: record("The craftsman company that wrote it"),
    visibility: record("Public reply or internal note (never shown to residents)"),
    body: freeText("The message"),
    created_at: createdColumn,
  },
});

export const ticketEventsMap = tableMap({
  table: "ticket_events",
  store: "region",
  subject: "actor_id",
  description: "Status history of tickets: who changed what and when (ids and statuses, no free text)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    ticket_id: record("The ticket"),
    actor_id: ref("Who made the change (null: a craftsman)"),
    provider_id: record("The craftsman company that made the change"),
    kind: record("What changed"),
    from_value: record("Value before (status, ids)"),
    to_value: record("Value after (status, ids)"),
    created_at: createdColumn,
  },
});

export const workOrderLinksMap = tableMap({
  table: "work_order_links",
  store: "region",
  subject: "created_by",
  description: "Craftsman work-order links (token hashes only)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    ticket_id: record("The one ticket the link opens"),
    provider_id: record("The craftsman company it was sent to"),
    token_hash: {
      category: "credential",
      purpose: "Hash of the link's token, to recognise it without storing it",
      basis: "contract",
      retention: "Until the ticket record is deleted",
      erasure: "keep",
      personal: false,
    },
    share_contact: record("Whether the page shows the reporter's name and e-mail"),
    created_by: { ...ref("The manager who sent the link"), purpose: "The manager who sent the link" },
    expires_at: record("When the link stops working"),
    revoked_at: record("When the manager revoked it"),
    created_at: createdColumn,
  },
});
