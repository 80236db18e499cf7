import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { users } from "./people";

/**
 * Data subject requests (R-P15): one row per request of a person (access, export, erasure,
 * rectification, restriction, objection), tracked received → verified → done with its due date. The
 * erasure job's per-store progress is in `erasure_steps`; the audit trail in `privacy_request_events`.
 */
export const DSR_KINDS = ["access", "export", "erasure", "rectification", "restriction", "objection"] as const;
export type DsrKind = (typeof DSR_KINDS)[number];
export const DSR_STATES = ["received", "verified", "done", "rejected"] as const;
export type DsrState = (typeof DSR_STATES)[number];
/** Who or what started the request: the person, the purge (tenancy ended), a ledger replay, staff. */
export const DSR_ORIGINS = ["subject", "tenancy-end", "replay", "staff"] as const;

export const privacyRequests = sqliteTable(
  "privacy_requests",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind", { enum: DSR_KINDS }).notNull(),
    origin: text("origin", { enum: DSR_ORIGINS }).notNull(),
    state: text("state", { enum: DSR_STATES }).notNull(),
    /** Set when the request cannot be completed without a person (identity doubts, holds, failed stores). */
    needsPerson: integer("needs_person", { mode: "boolean" }).notNull(),
    receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
    verifiedAt: integer("verified_at", { mode: "timestamp_ms" }),
    dueAt: integer("due_at", { mode: "timestamp_ms" }).notNull(),
    doneAt: integer("done_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("privacy_requests_user_idx").on(t.userId),
    index("privacy_requests_customer_state_idx").on(t.customerId, t.state, t.dueAt),
  ],
);
export type PrivacyRequest = typeof privacyRequests.$inferSelect;

/** Audit trail of a request: ids and actions only, never a personal value. */
export const privacyRequestEvents = sqliteTable(
  "privacy_request_events",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    requestId: text("request_id")
      .notNull()
      .references(() => privacyRequests.id),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    action: text("action").notNull(),
    /** The store an erasure step acted on (`database`, `files`, `room:<buildingId>`), if any. */
    store: text("store"),
    /** The account that acted (the person, a staff member); null for the system. */
    actorId: text("actor_id"),
  },
  (t) => [index("privacy_request_events_request_idx").on(t.requestId, t.at)],
);

export const ERASURE_STEP_STATES = ["pending", "failed", "held", "done"] as const;

/**
 * One row per store an erasure must visit. The request stays open until every step is done; failed
 * steps are retried by the minute cron with back-off; held steps wait for their legal hold to end.
 */
export const erasureSteps = sqliteTable(
  "erasure_steps",
  {
    requestId: text("request_id")
      .notNull()
      .references(() => privacyRequests.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    store: text("store").notNull(),
    state: text("state", { enum: ERASURE_STEP_STATES }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    lastError: text("last_error"),
    rowsDeleted: integer("rows_deleted").notNull(),
    rowsAnonymised: integer("rows_anonymised").notNull(),
    doneAt: integer("done_at", { mode: "timestamp_ms" }),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.store] }), index("erasure_steps_due_idx").on(t.state, t.nextAttemptAt)],
);
export type ErasureStep = typeof erasureSteps.$inferSelect;

export const HOLD_REASONS = ["litigation", "tax-retention", "contract-retention", "authority-request"] as const;

/**
 * Legal holds (R-P4, R-P14): while a hold is active (not released, end not reached), the person's
 * records in its store (`null`: every store) are kept — restricted — instead of erased or purged;
 * when it ends, the minute job completes the erasure. Reason is a code, reference a case number.
 */
export const legalHolds = sqliteTable(
  "legal_holds",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    store: text("store"),
    reason: text("reason", { enum: HOLD_REASONS }).notNull(),
    reference: text("reference"),
    endsAt: integer("ends_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    releasedAt: integer("released_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("legal_holds_user_idx").on(t.userId), index("legal_holds_ends_idx").on(t.endsAt)],
);
export type LegalHold = typeof legalHolds.$inferSelect;

export const RESTRICTION_KINDS = ["restriction", "objection-marketing", "objection-legitimate-interest"] as const;
export type RestrictionKind = (typeof RESTRICTION_KINDS)[number];

/**
 * Restriction (R-P5) and objections (R-P6) of a person, active until lifted. `isProcessingRestricted`
 * (src/privacy/restriction.ts) is the one check the rest of the code uses.
 */
export const processingRestrictions = sqliteTable(
  "processing_restrictions",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind", { enum: RESTRICTION_KINDS }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    liftedAt: integer("lifted_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("processing_restrictions_user_idx").on(t.userId, t.kind)],
);

const trail = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "legal-obligation",
  retention: "Three years after the request is done (proof that it was handled)",
  erasure: "keep",
  personal: true,
});
const subjectRef: ColumnClass = {
  category: "identifier",
  purpose: "The person the request or record is about",
  basis: "legal-obligation",
  retention: "As long as the row",
  erasure: "keep",
  personal: true,
};

export const privacyRequestsMap = tableMap({
  table: "privacy_requests",
  store: "region",
  subject: "user_id",
  description: "Data subject requests with state and due date (kept as proof; ids and codes only)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: subjectRef,
    kind: trail("Which right the person exercised"),
    origin: trail("Who started the request"),
    state: trail("Received, verified, done or rejected"),
    needs_person: trail("Whether staff must act on the request"),
    received_at: trail("Start of the one-month deadline"),
    verified_at: trail("When the person's identity was confirmed"),
    due_at: trail("Deadline of the answer"),
    done_at: trail("When the request was completed"),
  },
});

export const privacyRequestEventsMap = tableMap({
  table: "privacy_request_events",
  store: "region",
  via: { column: "request_id", table: "privacy_requests", key: "id" },
  description: "Audit trail of data subject requests: ids and actions only",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    request_id: { ...idColumn, purpose: "The request" },
    at: trail("When it happened"),
    action: trail("What happened"),
    store: trail("Which store an erasure step acted on"),
    actor_id: trail("Who acted (account id; null for the system)"),
  },
});

export const erasureStepsMap = tableMap({
  table: "erasure_steps",
  store: "region",
  via: { column: "request_id", table: "privacy_requests", key: "id" },
  description: "Progress of an erasure per store (counts and error names only)",
  columns: {
    request_id: { ...idColumn, purpose: "The erasure request" },
    customer_id: customerColumn,
    store: trail("Which store the step erases"),
    state: trail("Pending, failed, held or done"),
    attempts: trail("Retries with back-off"),
    next_attempt_at: trail("When the next attempt is due"),
    last_error: trail("Error name of the last failed attempt (never a message or value)"),
    rows_deleted: trail("Counts for the report"),
    rows_anonymised: trail("Counts for the report"),
    done_at: trail("When the store confirmed"),
  },
});

const hold = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "legal-obligation",
  retention: "Until the hold ends, then three years as proof",
  erasure: "keep",
  personal: true,
});

export const legalHoldsMap = tableMap({
  table: "legal_holds",
  store: "region",
  subject: "user_id",
  description: "Legal holds that keep a person's records (restricted) past an erasure or purge",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: subjectRef,
    store: hold("Which store the hold covers (null: all)"),
    reason: hold("Why the records are kept (a code)"),
    reference: hold("Case or file number of the duty (never a name)"),
    ends_at: hold("When the hold ends"),
    created_at: hold("When the hold was placed"),
    released_at: hold("When the hold was released early"),
  },
});

const restriction = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "legal-obligation",
  retention: "As long as the account, then three years as proof",
  erasure: "keep",
  personal: true,
});

export const processingRestrictionsMap = tableMap({
  table: "processing_restrictions",
  store: "region",
  subject: "user_id",
  description: "Restrictions of processing and objections of a person (R-P5, R-P6)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: subjectRef,
    kind: restriction("Restriction, or objection to marketing or to legitimate-interest processing"),
    created_at: restriction("Since when it applies"),
    lifted_at: restriction("When it was lifted"),
  },
});

/**
 * The consent ledger (R-P7): one append-only row per decision — given or withdrawn — with the purpose,
 * the version of the text shown and the time. The current state of a purpose is its newest row.
 * Purposes: `newsletter`, `chatbot`, `cookies-preferences`, `cookies-statistics`, `cookies-marketing`,
 * `micro-app:<key>` (each third-party micro-app).
 */
export const consents = sqliteTable(
  "consents",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose").notNull(),
    granted: integer("granted", { mode: "boolean" }).notNull(),
    textVersion: text("text_version").notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("consents_user_idx").on(t.userId, t.purpose, t.at)],
);

const consent = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "legal-obligation",
  retention: "Until erasure (proof of consent while it is relied on)",
  erasure: "delete-row",
  personal: true,
});

export const consentsMap = tableMap({
  table: "consents",
  store: "region",
  subject: "user_id",
  description: "Consent ledger: every consent given or withdrawn, with purpose, text version and time",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: { ...subjectRef, erasure: "delete-row" },
    purpose: consent("What the consent is for"),
    granted: consent("Given or withdrawn"),
    text_version: consent("Version of the text the person was shown"),
    at: consent("When the person decided"),
  },
});
