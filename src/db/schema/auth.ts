import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { users } from "./people";

/**
 * Sessions: only the SHA-256 of the token is stored. A session is bound to one customer; memberships
 * are read fresh on every request, never cached here.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("sessions_user_idx").on(t.userId),
    index("sessions_expires_idx").on(t.expiresAt),
    index("sessions_last_seen_idx").on(t.lastSeenAt),
  ],
);
export type Session = typeof sessions.$inferSelect;

/** Single-use tokens for e-mail verification and password reset (hash only). */
export const authTokens = sqliteTable(
  "auth_tokens",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose", { enum: ["verify-email", "reset-password"] }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("auth_tokens_user_idx").on(t.userId), index("auth_tokens_expires_idx").on(t.expiresAt)],
);

/**
 * Mail outbox. Every mail is written here first; under `npm start` the dev mail viewer shows it.
 * The row is deleted by the purge after seven days.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id"),
    toAddress: text("to_address").notNull(),
    template: text("template").notNull(),
    locale: text("locale").notNull(),
    subject: text("subject").notNull(),
    bodyText: text("body_text").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("outbox_customer_idx").on(t.customerId, t.createdAt),
    index("outbox_user_idx").on(t.userId),
    index("outbox_created_idx").on(t.createdAt),
  ],
);
export type OutboxMail = typeof outbox.$inferSelect;

/**
 * Exact attempt counters (login per account, per IP). Keys are SHA-256 hashes of the counted thing,
 * so the table holds neither e-mail addresses nor IPs.
 */
export const throttles = sqliteTable(
  "throttles",
  {
    key: text("key").primaryKey(),
    windowStart: integer("window_start", { mode: "timestamp_ms" }).notNull(),
    count: integer("count").notNull(),
  },
  (t) => [index("throttles_window_idx").on(t.windowStart)],
);

const userRef: ColumnClass = {
  category: "identifier",
  purpose: "Links the row to the account",
  basis: "contract",
  retention: "As long as the row",
  erasure: "keep",
  personal: true,
};
const secret: ColumnClass = {
  category: "credential",
  purpose: "Hash of a bearer token, to recognise it without storing it",
  basis: "contract",
  retention: "Until the token expires",
  erasure: "delete-row",
  personal: true,
};

export const sessionsMap = tableMap({
  table: "sessions",
  store: "region",
  subject: "user_id",
  description: "Login sessions (deleted at logout, expiry and erasure)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: userRef,
    token_hash: secret,
    created_at: { ...createdColumn, personal: true, erasure: "delete-row" },
    last_seen_at: {
      category: "technical",
      purpose: "Idle timeout",
      basis: "legitimate-interest",
      retention: "Until the session ends",
      erasure: "delete-row",
      personal: true,
    },
    expires_at: { ...createdColumn, purpose: "Absolute timeout", erasure: "delete-row" },
  },
});

export const authTokensMap = tableMap({
  table: "auth_tokens",
  store: "region",
  subject: "user_id",
  description: "E-mail verification and password reset tokens",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: userRef,
    purpose: { ...createdColumn, purpose: "What the token allows", erasure: "delete-row" },
    token_hash: secret,
    expires_at: { ...createdColumn, purpose: "Token lifetime", erasure: "delete-row" },
    used_at: { ...createdColumn, purpose: "Single use", erasure: "delete-row" },
    created_at: createdColumn,
  },
});

export const outboxMap = tableMap({
  table: "outbox",
  store: "region",
  subject: "user_id",
  description: "Outgoing mails (kept 7 days)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: userRef,
    to_address: {
      category: "contact",
      purpose: "Delivery of service mails",
      basis: "contract",
      retention: "7 days",
      erasure: "delete-row",
      personal: true,
    },
    template: { ...createdColumn, purpose: "Which mail", erasure: "delete-row" },
    locale: { ...createdColumn, purpose: "Language of the mail", erasure: "delete-row" },
    subject: {
      category: "content",
      purpose: "Delivery of service mails",
      basis: "contract",
      retention: "7 days",
      erasure: "delete-row",
      personal: true,
    },
    body_text: {
      category: "content",
      purpose: "Delivery of service mails",
      basis: "contract",
      retention: "7 days",
      erasure: "delete-row",
      personal: true,
    },
    created_at: createdColumn,
  },
});

export const throttlesMap = tableMap({
  table: "throttles",
  store: "region",
  description: "Hashed attempt counters against brute force",
  noSubject:
    "Keys are SHA-256 hashes of limit, customer and e-mail or IP: they cannot be found by person for export " +
    "or erasure, hold no readable value, and the purge deletes them a day after their window started",
  columns: {
    key: {
      category: "technical",
      purpose: "Brute-force protection; SHA-256 of the counted account or IP",
      basis: "legitimate-interest",
      retention: "Counting window (at most one hour); the purge deletes the row a day after the window started",
      erasure: "keep",
      personal: true,
    },
    window_start: { ...createdColumn, purpose: "Start of the counting window", basis: "legitimate-interest" },
    count: { ...createdColumn, purpose: "Attempts in the window", basis: "legitimate-interest" },
  },
});
