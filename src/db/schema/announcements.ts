import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { buildings, units } from "./estate";
import { users } from "./people";

export const ANNOUNCEMENT_STATES = ["scheduled", "published", "withdrawn"] as const;
export type AnnouncementState = (typeof ANNOUNCEMENT_STATES)[number];
export const TARGET_TYPES = ["building", "property", "customer"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * Announcements (R-M2): the D1 record is the truth; rooms only show a copy delivered by the Worker.
 * `target_ids` keeps what the manager chose (building ids, or the property id; empty for the whole
 * customer); the buildings it meant at publication are in `announcement_targets`.
 */
export const announcements = sqliteTable(
  "announcements",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    body: text("body").notNull(),
    targetType: text("target_type", { enum: TARGET_TYPES }).notNull(),
    targetIds: text("target_ids", { mode: "json" }).$type<string[]>().notNull(),
    ackRequired: integer("ack_required", { mode: "boolean" }).notNull(),
    state: text("state", { enum: ANNOUNCEMENT_STATES }).notNull(),
    publishAt: integer("publish_at", { mode: "timestamp_ms" }).notNull(),
    pinnedUntil: integer("pinned_until", { mode: "timestamp_ms" }),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }),
    withdrawnAt: integer("withdrawn_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("announcements_customer_idx").on(t.customerId, t.publishAt),
    index("announcements_due_idx").on(t.state, t.publishAt),
    index("announcements_author_idx").on(t.authorId),
  ],
);
export type Announcement = typeof announcements.$inferSelect;

/** The buildings an announcement went to, with the delivery to each room (retried by the minute cron). */
export const announcementTargets = sqliteTable(
  "announcement_targets",
  {
    announcementId: text("announcement_id")
      .notNull()
      .references(() => announcements.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    deliveryState: text("delivery_state", { enum: DELIVERY_STATES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    deliveredSeq: integer("delivered_seq"),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.announcementId, t.buildingId] }),
    index("announcement_targets_building_idx").on(t.buildingId),
    index("announcement_targets_retry_idx").on(t.deliveryState, t.nextAttemptAt),
  ],
);
export type AnnouncementTarget = typeof announcementTargets.$inferSelect;

/** Who has read an announcement (one row per person; counted as distinct residents). */
export const announcementReads = sqliteTable(
  "announcement_reads",
  {
    announcementId: text("announcement_id")
      .notNull()
      .references(() => announcements.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    readAt: integer("read_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.announcementId, t.userId] }), index("announcement_reads_user_idx").on(t.userId)],
);

/** Acknowledgements per unit: the first resident of a unit to acknowledge does it for the unit. */
export const announcementAcks = sqliteTable(
  "announcement_acks",
  {
    announcementId: text("announcement_id")
      .notNull()
      .references(() => announcements.id),
    unitId: text("unit_id")
      .notNull()
      .references(() => units.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    ackedAt: integer("acked_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.announcementId, t.unitId] }), index("announcement_acks_user_idx").on(t.userId)],
);

const staffRef: ColumnClass = {
  category: "identifier",
  purpose: "Which manager sent the announcement (accountability towards the customer)",
  basis: "contract",
  retention: "As long as the announcement",
  erasure: "keep",
  personal: true,
};
const notice = (purpose: string): ColumnClass => ({
  category: "content",
  purpose,
  basis: "contract",
  retention: "As long as the customer keeps the announcement",
  erasure: "keep",
  personal: false,
});
const technical = (purpose: string): ColumnClass => ({ ...createdColumn, purpose });

export const announcementsMap = tableMap({
  table: "announcements",
  store: "region",
  subject: "author_id",
  description: "Announcements of the customer to residents (R-M2); sent in the customer's name",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    author_id: staffRef,
    // The customer's message to its buildings, written in a professional role: not about a person.
    title: notice("The announcement's title (also in notification mails)"),
    body: notice("The announcement's text"),
    target_type: technical("Kind of target: buildings, a property or the whole customer"),
    target_ids: technical("The chosen buildings or property"),
    ack_required: technical("Whether units must acknowledge it"),
    state: technical("Scheduled, published or withdrawn"),
    publish_at: technical("When it is published"),
    pinned_until: technical("Until when residents see it pinned"),
    published_at: technical("When it was published"),
    withdrawn_at: technical("When it was withdrawn"),
    created_at: createdColumn,
  },
});

export const announcementTargetsMap = tableMap({
  table: "announcement_targets",
  store: "region",
  description: "Buildings an announcement went to and its delivery to each building room",
  columns: {
    announcement_id: idColumn,
    building_id: idColumn,
    customer_id: customerColumn,
    delivery_state: technical("Delivery to the room: pending, delivered or failed"),
    attempts: technical("Delivery attempts (retries with backoff)"),
    last_error: technical("Error code of the last failed attempt (never content)"),
    delivered_seq: technical("The room's sequence number of the delivered event"),
    next_attempt_at: technical("When the next delivery attempt is due"),
    updated_at: createdColumn,
  },
});

const readerRef: ColumnClass = {
  category: "identifier",
  purpose: "Who read or acknowledged the announcement (read and acknowledgement counts for the manager)",
  basis: "contract",
  retention: "As long as the announcement",
  erasure: "keep",
  personal: true,
};

export const announcementReadsMap = tableMap({
  table: "announcement_reads",
  store: "region",
  subject: "user_id",
  description: "Read receipts of announcements (counted, never listed by name to managers)",
  columns: {
    announcement_id: idColumn,
    user_id: { ...readerRef, erasure: "delete-row" },
    customer_id: customerColumn,
    read_at: {
      category: "technical",
      purpose: "When the person read the announcement",
      basis: "contract",
      retention: "As long as the announcement",
      erasure: "delete-row",
      personal: true,
    },
  },
});

export const announcementAcksMap = tableMap({
  table: "announcement_acks",
  store: "region",
  subject: "user_id",
  // The acknowledgement belongs to the unit (house rules, building works) and is the customer's record;
  // erasure keeps it, and the account it points to is anonymised.
  description: "Acknowledgements of announcements, one per unit",
  columns: {
    announcement_id: idColumn,
    unit_id: { ...readerRef, category: "tenancy", purpose: "The unit that acknowledged" },
    customer_id: customerColumn,
    user_id: readerRef,
    acked_at: { ...readerRef, category: "technical", purpose: "When the unit acknowledged" },
  },
});
