import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { users } from "./people";

export const IDEMPOTENCY_STATES = ["in_flight", "done"] as const;

/**
 * Idempotency keys of unsafe API writes (R-I3, decision 0018). The row is claimed (inserted) before the
 * write runs; the unique index on (customer, principal, key) makes two concurrent requests with one
 * key race for a single row. The stored response is replayed for 24 hours, then purged.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    /** `user:<id>` or `client:<id>`: keys of different callers never meet. */
    principal: text("principal").notNull(),
    /** The account of a session or password-grant token (export and erasure follow it). */
    userId: text("user_id").references(() => users.id),
    /** The integrator client of a client-credentials token. */
    clientId: text("client_id"),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused (422). */
    fingerprint: text("fingerprint").notNull(),
    state: text("state", { enum: IDEMPOTENCY_STATES }).notNull(),
    status: integer("status"),
    /** JSON object of the replayed headers (content-type, location). */
    responseHeaders: text("response_headers"),
    responseBody: text("response_body"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("idempotency_keys_scope_uq").on(t.customerId, t.principal, t.key),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
    index("idempotency_keys_user_idx").on(t.userId),
  ],
);
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;

const DAY_RETENTION = "24 hours, then purged";
const ofRequest = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "contract",
  retention: DAY_RETENTION,
  erasure: "delete-row",
  personal: true,
});

export const idempotencyKeysMap = tableMap({
  table: "idempotency_keys",
  store: "region",
  subject: "user_id",
  description: "Idempotency keys of API writes with the stored response, for safe retries (24 hours)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    principal: { ...ofRequest("Scopes the key to the caller (contains the account id)"), category: "identifier" },
    user_id: { ...ofRequest("Links the key to the account that sent it"), category: "identifier" },
    client_id: {
      ...idColumn,
      purpose: "Scopes the key to the integrator client that sent it",
      retention: DAY_RETENTION,
    },
    key: ofRequest("The key the client chose for the request"),
    method: ofRequest("Part of the request fingerprint"),
    path: ofRequest("Part of the request fingerprint (may contain record ids)"),
    fingerprint: ofRequest("Hash of the request: a reused key with another payload is refused"),
    state: ofRequest("Whether the first request is still running"),
    status: ofRequest("Status of the stored response, replayed on retry"),
    response_headers: ofRequest("Headers of the stored response (content type, location)"),
    response_body: {
      ...ofRequest("The stored response, replayed on retry; may hold personal data of the written record"),
      category: "content",
    },
    created_at: { ...createdColumn, retention: DAY_RETENTION, personal: true, erasure: "delete-row" },
    expires_at: { ...createdColumn, purpose: "When the key expires (24 hours)", retention: DAY_RETENTION },
  },
});
