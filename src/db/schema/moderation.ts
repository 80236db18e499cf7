import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { buildings } from "./estate";
import { users } from "./people";

export const REPORT_REASONS = ["spam", "offensive", "harassment", "personal-data", "illegal", "other"] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export const REPORT_STATUSES = ["open", "resolved", "dismissed"] as const;
export const MODERATION_ACTIONS = ["hide", "restore", "dismiss"] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/**
 * Reports of pinboard posts (R-M1). The post and its content stay in the building room; a report
 * holds the post's id, the reason and an optional note by the reporter. One open report per reporter
 * and post (a partial unique index). Closed reports are purged 180 days after they were closed.
 */
export const moderationReports = sqliteTable(
  "moderation_reports",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    postId: text("post_id").notNull(),
    reporterId: text("reporter_id")
      .notNull()
      .references(() => users.id),
    reason: text("reason", { enum: REPORT_REASONS }).notNull(),
    note: text("note"),
    status: text("status", { enum: REPORT_STATUSES }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    closedAt: integer("closed_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("moderation_reports_open_uq").on(t.postId, t.reporterId).where(sql`${t.status} = 'open'`),
    index("moderation_reports_building_idx").on(t.buildingId, t.status),
    index("moderation_reports_reporter_idx").on(t.reporterId),
    index("moderation_reports_closed_idx").on(t.closedAt),
  ],
);
export type ModerationReport = typeof moderationReports.$inferSelect;

/**
 * The moderation log: ids and actions only (who, what, which post in which building, when). Never
 * content and never a reporter's note. Kept two years, then purged.
 */
export const moderationLog = sqliteTable(
  "moderation_log",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    postId: text("post_id").notNull(),
    actorId: text("actor_id")
      .notNull()
      .references(() => users.id),
    action: text("action", { enum: MODERATION_ACTIONS }).notNull(),
    reports: integer("reports").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("moderation_log_building_idx").on(t.buildingId, t.createdAt),
    index("moderation_log_actor_idx").on(t.actorId),
    index("moderation_log_created_idx").on(t.createdAt),
  ],
);

const report = (c: Omit<ColumnClass, "basis" | "retention" | "personal">): ColumnClass => ({
  ...c,
  basis: "legitimate-interest",
  retention: "Until the report is closed, then 180 days",
  personal: true,
});

export const moderationReportsMap = tableMap({
  table: "moderation_reports",
  store: "region",
  subject: "reporter_id",
  description: "Reports of pinboard posts by residents (R-M1)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    building_id: { ...idColumn, purpose: "The building room of the post" },
    post_id: { ...idColumn, purpose: "The reported post (its content stays in the room)" },
    reporter_id: report({ category: "identifier", purpose: "Who reported the post", erasure: "delete-row" }),
    reason: report({ category: "content", purpose: "Why the post was reported", erasure: "delete-row" }),
    note: report({
      category: "content",
      purpose: "The reporter's optional note to the managers",
      erasure: "delete-row",
    }),
    status: report({ category: "technical", purpose: "Open, resolved or dismissed", erasure: "delete-row" }),
    created_at: createdColumn,
    closed_at: { ...createdColumn, purpose: "When the report was closed (purge after 180 days)" },
  },
});

export const moderationLogMap = tableMap({
  table: "moderation_log",
  store: "region",
  subject: "actor_id",
  description: "Audit trail of moderation: ids and actions only, never content",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    building_id: { ...idColumn, purpose: "The building room of the post" },
    post_id: { ...idColumn, purpose: "The moderated post" },
    actor_id: {
      category: "identifier",
      purpose: "Which manager acted (accountability)",
      basis: "legitimate-interest",
      retention: "Two years",
      erasure: "keep",
      personal: true,
    },
    action: { ...createdColumn, purpose: "Hide, restore or dismiss", retention: "Two years" },
    reports: { ...createdColumn, purpose: "How many open reports the action closed", retention: "Two years" },
    created_at: { ...createdColumn, retention: "Two years" },
  },
});
