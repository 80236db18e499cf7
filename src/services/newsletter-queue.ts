import { type SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import type { Deps } from "../app-env";
import type { Locale } from "../db/schema/customers";
import { fillText, NEWSLETTER_TEXTS } from "../i18n/newsletter";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { errorCode } from "./fan-out";
import { eligibleFor, RECIPIENTS_PER_MESSAGE } from "./newsletter-send";

/**
 * The consumer half of sending an issue (decision 0038): one notify-queue message names up to
 * RECIPIENTS_PER_MESSAGE subscriptions of one issue. Each message is one D1 transaction that
 * - re-checks eligibility at this moment (unsubscribed, objected, restricted, erased people get nothing),
 * - inserts one delivery per recipient — unique per issue and subscription, so a redelivered or
 *   concurrently delivered message mails nobody twice — and one outbox mail per delivery it inserted,
 * - records the message as done with its counts (`newsletter_issue_batches`) and sums the issue's
 *   progress from those rows. A message already recorded is acknowledged without work.
 */
const ident = z.string().min(1).max(64);
const messageSchema = z.strictObject({
  kind: z.literal("newsletter.batch"),
  customerId: ident,
  issueId: ident,
  seq: z.number().int().min(0).max(1_000_000),
  subscriptionIds: z.array(ident).min(1).max(RECIPIENTS_PER_MESSAGE),
});
type BatchMessage = z.infer<typeof messageSchema>;
const dialect = new SQLiteAsyncDialect();

export const isNewsletterMessage = (body: unknown) =>
  typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "newsletter.batch";

export type BatchOutcome = "done" | "already-done" | "invalid";

/** Processes one batch message (exported for tests that feed the consumer directly). */
export async function processNewsletterBatch(deps: Deps, body: unknown): Promise<BatchOutcome> {
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) return "invalid";
  const m = parsed.data;
  const issue = await deps.db.get<{ topic_id: string; link_origin: string; done: number } | undefined>(sql`
    SELECT i.topic_id, i.link_origin,
           EXISTS (SELECT 1 FROM newsletter_issue_batches b WHERE b.issue_id = i.id AND b.seq = ${m.seq}) AS done
      FROM newsletter_issues i WHERE i.id = ${m.issueId} AND i.customer_id = ${m.customerId}`);
  if (!issue) return "invalid";
  if (issue.done) return "already-done";
  await writeBatch(deps, m, issue.topic_id, issue.link_origin);
  return "done";
}

async function writeBatch(deps: Deps, m: BatchMessage, topicId: string, origin: string) {
  const { db } = deps;
  const now = deps.now().getTime();
  const ids = JSON.stringify(m.subscriptionIds);
  const eligible = eligibleFor(m.customerId, topicId);
  // Who may get it now; the same condition is applied again inside the transaction below.
  const recipients = await db.all<{ sid: string; locale: Locale }>(sql`
    SELECT s.id AS sid, u.locale AS locale FROM newsletter_subscriptions s
      JOIN users u ON u.id = s.user_id AND u.customer_id = s.customer_id
     WHERE s.id IN (SELECT value FROM json_each(${ids})) AND ${eligible}`);
  const mails = [];
  for (const r of recipients) {
    // Every mail gets its own unsubscribe token (hashed at rest), as in decision 0030.
    const token = randomToken();
    const t = NEWSLETTER_TEXTS[r.locale] ?? NEWSLETTER_TEXTS.en;
    mails.push({
      sid: r.sid,
      did: newId(),
      oid: newId(),
      th: await sha256Hex(token),
      locale: r.locale,
      footer: fillText(t.issueFooter, { link: `${origin}/newsletter/preferences?token=${token}` }),
    });
  }
  const payload = JSON.stringify(mails);
  // Raw D1 statements (drizzle's batch takes no raw SQL), rendered from the same SQL fragments.
  const d1 = deps.stores.db;
  const stmt = (q: SQL) => {
    const { sql: text, params } = dialect.sqlToQuery(q);
    return d1.prepare(text).bind(...params);
  };
  await d1.batch([
    stmt(sql`
      INSERT INTO newsletter_deliveries (id, customer_id, issue_id, subscription_id, user_id, token_hash, sent_at)
      SELECT json_extract(j.value, '$.did'), s.customer_id, ${m.issueId}, s.id, s.user_id,
             json_extract(j.value, '$.th'), ${now}
        FROM json_each(${payload}) j
        JOIN newsletter_subscriptions s ON s.id = json_extract(j.value, '$.sid')
        JOIN users u ON u.id = s.user_id AND u.customer_id = s.customer_id
       WHERE ${eligible}
      ON CONFLICT (issue_id, subscription_id) DO NOTHING`),
    // Mails only for the deliveries this transaction inserted (their token hash is new).
    stmt(sql`
      INSERT INTO outbox (id, customer_id, user_id, to_address, template, locale, subject, body_text, created_at)
      SELECT json_extract(j.value, '$.oid'), d.customer_id, d.user_id, u.email, 'newsletter-issue',
             json_extract(j.value, '$.locale'), i.subject, i.body || json_extract(j.value, '$.footer'), ${now}
        FROM json_each(${payload}) j
        JOIN newsletter_deliveries d ON d.issue_id = ${m.issueId} AND d.subscription_id = json_extract(j.value, '$.sid')
             AND d.token_hash = json_extract(j.value, '$.th')
        JOIN users u ON u.id = d.user_id
        JOIN newsletter_issues i ON i.id = d.issue_id
       WHERE true`),
    stmt(sql`
      INSERT INTO newsletter_issue_batches (issue_id, seq, customer_id, sent, skipped, done_at)
      SELECT ${m.issueId}, ${m.seq}, ${m.customerId}, count(*), ${m.subscriptionIds.length} - count(*), ${now}
        FROM newsletter_deliveries
       WHERE issue_id = ${m.issueId} AND subscription_id IN (SELECT value FROM json_each(${ids}))
      ON CONFLICT (issue_id, seq) DO NOTHING`),
    stmt(sql`
      UPDATE newsletter_issues
         SET sent = (SELECT coalesce(sum(b.sent), 0) FROM newsletter_issue_batches b WHERE b.issue_id = ${m.issueId}),
             skipped = (SELECT coalesce(sum(b.skipped), 0) FROM newsletter_issue_batches b WHERE b.issue_id = ${m.issueId}),
             batches_done = (SELECT count(*) FROM newsletter_issue_batches b WHERE b.issue_id = ${m.issueId}),
             completed_at = CASE
               WHEN completed_at IS NULL AND batches IS NOT NULL
                AND (SELECT count(*) FROM newsletter_issue_batches b WHERE b.issue_id = ${m.issueId}) >= batches
               THEN ${now} ELSE completed_at END
       WHERE id = ${m.issueId} AND customer_id = ${m.customerId}`),
  ]);
}

/**
 * The newsletter messages of a notify-queue batch: each processed and acknowledged on its own (a
 * failing one is retried alone; an invalid one is dropped, never retried). Returns the other messages
 * for the notify consumer. Counts only in the log: the messages name subscriptions.
 */
export async function consumeNewsletterMessages(
  deps: Deps,
  messages: readonly Message<unknown>[],
): Promise<Message<unknown>[]> {
  const rest: Message<unknown>[] = [];
  const counts = { newsletterBatches: 0, newsletterRedelivered: 0, newsletterInvalid: 0, newsletterFailed: 0 };
  for (const msg of messages) {
    if (!isNewsletterMessage(msg.body)) {
      rest.push(msg);
      continue;
    }
    try {
      const outcome = await processNewsletterBatch(deps, msg.body);
      if (outcome === "done") counts.newsletterBatches++;
      else if (outcome === "already-done") counts.newsletterRedelivered++;
      else counts.newsletterInvalid++;
      msg.ack();
    } catch (e) {
      counts.newsletterFailed++;
      console.error(JSON.stringify({ newsletterBatchFailed: errorCode(e) }));
      msg.retry({ delaySeconds: 30 });
    }
  }
  if (rest.length < messages.length) console.log(JSON.stringify(counts));
  return rest;
}
