import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { privacyRequests } from "./privacy";

/**
 * What a data subject request needs beyond its state (decision 0036), as codes only — never a value:
 * for a request staff took in outside the app (a letter, a call, a former resident without access),
 * the contact channel, how the identity was checked (or why it was refused) and by whom; for a
 * correction (R-P3), which fields changed; for an export handed over by staff, the export's id.
 */
export const DSR_CHANNELS = ["letter", "email", "phone", "in-person", "app"] as const;
export type DsrChannel = (typeof DSR_CHANNELS)[number];
/** How staff confirmed the person is who they say (no copy of any document is kept). */
export const DSR_VERIFICATION_METHODS = [
  "id-document-seen",
  "known-contact-details",
  "callback-known-number",
  "letter-to-known-address",
  "in-person-known",
] as const;
export const DSR_REJECTION_REASONS = [
  "identity-not-confirmed",
  "not-a-data-subject",
  "manifestly-unfounded",
  "excessive",
  "duplicate",
] as const;
/** The personal fields a correction can name (R-P3): codes, never the old or new value. */
export const RECTIFICATION_FIELDS = ["name", "email", "phone", "locale", "address", "other"] as const;
export type RectificationField = (typeof RECTIFICATION_FIELDS)[number];

export const privacyRequestDetails = sqliteTable(
  "privacy_request_details",
  {
    requestId: text("request_id")
      .primaryKey()
      .references(() => privacyRequests.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    channel: text("channel", { enum: DSR_CHANNELS }).notNull(),
    /** Staff account that took the request in (null: the person, in the app). */
    recordedBy: text("recorded_by"),
    verificationMethod: text("verification_method", { enum: DSR_VERIFICATION_METHODS }),
    rejectionReason: text("rejection_reason", { enum: DSR_REJECTION_REASONS }),
    /** Staff account that verified or rejected the identity, and when. */
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at", { mode: "timestamp_ms" }),
    /** Rectification: the corrected fields as comma-separated codes of RECTIFICATION_FIELDS. */
    fields: text("fields"),
    /** Access/export handed over by staff: the `data_exports` row (no reference: erasure deletes it). */
    exportId: text("export_id"),
  },
  (t) => [index("privacy_request_details_customer_idx").on(t.customerId)],
);
export type PrivacyRequestDetails = typeof privacyRequestDetails.$inferSelect;

const proof = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "legal-obligation",
  retention: "Three years after the request is done (proof that it was handled)",
  erasure: "keep",
  personal: true,
});

export const privacyRequestDetailsMap = tableMap({
  table: "privacy_request_details",
  store: "region",
  via: { column: "request_id", table: "privacy_requests", key: "id" },
  description: "How a data subject request came in and was checked, and what a correction changed (codes only)",
  columns: {
    request_id: { ...idColumn, purpose: "The request" },
    customer_id: customerColumn,
    channel: proof("How the request reached the customer (a code)"),
    recorded_by: proof("Staff account that took the request in (account id)"),
    verification_method: proof("How the identity was confirmed (a code; no document copy is kept)"),
    rejection_reason: proof("Why the request was refused (a code)"),
    decided_by: proof("Staff account that confirmed or refused the identity (account id)"),
    decided_at: proof("When the identity was confirmed or refused"),
    fields: proof("Which fields a correction changed (field codes, never values)"),
    export_id: proof("The export handed over for an access or portability request (id)"),
  },
});
