import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers, LOCALES } from "./customers";
import { buildings } from "./estate";
import { tenancies, users } from "./people";

export const CODE_SOURCES = ["manager", "neighbour", "access-request", "integrator"] as const;

/**
 * Activation codes (R-A1) and neighbour invitations (R-A3, source "neighbour"): a code checks whoever
 * redeems it into its tenancies. The code itself is kept (letters can be reprinted, mails resent) and
 * deleted by the purge once used up, revoked or expired for 30 days.
 */
export const activationCodes = sqliteTable(
  "activation_codes",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    code: text("code").notNull(),
    permanent: integer("permanent", { mode: "boolean" }).notNull(),
    source: text("source", { enum: CODE_SOURCES }).notNull(),
    createdBy: text("created_by"),
    recipientEmail: text("recipient_email"),
    recipientName: text("recipient_name"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
    sendCount: integer("send_count").notNull().default(0),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    useCount: integer("use_count").notNull().default(0),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    externalId: text("external_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("activation_codes_code_uq").on(t.customerId, t.code),
    index("activation_codes_expires_idx").on(t.expiresAt),
    index("activation_codes_used_idx").on(t.usedAt),
    index("activation_codes_revoked_idx").on(t.revokedAt),
    index("activation_codes_created_by_idx").on(t.createdBy),
    uniqueIndex("activation_codes_external_uq").on(t.customerId, t.externalId),
  ],
);
export type ActivationCode = typeof activationCodes.$inferSelect;

/** The tenancies a code checks into (Allthings: a registration code may span utilisation periods). */
export const activationCodeTenancies = sqliteTable(
  "activation_code_tenancies",
  {
    codeId: text("code_id")
      .notNull()
      .references(() => activationCodes.id, { onDelete: "cascade" }),
    tenancyId: text("tenancy_id")
      .notNull()
      .references(() => tenancies.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
  },
  (t) => [
    primaryKey({ columns: [t.codeId, t.tenancyId] }),
    index("activation_code_tenancies_tenancy_idx").on(t.tenancyId),
  ],
);

export const ACCESS_REQUEST_STATUSES = ["unverified", "open", "approved", "rejected"] as const;

/**
 * Access requests (R-A4) of people without a code: name and e-mail (verified first), the building and
 * the unit as they describe it. Approval sends a code for the chosen tenancy. Deleted by the purge:
 * unverified after a day, unhandled after 30 days, decided 30 days after the decision.
 */
export const accessRequests = sqliteTable(
  "access_requests",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    unitText: text("unit_text").notNull(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    locale: text("locale", { enum: LOCALES }).notNull(),
    status: text("status", { enum: ACCESS_REQUEST_STATUSES }).notNull(),
    verifyTokenHash: text("verify_token_hash"),
    verifiedAt: integer("verified_at", { mode: "timestamp_ms" }),
    decidedBy: text("decided_by").references(() => users.id),
    decidedAt: integer("decided_at", { mode: "timestamp_ms" }),
    decisionReason: text("decision_reason"),
    codeId: text("code_id"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("access_requests_queue_idx").on(t.customerId, t.status, t.createdAt),
    index("access_requests_expires_idx").on(t.expiresAt),
    uniqueIndex("access_requests_token_uq").on(t.verifyTokenHash),
  ],
);
export type AccessRequest = typeof accessRequests.$inferSelect;

const personal = (purpose: string, retention: string, erasure: ColumnClass["erasure"] = "delete-row"): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "contract",
  retention,
  erasure,
  personal: true,
});
const CODE_RETENTION = "Until used up, revoked or expired, then 30 days";

export const activationCodesMap = tableMap({
  table: "activation_codes",
  store: "region",
  subject: "created_by",
  description: "Activation codes and neighbour invitations",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    code: {
      ...personal("Lets the holder join the tenancy; printed on letters", CODE_RETENTION, "keep"),
      category: "credential",
      personal: false,
    },
    permanent: { ...createdColumn, purpose: "Reusable code for shared flats" },
    source: { ...createdColumn, purpose: "Who created the code" },
    created_by: {
      ...personal("Manager or inviting resident who created the code", CODE_RETENTION, "null"),
      category: "identifier",
    },
    recipient_email: { ...personal("Where the invitation is sent", CODE_RETENTION, "null"), category: "contact" },
    recipient_name: { ...personal("Salutation of the invitation", CODE_RETENTION, "null"), category: "identity" },
    expires_at: { ...createdColumn, purpose: "Validity of the code" },
    sent_at: { ...createdColumn, purpose: "Invitation status shown to the manager" },
    send_count: { ...createdColumn, purpose: "Invitation status shown to the manager" },
    used_at: { ...createdColumn, purpose: "Single use; status shown to the manager" },
    use_count: { ...createdColumn, purpose: "How many accounts a permanent code checked in" },
    last_used_at: { ...createdColumn, purpose: "Time of the latest redemption" },
    revoked_at: { ...createdColumn, purpose: "Revocation by the manager or inviter" },
    external_id: { ...createdColumn, purpose: "Key in the customer's ERP (tenant id)" },
    created_at: createdColumn,
  },
});

export const activationCodeTenanciesMap = tableMap({
  table: "activation_code_tenancies",
  store: "region",
  description: "Which tenancies a code checks into",
  columns: {
    code_id: idColumn,
    tenancy_id: { ...idColumn, purpose: "The tenancy the code checks into" },
    customer_id: customerColumn,
  },
});

const REQUEST_RETENTION = "Unverified: 1 day; unhandled: 30 days; decided: 30 days after the decision";
export const accessRequestsMap = tableMap({
  table: "access_requests",
  store: "region",
  subjectEmail: "email",
  description: "Requests for access from people without a code",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    building_id: { ...idColumn, purpose: "Building the requester says they live in", personal: true },
    unit_text: { ...personal("The unit as the requester describes it", REQUEST_RETENTION), category: "tenancy" },
    name: { ...personal("Who asks for access", REQUEST_RETENTION), category: "identity" },
    email: { ...personal("Verification and the decision mail", REQUEST_RETENTION), category: "contact" },
    locale: personal("Language of the mails", REQUEST_RETENTION),
    status: personal("Queue state", REQUEST_RETENTION),
    verify_token_hash: {
      ...personal("Hash of the e-mail verification token", "Until verified"),
      category: "credential",
    },
    verified_at: personal("Proof that the address was verified", REQUEST_RETENTION),
    decided_by: { ...personal("Manager who decided", REQUEST_RETENTION), category: "identifier" },
    decided_at: personal("When it was decided", REQUEST_RETENTION),
    decision_reason: {
      ...personal("Reason given to the requester on rejection", REQUEST_RETENTION),
      category: "content",
    },
    code_id: { ...idColumn, purpose: "Code sent on approval" },
    expires_at: { ...createdColumn, purpose: "When the purge deletes the request" },
    created_at: createdColumn,
  },
});
