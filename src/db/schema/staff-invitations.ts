import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers, LOCALES } from "./customers";
import { ROLES, users } from "./people";

export const STAFF_SCOPE_TYPES = ["customer", "property", "building"] as const;

/**
 * Invitations of new managers by e-mail (issue 6, item 3; decision 0039). Single use: only the
 * SHA-256 of the mailed token is stored; accepting creates (or completes) the account and grants the
 * role in one batch. The purge deletes accepted, revoked and expired invitations 30 days later.
 */
export const staffInvitations = sqliteTable(
  "staff_invitations",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    email: text("email").notNull(),
    name: text("name"),
    locale: text("locale", { enum: LOCALES }).notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    scopeType: text("scope_type", { enum: STAFF_SCOPE_TYPES }).notNull(),
    scopeId: text("scope_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").references(() => users.id),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
    sendCount: integer("send_count").notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    acceptedAt: integer("accepted_at", { mode: "timestamp_ms" }),
    /** The account that accepted (new or completed). */
    userId: text("user_id").references(() => users.id),
    /** The role the acceptance granted; written by the claim, so it marks this one acceptance. */
    roleAssignmentId: text("role_assignment_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("staff_invitations_token_uq").on(t.tokenHash),
    index("staff_invitations_customer_idx").on(t.customerId, t.createdAt),
    index("staff_invitations_email_idx").on(t.customerId, t.email),
    index("staff_invitations_expires_idx").on(t.expiresAt),
    index("staff_invitations_accepted_idx").on(t.acceptedAt),
    index("staff_invitations_revoked_idx").on(t.revokedAt),
  ],
);
export type StaffInvitation = typeof staffInvitations.$inferSelect;

const RETENTION = "Until accepted, revoked or expired, then 30 days";
const personal = (purpose: string, category: ColumnClass["category"] = "technical"): ColumnClass => ({
  category,
  purpose,
  basis: "contract",
  retention: RETENTION,
  erasure: "delete-row",
  personal: true,
});

export const staffInvitationsMap = tableMap({
  table: "staff_invitations",
  store: "region",
  // The invitee has no account until accepting: export and erasure find the rows by the address.
  subjectEmail: "email",
  description: "Invitations of new managers and admins by e-mail",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    email: personal("Where the invitation is sent; the address of the account it creates", "contact"),
    name: personal("Salutation of the mail, proposed as the account's name", "identity"),
    locale: personal("Language of the mail and of the acceptance page"),
    role: personal("The role the invitation grants"),
    scope_type: personal("Where the role applies"),
    scope_id: personal("Where the role applies"),
    token_hash: personal("Hash of the mailed link's token (the token itself is never stored)", "credential"),
    invited_by: personal("Admin who sent the invitation", "identifier"),
    expires_at: personal("Validity of the link (7 days)"),
    sent_at: personal("Invitation status shown to the admin"),
    send_count: personal("Invitation status shown to the admin"),
    revoked_at: personal("Revocation by an admin"),
    accepted_at: personal("Single use: when the link was used"),
    user_id: personal("The account that accepted", "identifier"),
    role_assignment_id: { ...idColumn, purpose: "The role the acceptance granted" },
    created_at: createdColumn,
  },
});
