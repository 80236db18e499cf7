import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { newsletterIssues, newsletterTopics } from "../db/schema/newsletter";
import { newId } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { restrictedUser } from "../privacy/restriction";

/**
 * Sending a newsletter issue (R-P8, decisions 0030 and 0038). The admin's request only plans: it
 * reads the ids of the subscriptions eligible now and puts them on the jurisdiction's notify queue,
 * RECIPIENTS_PER_MESSAGE per message (`newsletter-queue.ts` writes the mails). Eligible means:
 * confirmed subscribers of the topic, account active, latest newsletter consent in the ledger "given"
 * (R-P7), no objection to direct marketing (R-P6), processing not restricted (R-P5). The consumer
 * applies the same condition again when it mails, so what changed in between is respected.
 */
export const RECIPIENTS_PER_MESSAGE = 50;
/** Subscription ids read per query while planning (ids only: cheap, and no write per recipient). */
const ID_PAGE = 1000;
/** Messages per `sendBatch` call (the platform takes 100 and 256 KB; a message of 50 ids is ~2 KB). */
const MESSAGES_PER_SEND = 50;

/**
 * The subscriptions (alias `s`, joined with their account as `u`) that may receive an issue of the
 * topic right now. One condition for planning and for mailing.
 */
export function eligibleFor(customerId: string, topicId: string): SQL {
  return sql`s.customer_id = ${customerId} AND s.status = 'confirmed' AND u.status = 'active'
       AND EXISTS (SELECT 1 FROM newsletter_subscription_topics st
                    WHERE st.subscription_id = s.id AND st.topic_id = ${topicId})
       AND NOT EXISTS (SELECT 1 FROM processing_restrictions r
                        WHERE r.user_id = s.user_id AND r.customer_id = s.customer_id
                          AND r.kind IN ('objection-marketing', 'restriction') AND r.lifted_at IS NULL)
       AND NOT ${restrictedUser(sql`s.user_id`)}
       AND (SELECT c.granted FROM consents c
             WHERE c.user_id = s.user_id AND c.customer_id = s.customer_id AND c.purpose = 'newsletter'
             ORDER BY c.at DESC, c.id DESC LIMIT 1) = 1`;
}

function eligibleIdsAfter(deps: Deps, customerId: string, topicId: string, after: string) {
  return deps.db.all<{ sid: string }>(sql`
    SELECT s.id AS sid FROM newsletter_subscriptions s
      JOIN users u ON u.id = s.user_id AND u.customer_id = s.customer_id
     WHERE ${eligibleFor(customerId, topicId)} AND s.id > ${after}
     ORDER BY s.id
     LIMIT ${ID_PAGE}`);
}

/** A queue message of an issue's send: references only (ids), never an address or a text. */
export interface NewsletterBatchMessage {
  kind: "newsletter.batch";
  customerId: string;
  issueId: string;
  seq: number;
  subscriptionIds: string[];
}

export interface IssueView {
  id: string;
  topicId: string;
  subject: string;
  /** Planned when sent. */
  recipients: number;
  sent: number;
  skipped: number;
  state: "sending" | "sent";
  sentAt: string;
  completedAt: string | null;
}

/**
 * Plans the send of an issue and enqueues it; answers at once with the planned count. If the queue
 * refuses midway, the issue records what was enqueued (those mails still go out) and the error
 * propagates: nothing is planned twice.
 */
export async function sendIssue(
  deps: Deps,
  customerId: string,
  input: { topicId: string; subject: string; body: string },
  origin: string,
): Promise<IssueView> {
  const [topic] = await deps.db
    .select({ id: newsletterTopics.id })
    .from(newsletterTopics)
    .where(and(eq(newsletterTopics.id, input.topicId), eq(newsletterTopics.customerId, customerId)));
  if (!topic) throw new AppError("NOT_FOUND", "No such topic.");
  const now = deps.now();
  const issueId = newId();
  await deps.db
    .insert(newsletterIssues)
    .values({ id: issueId, customerId, ...input, recipients: 0, sentAt: now, linkOrigin: origin, batches: null });
  let planned = 0;
  let seq = 0;
  let pending: MessageSendRequest<NewsletterBatchMessage>[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await deps.stores.notify.sendBatch(pending);
    seq += pending.length;
    planned += pending.reduce((n, m) => n + m.body.subscriptionIds.length, 0);
    pending = [];
  };
  try {
    let after = "";
    for (;;) {
      const page = await eligibleIdsAfter(deps, customerId, input.topicId, after);
      for (let i = 0; i < page.length; i += RECIPIENTS_PER_MESSAGE) {
        const ids = page.slice(i, i + RECIPIENTS_PER_MESSAGE).map((r) => r.sid);
        const body = {
          kind: "newsletter.batch" as const,
          customerId,
          issueId,
          seq: seq + pending.length,
          subscriptionIds: ids,
        };
        pending.push({ body, contentType: "json" });
        if (pending.length >= MESSAGES_PER_SEND) await flush();
      }
      const last = page.at(-1);
      if (!last || page.length < ID_PAGE) break;
      after = last.sid;
    }
    await flush();
  } finally {
    await finishPlanning(deps, issueId, planned, seq);
  }
  return (await issueView(deps, customerId, issueId)) as IssueView;
}

/**
 * Records the plan. Batches may already have run meanwhile (the consumer does not wait for the plan),
 * so the issue is marked complete here too when every planned batch is done.
 */
async function finishPlanning(deps: Deps, issueId: string, recipients: number, batches: number) {
  const now = deps.now().getTime();
  await deps.db.run(sql`
    UPDATE newsletter_issues SET recipients = ${recipients}, batches = ${batches},
           completed_at = CASE WHEN batches_done >= ${batches} THEN ${now} ELSE NULL END
     WHERE id = ${issueId}`);
}

const issueColumns = {
  id: newsletterIssues.id,
  topicId: newsletterIssues.topicId,
  subject: newsletterIssues.subject,
  recipients: newsletterIssues.recipients,
  sent: newsletterIssues.sent,
  skipped: newsletterIssues.skipped,
  batches: newsletterIssues.batches,
  batchesDone: newsletterIssues.batchesDone,
  sentAt: newsletterIssues.sentAt,
  completedAt: newsletterIssues.completedAt,
};

function toView(r: {
  id: string;
  topicId: string;
  subject: string;
  recipients: number;
  sent: number;
  skipped: number;
  batches: number | null;
  batchesDone: number;
  sentAt: Date;
  completedAt: Date | null;
}): IssueView {
  const done = r.batches !== null && r.batchesDone >= r.batches;
  return {
    id: r.id,
    topicId: r.topicId,
    subject: r.subject,
    recipients: r.recipients,
    sent: r.sent,
    skipped: r.skipped,
    state: done ? "sent" : "sending",
    sentAt: r.sentAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
  };
}

/** One issue of the customer with its progress (counts only), or null. */
export async function issueView(deps: Deps, customerId: string, issueId: string): Promise<IssueView | null> {
  const [row] = await deps.db
    .select(issueColumns)
    .from(newsletterIssues)
    .where(and(eq(newsletterIssues.id, issueId), eq(newsletterIssues.customerId, customerId)));
  return row ? toView(row) : null;
}

export async function listIssues(deps: Deps, customerId: string): Promise<IssueView[]> {
  const rows = await deps.db
    .select(issueColumns)
    .from(newsletterIssues)
    .where(eq(newsletterIssues.customerId, customerId))
    .orderBy(desc(newsletterIssues.sentAt))
    .limit(50);
  return rows.map(toView);
}

/** Confirmed subscribers per topic (counts only: the admin never sees who subscribed). */
export async function subscriberCounts(deps: Deps, customerId: string) {
  const rows = await deps.db.all<{ topic_id: string; n: number }>(sql`
    SELECT st.topic_id, count(*) AS n FROM newsletter_subscription_topics st
      JOIN newsletter_subscriptions s ON s.id = st.subscription_id
     WHERE st.customer_id = ${customerId} AND s.status = 'confirmed'
     GROUP BY st.topic_id`);
  return new Map(rows.map((r) => [r.topic_id, r.n]));
}
