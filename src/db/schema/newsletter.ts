import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  type ColumnClass,
  createdColumn,
  customerColumn,
  idColumn,
  orgColumn,
  tableMap,
} from "../../privacy/classification";
import { customers } from "./customers";
import { users } from "./people";

/**
 * The newsletter (R-P8, decision 0030): a customer's topics and issues, and residents' double opt-in
 * subscriptions with the proof of sign-up. A subscription is `pending` until the link in the
 * confirmation mail is used, `confirmed` while mails may go out, `ended` after unsubscribing (the
 * proof is then kept for the limitation period and purged). Every mailed issue has one delivery row
 * per recipient, whose token (hashed) is the personal unsubscribe link of that mail.
 */
export const NEWSLETTER_STATUSES = ["pending", "confirmed", "ended"] as const;

export const newsletterTopics = sqliteTable(
  "newsletter_topics",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("newsletter_topics_customer_idx").on(t.customerId)],
);

export const newsletterSubscriptions = sqliteTable(
  "newsletter_subscriptions",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: NEWSLETTER_STATUSES }).notNull(),
    /** Proof of sign-up (R-P8): the address and name as they were when the person signed up. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    signupIp: text("signup_ip").notNull(),
    signupAt: integer("signup_at", { mode: "timestamp_ms" }).notNull(),
    textVersion: text("text_version").notNull(),
    /** SHA-256 of the single-use confirmation token; cleared once used. */
    confirmTokenHash: text("confirm_token_hash"),
    confirmExpiresAt: integer("confirm_expires_at", { mode: "timestamp_ms" }).notNull(),
    confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }),
    confirmIp: text("confirm_ip"),
    endedAt: integer("ended_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("newsletter_subscriptions_open_uq")
      .on(t.customerId, t.userId)
      .where(sql`${t.status} in ('pending', 'confirmed')`),
    uniqueIndex("newsletter_subscriptions_token_uq").on(t.confirmTokenHash),
    index("newsletter_subscriptions_user_idx").on(t.userId),
    index("newsletter_subscriptions_purge_idx").on(t.status, t.confirmExpiresAt),
    index("newsletter_subscriptions_ended_idx").on(t.status, t.endedAt),
  ],
);

export const newsletterSubscriptionTopics = sqliteTable(
  "newsletter_subscription_topics",
  {
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => newsletterSubscriptions.id),
    topicId: text("topic_id")
      .notNull()
      .references(() => newsletterTopics.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
  },
  (t) => [
    primaryKey({ columns: [t.subscriptionId, t.topicId] }),
    index("newsletter_subscription_topics_topic_idx").on(t.topicId),
    index("newsletter_subscription_topics_user_idx").on(t.userId),
  ],
);

export const newsletterIssues = sqliteTable(
  "newsletter_issues",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    topicId: text("topic_id")
      .notNull()
      .references(() => newsletterTopics.id),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    /** Recipients planned when the admin sent it (eligible then); each is checked again when mailed. */
    recipients: integer("recipients").notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
    /** The app's origin, for the preference-centre link in each mail. */
    linkOrigin: text("link_origin").notNull().default(""),
    /** Queue messages planned (null while the send is still being planned), and those done. */
    batches: integer("batches"),
    batchesDone: integer("batches_done").notNull().default(0),
    /** Mails written to the outbox, and planned recipients no longer eligible when their batch ran. */
    sent: integer("sent").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    completedAt: integer("completed_at", { mode: "timestamp_ms" }),
    /**
     * Planning progress (decision 0038, session 6), written after each accepted `sendBatch`: the last
     * subscription id enqueued (ids sort; null before the first and once planned) and the next message
     * number. `planned_at` is set when every eligible subscription is enqueued; until then the minute
     * cron resumes from the cursor.
     */
    planCursor: text("plan_cursor"),
    planSeq: integer("plan_seq").notNull().default(0),
    plannedAt: integer("planned_at", { mode: "timestamp_ms" }),
    /** The planner holding the issue (random token) and until when (ms): one planner at a time. */
    planLeaseOwner: text("plan_lease_owner"),
    planLeaseUntil: integer("plan_lease_until"),
  },
  (t) => [
    index("newsletter_issues_customer_idx").on(t.customerId, t.sentAt),
    index("newsletter_issues_planning_idx").on(t.sentAt).where(sql`${t.plannedAt} is null`),
  ],
);

/**
 * One row per queue message of an issue that has been processed (decision 0038): written in the same
 * D1 transaction as the batch's deliveries and mails, so a redelivered message finds it and does
 * nothing, and the issue's counts are sums over these rows (never counted twice).
 */
export const newsletterIssueBatches = sqliteTable(
  "newsletter_issue_batches",
  {
    issueId: text("issue_id")
      .notNull()
      .references(() => newsletterIssues.id),
    seq: integer("seq").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    sent: integer("sent").notNull(),
    skipped: integer("skipped").notNull(),
    doneAt: integer("done_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.issueId, t.seq] })],
);

export const newsletterDeliveries = sqliteTable(
  "newsletter_deliveries",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    issueId: text("issue_id")
      .notNull()
      .references(() => newsletterIssues.id),
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => newsletterSubscriptions.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** SHA-256 of the mail's personal unsubscribe token (the preference-centre link). */
    tokenHash: text("token_hash").notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("newsletter_deliveries_token_uq").on(t.tokenHash),
    // One mail per issue and subscription: a redelivered queue message cannot mail twice.
    uniqueIndex("newsletter_deliveries_issue_uq").on(t.issueId, t.subscriptionId),
    index("newsletter_deliveries_subscription_idx").on(t.subscriptionId),
    index("newsletter_deliveries_user_idx").on(t.userId),
  ],
);

/** Retention of the proof (decision 0030): while subscribed, then three years (limitation period). */
const PROOF_RETENTION =
  "While subscribed; after unsubscribing 3 years (limitation period, proof of consent), unconfirmed sign-ups 48 hours";

const proof = (purpose: string, category: ColumnClass["category"] = "technical"): ColumnClass => ({
  category,
  purpose,
  basis: "consent",
  retention: PROOF_RETENTION,
  erasure: "delete-row",
  personal: true,
});
const subjectColumn: ColumnClass = {
  category: "identifier",
  purpose: "The subscriber",
  basis: "consent",
  retention: PROOF_RETENTION,
  erasure: "delete-row",
  personal: true,
};

export const newsletterTopicsMap = tableMap({
  table: "newsletter_topics",
  store: "region",
  description: "Newsletter topics a customer offers",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    name: orgColumn("Topic name chosen by the customer"),
    created_at: createdColumn,
  },
});

export const newsletterSubscriptionsMap = tableMap({
  table: "newsletter_subscriptions",
  store: "region",
  subject: "user_id",
  description: "Newsletter subscriptions with the double opt-in proof (R-P8)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    user_id: subjectColumn,
    status: proof("Pending confirmation, confirmed or ended"),
    email: proof("Proof of sign-up: the address subscribed", "contact"),
    name: proof("Proof of sign-up: the name given", "identity"),
    signup_ip: proof("Proof of sign-up: IP address of the request"),
    signup_at: proof("Proof of sign-up: time"),
    text_version: proof("Version of the consent text shown"),
    confirm_token_hash: { ...proof("Single-use confirmation link (hash)", "credential") },
    confirm_expires_at: proof("End of the confirmation link's validity"),
    confirmed_at: proof("Proof of the double opt-in: time of confirmation"),
    confirm_ip: proof("Proof of the double opt-in: IP address of the confirmation"),
    ended_at: proof("When the person unsubscribed"),
  },
});

export const newsletterSubscriptionTopicsMap = tableMap({
  table: "newsletter_subscription_topics",
  store: "region",
  subject: "user_id",
  description: "The topics of a newsletter subscription (preference centre)",
  columns: {
    subscription_id: proof("The subscription"),
    topic_id: proof("A topic the person chose"),
    customer_id: customerColumn,
    user_id: subjectColumn,
  },
});

export const newsletterIssuesMap = tableMap({
  table: "newsletter_issues",
  store: "region",
  description: "Newsletter issues sent by the customer (content and recipient count, no recipients)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    topic_id: orgColumn("Topic of the issue"),
    subject: orgColumn("Subject written by the customer"),
    body: orgColumn("Text written by the customer"),
    recipients: orgColumn("How many people it was planned for when sent"),
    sent_at: createdColumn,
    link_origin: orgColumn("Address of the app, for the links in the mails"),
    batches: orgColumn("Queue messages planned for the send"),
    batches_done: orgColumn("Queue messages processed"),
    sent: orgColumn("How many mails were written (a count)"),
    skipped: orgColumn("How many planned recipients were no longer eligible when mailed (a count)"),
    completed_at: orgColumn("When the last batch was processed"),
    plan_cursor: {
      category: "technical",
      purpose: "Planning position: id of the last subscription enqueued (a reference only; cleared once planned)",
      basis: "none",
      retention: "Until the issue is planned",
      erasure: "keep",
      personal: false,
    },
    plan_seq: orgColumn("Queue messages enqueued so far (planning progress)"),
    planned_at: orgColumn("When every planned recipient was enqueued"),
    plan_lease_owner: {
      category: "technical",
      purpose: "Which planner run holds the issue (random token), so two never plan it at once",
      basis: "none",
      retention: "Until the issue is planned",
      erasure: "keep",
      personal: false,
    },
    plan_lease_until: orgColumn("Until when that planner holds the issue"),
  },
});

export const newsletterIssueBatchesMap = tableMap({
  table: "newsletter_issue_batches",
  store: "region",
  description: "Progress of an issue's send: one row per processed queue message, counts only",
  columns: {
    issue_id: orgColumn("The issue"),
    seq: orgColumn("Number of the queue message within the send"),
    customer_id: customerColumn,
    sent: orgColumn("Mails written by this message (a count)"),
    skipped: orgColumn("Recipients no longer eligible (a count)"),
    done_at: createdColumn,
  },
});

export const newsletterDeliveriesMap = tableMap({
  table: "newsletter_deliveries",
  store: "region",
  subject: "user_id",
  description: "Which issue went to whom, with the mail's personal unsubscribe link (hash)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    issue_id: proof("The issue sent"),
    subscription_id: proof("The subscription it was sent under"),
    user_id: subjectColumn,
    token_hash: proof("Personal unsubscribe link of the mail (hash)", "credential"),
    sent_at: proof("When it was sent"),
  },
});
