import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { newsletterIssues, newsletterTopics } from "../db/schema/newsletter";
import { newId, randomToken } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { restrictedUser } from "../privacy/restriction";
import { errorCode } from "./fan-out";

/**
 * Sending a newsletter issue (R-P8, decisions 0030 and 0038). Sending only plans: it reads the ids of
 * the subscriptions eligible now and puts them on the jurisdiction's notify queue,
 * RECIPIENTS_PER_MESSAGE per message (`newsletter-queue.ts` writes the mails). Eligible means:
 * confirmed subscribers of the topic, account active, latest newsletter consent in the ledger "given"
 * (R-P7), no objection to direct marketing (R-P6), processing not restricted (R-P5). The consumer
 * applies the same condition again when it mails, so what changed in between is respected.
 *
 * Planning is resumable (decision 0038, session 6): after every accepted `sendBatch` the issue records
 * the last subscription id enqueued and the next message number, so planning can stop anywhere (the
 * queue refuses, the request's budget ends, the isolate dies) and go on later from there — the
 * admin's request plans inline while it works, the minute cron (`resumePlanning`) does the rest. One
 * planner at a time holds an issue (a lease with a random owner token, checked right before each
 * `sendBatch`), so a message number always names one list of subscriptions; a call re-sent after a
 * crash is deduplicated by the consumer.
 */
export const RECIPIENTS_PER_MESSAGE = 50;
/** Subscription ids read per query while planning (ids only: cheap, and no write per recipient). */
const ID_PAGE = 1000;
/** Messages per `sendBatch` call (the platform takes 100 and 256 KB; a message of 50 ids is ~2 KB). */
export const MESSAGES_PER_SEND = 50;
const IDS_PER_SEND = RECIPIENTS_PER_MESSAGE * MESSAGES_PER_SEND;
/** How long a planner holds an issue; checked and renewed before every `sendBatch`. */
export const PLAN_LEASE_MS = 2 * 60_000;
/** `sendBatch` calls the admin's request makes (100,000 recipients) before leaving the rest to the cron. */
const REQUEST_SENDS = 40;
/** Per minute-cron run and jurisdiction: issues resumed and `sendBatch` calls made, at most. */
const RESUME_ISSUES_PER_RUN = 5;
const RESUME_SENDS_PER_RUN = 20;

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

function eligibleIdsAfter(deps: Deps, customerId: string, topicId: string, after: string, limit: number) {
  return deps.db.all<{ sid: string }>(sql`
    SELECT s.id AS sid FROM newsletter_subscriptions s
      JOIN users u ON u.id = s.user_id AND u.customer_id = s.customer_id
     WHERE ${eligibleFor(customerId, topicId)} AND s.id > ${after}
     ORDER BY s.id
     LIMIT ${limit}`);
}

/** The next (up to) IDS_PER_SEND eligible subscription ids after the cursor, ID_PAGE per query. */
async function nextIds(deps: Deps, p: Plan): Promise<string[]> {
  const ids: string[] = [];
  let after = p.cursor;
  while (ids.length < IDS_PER_SEND) {
    const want = Math.min(ID_PAGE, IDS_PER_SEND - ids.length);
    const page = await eligibleIdsAfter(deps, p.customerId, p.topicId, after, want);
    for (const r of page) ids.push(r.sid);
    const last = page.at(-1);
    if (!last || page.length < want) break;
    after = last.sid;
  }
  return ids;
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
  /** Planned so far (all of them once planning is complete). */
  recipients: number;
  sent: number;
  skipped: number;
  /** `planning`: not every recipient is enqueued yet; `sending`: planned, batches still running. */
  state: "planning" | "sending" | "sent";
  sentAt: string;
  completedAt: string | null;
}

/** A planner's hold on an issue and where its planning stands. */
interface Plan {
  issueId: string;
  customerId: string;
  topicId: string;
  owner: string;
  cursor: string;
  seq: number;
  recipients: number;
}

type PlanOutcome = "planned" | "more" | "refused" | "lost";

/**
 * Enqueues the issue's next recipients within the budget of `sendBatch` calls, recording the progress
 * after each. `planned`: every eligible subscription is enqueued (the issue is marked planned);
 * `more`: the budget ended first; `refused`: the queue refused a call (nothing recorded for it);
 * `lost`: another planner holds the issue now (this one stops without sending).
 */
async function plan(deps: Deps, p: Plan, budget: { sends: number }): Promise<PlanOutcome> {
  while (budget.sends > 0) {
    const ids = await nextIds(deps, p);
    if (ids.length === 0) return (await record(deps, p, true)) ? "planned" : "lost";
    const messages: MessageSendRequest<NewsletterBatchMessage>[] = [];
    for (let i = 0; i < ids.length; i += RECIPIENTS_PER_MESSAGE) {
      const body: NewsletterBatchMessage = {
        kind: "newsletter.batch",
        customerId: p.customerId,
        issueId: p.issueId,
        seq: p.seq + messages.length,
        subscriptionIds: ids.slice(i, i + RECIPIENTS_PER_MESSAGE),
      };
      messages.push({ body, contentType: "json" });
    }
    // Still ours? (A planner whose lease ran out must not number messages another one numbers too.)
    if (!(await renew(deps, p))) return "lost";
    budget.sends--;
    try {
      await deps.stores.notify.sendBatch(messages);
    } catch (e) {
      // Counts only: the messages name subscriptions.
      console.error(JSON.stringify({ newsletterPlanningRefused: errorCode(e), seq: p.seq }));
      return "refused";
    }
    p.cursor = ids.at(-1) ?? p.cursor;
    p.seq += messages.length;
    p.recipients += ids.length;
    const final = ids.length < IDS_PER_SEND;
    if (!(await record(deps, p, final))) return "lost";
    if (final) return "planned";
  }
  return "more";
}

const changed = (r: D1Result) => r.meta.changes === 1;

async function renew(deps: Deps, p: Plan) {
  const until = deps.now().getTime() + PLAN_LEASE_MS;
  return changed(
    await deps.db.run(sql`
      UPDATE newsletter_issues SET plan_lease_until = ${until}
       WHERE id = ${p.issueId} AND plan_lease_owner = ${p.owner} AND planned_at IS NULL`),
  );
}

/**
 * Records the progress, only while this planner holds the issue. When planning is complete, the
 * planned message count is set, and the issue is complete here too when every message already ran
 * (the consumer does not wait for the plan; whichever of the two writes last sees the other's count).
 */
async function record(deps: Deps, p: Plan, final: boolean) {
  const now = deps.now().getTime();
  const progress = final
    ? sql`plan_cursor = NULL, plan_seq = ${p.seq}, recipients = ${p.recipients}, planned_at = ${now},
          batches = ${p.seq}, completed_at = CASE WHEN batches_done >= ${p.seq} THEN ${now} ELSE NULL END,
          plan_lease_owner = NULL, plan_lease_until = NULL`
    : sql`plan_cursor = ${p.cursor}, plan_seq = ${p.seq}, recipients = ${p.recipients}`;
  return changed(
    await deps.db.run(sql`
      UPDATE newsletter_issues SET ${progress}
       WHERE id = ${p.issueId} AND plan_lease_owner = ${p.owner} AND planned_at IS NULL`),
  );
}

/** Lets go of the issue so the next minute-cron run goes on with it. */
async function release(deps: Deps, p: Plan) {
  await deps.db.run(sql`
    UPDATE newsletter_issues SET plan_lease_owner = NULL, plan_lease_until = NULL
     WHERE id = ${p.issueId} AND plan_lease_owner = ${p.owner}`);
}

/**
 * Creates the issue and plans it inline while that works; answers at once with the issue. If the
 * queue refuses midway (or the request's budget ends), the issue stays in `planning` with what was
 * enqueued recorded, and the minute cron plans the rest: nobody is left out, nobody mailed twice.
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
  const p: Plan = {
    issueId: newId(),
    customerId,
    topicId: input.topicId,
    owner: randomToken(16),
    cursor: "",
    seq: 0,
    recipients: 0,
  };
  await deps.db.insert(newsletterIssues).values({
    id: p.issueId,
    customerId,
    ...input,
    recipients: 0,
    sentAt: now,
    linkOrigin: origin,
    batches: null,
    planLeaseOwner: p.owner,
    planLeaseUntil: now.getTime() + PLAN_LEASE_MS,
  });
  try {
    const outcome = await plan(deps, p, { sends: REQUEST_SENDS });
    if (outcome !== "planned") await release(deps, p);
  } catch (e) {
    // The issue exists and what was enqueued is recorded: the cron goes on once the lease runs out.
    console.error(JSON.stringify({ newsletterPlanningFailed: errorCode(e), seq: p.seq }));
  }
  return (await issueView(deps, customerId, p.issueId)) as IssueView;
}

/**
 * The minute cron's part (decision 0038, session 6): goes on planning issues whose planning is
 * incomplete and held by nobody (or whose planner's lease ran out), oldest first, bounded per run.
 * Each issue is claimed with a conditional UPDATE, so overlapping runs never plan one issue twice.
 */
export async function resumePlanning(deps: Deps) {
  const now = deps.now().getTime();
  const report = { newsletterPlanned: 0, newsletterPlanningPending: 0 };
  const candidates = await deps.db.all<{ id: string }>(sql`
    SELECT id FROM newsletter_issues
     WHERE planned_at IS NULL AND (plan_lease_until IS NULL OR plan_lease_until <= ${now})
     ORDER BY sent_at LIMIT ${RESUME_ISSUES_PER_RUN}`);
  const budget = { sends: RESUME_SENDS_PER_RUN };
  for (const { id } of candidates) {
    if (budget.sends <= 0) break;
    const owner = randomToken(16);
    const claimed = await deps.db.run(sql`
      UPDATE newsletter_issues SET plan_lease_owner = ${owner}, plan_lease_until = ${now + PLAN_LEASE_MS}
       WHERE id = ${id} AND planned_at IS NULL AND (plan_lease_until IS NULL OR plan_lease_until <= ${now})`);
    if (!changed(claimed)) continue;
    const row = await deps.db.get<
      | { customer_id: string; topic_id: string; plan_cursor: string | null; plan_seq: number; recipients: number }
      | undefined
    >(sql`
      SELECT customer_id, topic_id, plan_cursor, plan_seq, recipients FROM newsletter_issues
       WHERE id = ${id} AND plan_lease_owner = ${owner}`);
    if (!row) continue;
    const p: Plan = {
      issueId: id,
      customerId: row.customer_id,
      topicId: row.topic_id,
      owner,
      cursor: row.plan_cursor ?? "",
      seq: row.plan_seq,
      recipients: row.recipients,
    };
    const outcome = await plan(deps, p, budget);
    if (outcome === "planned") report.newsletterPlanned++;
    else {
      report.newsletterPlanningPending++;
      await release(deps, p);
    }
  }
  return report;
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
  plannedAt: newsletterIssues.plannedAt,
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
  plannedAt: Date | null;
  sentAt: Date;
  completedAt: Date | null;
}): IssueView {
  const done = r.plannedAt !== null && r.batches !== null && r.batchesDone >= r.batches;
  return {
    id: r.id,
    topicId: r.topicId,
    subject: r.subject,
    recipients: r.recipients,
    sent: r.sent,
    skipped: r.skipped,
    state: r.plannedAt === null ? "planning" : done ? "sent" : "sending",
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
