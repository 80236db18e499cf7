import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  type ColumnClass,
  createdColumn,
  customerColumn,
  idColumn,
  orgColumn,
  tableMap,
} from "../../privacy/classification";
import { MASTER_DATA_ACTIONS, MASTER_DATA_ENTITIES } from "./changes";
import { customers } from "./customers";

export const WEBHOOK_DELIVERY_STATES = ["pending", "delivered", "failed", "skipped"] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];
export const ATTEMPT_OUTCOMES = ["delivered", "http-error", "redirect", "timeout", "network", "refused"] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * Webhook endpoints of a customer (R-I3, decision 0019): a target URL, the master-data entities it
 * subscribes to and its Standard Webhooks signing secret. The secret must be usable for signing, so it
 * is stored as is (like Svix and Stripe do), shown once at creation and rotation, never listed.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    /** The integrator client that registered it through /api/v1; null when a customer admin did. */
    clientId: text("client_id"),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON array of MasterDataEntity. */
    entities: text("entities").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** `failing` when the delivery worker disabled it, `manual` when an admin did. */
    disabledReason: text("disabled_reason", { enum: ["failing", "manual"] }),
    secret: text("secret").notNull(),
    /** After a rotation the old secret signs as well for 24 hours (a second `v1,` signature). */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: integer("previous_secret_expires_at", { mode: "timestamp_ms" }),
    /** Fan-out watermark: changes up to this instant have deliveries (re-read with an overlap). */
    cursorAt: integer("cursor_at", { mode: "timestamp_ms" }).notNull(),
    /** First failed attempt since the last success; null while the endpoint answers. */
    failingSince: integer("failing_since", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("webhook_endpoints_customer_idx").on(t.customerId),
    index("webhook_endpoints_enabled_idx").on(t.enabled),
  ],
);
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

/** One message per (endpoint, change); its id is the `webhook-id` the receiver dedupes on. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    /** The master_data_changes row (no foreign key: the outbox is purged on its own schedule). */
    changeId: text("change_id").notNull(),
    entity: text("entity", { enum: MASTER_DATA_ENTITIES }).notNull(),
    action: text("action", { enum: MASTER_DATA_ACTIONS }).notNull(),
    state: text("state", { enum: WEBHOOK_DELIVERY_STATES }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    lastStatus: integer("last_status"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    completedAt: integer("completed_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_change_uq").on(t.endpointId, t.changeId),
    index("webhook_deliveries_due_idx").on(t.state, t.nextAttemptAt),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
    index("webhook_deliveries_created_idx").on(t.createdAt),
  ],
);
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/** The log of every attempt: status and duration, never a body. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    deliveryId: text("delivery_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    attempt: integer("attempt").notNull(),
    outcome: text("outcome", { enum: ATTEMPT_OUTCOMES }).notNull(),
    status: integer("status"),
    durationMs: integer("duration_ms").notNull(),
    attemptedAt: integer("attempted_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("webhook_attempts_delivery_idx").on(t.deliveryId),
    index("webhook_attempts_attempted_idx").on(t.attemptedAt),
  ],
);
export type WebhookAttempt = typeof webhookAttempts.$inferSelect;

const LOG_RETENTION = "30 days, then purged";
const log = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "legitimate-interest",
  retention: LOG_RETENTION,
  erasure: "keep",
  personal: false,
});
const credential: ColumnClass = {
  category: "credential",
  purpose: "Signs the webhooks of the endpoint (Standard Webhooks HMAC secret)",
  basis: "contract",
  retention: "Until rotated or the endpoint is deleted",
  erasure: "keep",
  personal: false,
};

export const webhookEndpointsMap = tableMap({
  table: "webhook_endpoints",
  store: "region",
  description: "Webhook endpoints of a customer's integrations (no personal data)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    client_id: { ...idColumn, purpose: "The integrator client that owns the endpoint" },
    url: orgColumn("Where the customer's integration receives change notices"),
    description: orgColumn("The admin's label for the endpoint"),
    entities: orgColumn("Which master-data entities the endpoint subscribes to"),
    enabled: orgColumn("Whether deliveries are sent"),
    disabled_reason: orgColumn("Why deliveries stopped (failing target or an admin)"),
    secret: credential,
    previous_secret: { ...credential, retention: "24 hours after a rotation" },
    previous_secret_expires_at: orgColumn("When the previous secret stops signing"),
    cursor_at: orgColumn("Fan-out watermark of the delivery worker"),
    failing_since: orgColumn("Start of the current failure streak (disabling rule)"),
    created_at: createdColumn,
    updated_at: createdColumn,
  },
});

export const webhookDeliveriesMap = tableMap({
  table: "webhook_deliveries",
  store: "region",
  description: "Webhook messages per endpoint and change: state and retry schedule (ids only, no payload)",
  columns: {
    id: { ...idColumn, retention: LOG_RETENTION },
    customer_id: customerColumn,
    endpoint_id: { ...idColumn, retention: LOG_RETENTION },
    change_id: { ...idColumn, purpose: "The change the message announces", retention: LOG_RETENTION },
    entity: log("Which kind of record changed"),
    action: log("What happened to it"),
    state: log("Pending, delivered, failed for good, or skipped (restricted or erased person)"),
    attempts: log("Retry schedule"),
    next_attempt_at: log("Retry schedule"),
    last_status: log("HTTP status of the last attempt"),
    created_at: { ...createdColumn, retention: LOG_RETENTION },
    completed_at: log("When the message was delivered, failed for good or skipped"),
  },
});

export const webhookAttemptsMap = tableMap({
  table: "webhook_attempts",
  store: "region",
  description: "Log of webhook delivery attempts: status and duration, never bodies",
  columns: {
    id: { ...idColumn, retention: LOG_RETENTION },
    customer_id: customerColumn,
    delivery_id: { ...idColumn, retention: LOG_RETENTION },
    endpoint_id: { ...idColumn, retention: LOG_RETENTION },
    attempt: log("Attempt number"),
    outcome: log("Delivered, HTTP error, redirect, timeout, network error or refused target"),
    status: log("HTTP status the receiver answered"),
    duration_ms: log("How long the receiver took"),
    attempted_at: log("When the attempt was made"),
  },
});
