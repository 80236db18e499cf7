import { and, desc, eq, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { outbox } from "../db/schema/auth";
import type { Locale } from "../db/schema/customers";
import { newsletterDeliveries, newsletterIssues, newsletterTopics } from "../db/schema/newsletter";
import { fillText, NEWSLETTER_TEXTS } from "../i18n/newsletter";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { restrictedUser } from "../privacy/restriction";

/**
 * Sending a newsletter issue (R-P8): to confirmed subscribers of the topic only, whose latest
 * newsletter consent in the ledger is "given" (R-P7), who have not objected to direct marketing (R-P6)
 * and whose processing is not restricted (R-P5) — checked in the one query that picks recipients, at
 * the moment of sending. Every mail carries its own unsubscribe link (a delivery token, hashed at rest).
 */
const PAGE = 200;
/** Deliveries per D1 batch: two statements each (delivery row, outbox row). */
const CHUNK = 25;

interface Recipient {
  sid: string;
  uid: string;
  email: string;
  name: string;
  locale: Locale;
}

function recipientsAfter(deps: Deps, customerId: string, topicId: string, after: string) {
  return deps.db.all<Recipient>(sql`
    SELECT s.id AS sid, s.user_id AS uid, u.email AS email, u.name AS name, u.locale AS locale
      FROM newsletter_subscriptions s
      JOIN users u ON u.id = s.user_id AND u.customer_id = s.customer_id
     WHERE s.customer_id = ${customerId} AND s.status = 'confirmed' AND u.status = 'active' AND s.id > ${after}
       AND EXISTS (SELECT 1 FROM newsletter_subscription_topics st
                    WHERE st.subscription_id = s.id AND st.topic_id = ${topicId})
       AND NOT EXISTS (SELECT 1 FROM processing_restrictions r
                        WHERE r.user_id = s.user_id AND r.customer_id = s.customer_id
                          AND r.kind IN ('objection-marketing', 'restriction') AND r.lifted_at IS NULL)
       AND NOT ${restrictedUser(sql`s.user_id`)}
       AND (SELECT c.granted FROM consents c
             WHERE c.user_id = s.user_id AND c.customer_id = s.customer_id AND c.purpose = 'newsletter'
             ORDER BY c.at DESC, c.id DESC LIMIT 1) = 1
     ORDER BY s.id
     LIMIT ${PAGE}`);
}

export async function sendIssue(
  deps: Deps,
  customerId: string,
  input: { topicId: string; subject: string; body: string },
  origin: string,
) {
  const [topic] = await deps.db
    .select({ id: newsletterTopics.id })
    .from(newsletterTopics)
    .where(and(eq(newsletterTopics.id, input.topicId), eq(newsletterTopics.customerId, customerId)));
  if (!topic) throw new AppError("NOT_FOUND", "No such topic.");
  const now = deps.now();
  const issueId = newId();
  await deps.db.insert(newsletterIssues).values({ id: issueId, customerId, ...input, recipients: 0, sentAt: now });
  let sent = 0;
  let after = "";
  for (;;) {
    const page = await recipientsAfter(deps, customerId, input.topicId, after);
    for (let i = 0; i < page.length; i += CHUNK) {
      const stmts = [];
      for (const r of page.slice(i, i + CHUNK)) {
        const token = randomToken();
        const footer = fillText(NEWSLETTER_TEXTS[r.locale].issueFooter, {
          link: `${origin}/newsletter/preferences?token=${token}`,
        });
        stmts.push(
          deps.db.insert(newsletterDeliveries).values({
            id: newId(),
            customerId,
            issueId,
            subscriptionId: r.sid,
            userId: r.uid,
            tokenHash: await sha256Hex(token),
            sentAt: now,
          }),
          deps.db.insert(outbox).values({
            id: newId(),
            customerId,
            userId: r.uid,
            toAddress: r.email,
            template: "newsletter-issue",
            locale: r.locale,
            subject: input.subject,
            bodyText: `${input.body}${footer}`,
            createdAt: now,
          }),
        );
      }
      const [first, ...rest] = stmts;
      if (first) await deps.db.batch([first, ...rest]);
    }
    sent += page.length;
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = last.sid;
  }
  await deps.db.update(newsletterIssues).set({ recipients: sent }).where(eq(newsletterIssues.id, issueId));
  return { id: issueId, topicId: input.topicId, subject: input.subject, recipients: sent, sentAt: now.toISOString() };
}

export async function listIssues(deps: Deps, customerId: string) {
  const rows = await deps.db
    .select({
      id: newsletterIssues.id,
      topicId: newsletterIssues.topicId,
      subject: newsletterIssues.subject,
      recipients: newsletterIssues.recipients,
      sentAt: newsletterIssues.sentAt,
    })
    .from(newsletterIssues)
    .where(eq(newsletterIssues.customerId, customerId))
    .orderBy(desc(newsletterIssues.sentAt))
    .limit(50);
  return rows.map((r) => ({ ...r, sentAt: r.sentAt.toISOString() }));
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
