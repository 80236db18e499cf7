import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { buildings } from "./estate";
import { users } from "./people";

export const NOTIFY_CATEGORIES = ["announcements", "messages", "pinboard"] as const;
export type NotifyCategoryKey = (typeof NOTIFY_CATEGORIES)[number];
export const NOTIFY_MODES = ["never", "immediately", "daily", "weekly"] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];
/** Defaults (decision 0011): what a resident hears of before they change anything. */
export const DEFAULT_PREFERENCES: Record<NotifyCategoryKey, NotifyMode> = {
  announcements: "immediately",
  messages: "immediately",
  pinboard: "weekly",
};
export const ITEM_REFS = ["announcement", "post", "dm"] as const;
export const ITEM_STATES = ["pending", "sent", "dropped"] as const;

/** Per-person notification settings (R-A5). No row: the defaults apply. */
export const notificationPreferences = sqliteTable("notification_preferences", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  customerId: text("customer_id")
    .notNull()
    .references(() => customers.id),
  announcements: text("announcements", { enum: NOTIFY_MODES }).notNull(),
  messages: text("messages", { enum: NOTIFY_MODES }).notNull(),
  pinboard: text("pinboard", { enum: NOTIFY_MODES }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * One thing a person should hear of by mail: a reference (announcement, post, direct message), never
 * its content. Pending until `due_at` (now, the end of the 10-minute coalescing window, or the next
 * digest time), then sent in one mail with the other due items, or dropped when the person may no
 * longer receive it. Purged 30 days after creation.
 */
export const notificationItems = sqliteTable(
  "notification_items",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    category: text("category", { enum: NOTIFY_CATEGORIES }).notNull(),
    refType: text("ref_type", { enum: ITEM_REFS }).notNull(),
    refId: text("ref_id").notNull(),
    mode: text("mode", { enum: NOTIFY_MODES }).notNull(),
    state: text("state", { enum: ITEM_STATES }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    dueAt: integer("due_at", { mode: "timestamp_ms" }).notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // One mail per person and thing, however often the source repeats itself.
    uniqueIndex("notification_items_ref_uq").on(t.userId, t.refType, t.refId),
    index("notification_items_due_idx").on(t.state, t.dueAt),
    index("notification_items_recent_idx").on(t.userId, t.category, t.sentAt),
    index("notification_items_created_idx").on(t.createdAt),
  ],
);
export type NotificationItem = typeof notificationItems.$inferSelect;

const setting: ColumnClass = {
  category: "technical",
  purpose: "Which notification mails the person wants (R-A5)",
  basis: "contract",
  retention: "As long as the account",
  erasure: "delete-row",
  personal: true,
};
const item = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "contract",
  retention: "30 days",
  erasure: "delete-row",
  personal: true,
});

export const notificationPreferencesMap = tableMap({
  table: "notification_preferences",
  store: "region",
  subject: "user_id",
  description: "Notification settings per category",
  columns: {
    user_id: { ...setting, category: "identifier", purpose: "The person" },
    customer_id: customerColumn,
    announcements: setting,
    messages: setting,
    pinboard: setting,
    updated_at: setting,
  },
});

export const notificationItemsMap = tableMap({
  table: "notification_items",
  store: "region",
  subject: "user_id",
  description: "Pending and sent notification mails per person: references only, never content",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: { ...item("The recipient"), category: "identifier" },
    building_id: item("The building the activity happened in"),
    category: item("Announcements, messages or pinboard"),
    ref_type: item("Kind of thing referenced"),
    ref_id: item("Id of the announcement, post or message (no content)"),
    mode: item("Immediately or in a daily or weekly digest"),
    state: item("Pending, sent or dropped"),
    created_at: createdColumn,
    due_at: item("When the mail is due"),
    sent_at: item("When the mail went out (coalescing window)"),
  },
});
