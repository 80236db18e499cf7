import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  MESSAGES_PER_SEND,
  type NewsletterBatchMessage,
  PLAN_LEASE_MS,
  RECIPIENTS_PER_MESSAGE,
  resumePlanning,
} from "../../src/services/newsletter-send";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import {
  addTopic,
  bulkSubscribers,
  countRows,
  type IssueProgress,
  outboxTo,
  waitForIssue,
} from "../helpers/newsletter";
import { depsAt, handler, runMinuteCron } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// R-P8 (decision 0038, session 6): planning an issue's send is resumable and at-least-once. When the
// notify queue refuses midway, the admin still gets 202 with the issue in "planning"; the minute cron
// goes on from the recorded cursor; every eligible subscriber gets exactly one mail; overlapping
// planners never number two different lists alike; a planned issue is never planned again.

/** One `sendBatch` call fills a message set of this many recipients; one more needs a second call. */
const PER_SEND = RECIPIENTS_PER_MESSAGE * MESSAGES_PER_SEND;
const PEOPLE = PER_SEND + 2 * RECIPIENTS_PER_MESSAGE;

type Row = Record<string, unknown>;
const bindingOf = (w: World) => (w.jurisdiction === "ch" ? "NOTIFY_CH" : "NOTIFY_EU");

/**
 * Fault injection on the real notify queue binding: every call is recorded and passed on to the real
 * queue (whose consumer then runs), except the calls listed in `refuse` (1-based), which throw as the
 * platform does when it refuses — nothing of a refused call is enqueued.
 */
function wrapQueue(w: World, refuse: number[] = []) {
  const real = env[bindingOf(w)];
  const enqueued: NewsletterBatchMessage[] = [];
  let calls = 0;
  const queue = {
    send: (body: unknown, o?: QueueSendOptions) => real.send(body, o),
    sendBatch: async (msgs: Iterable<MessageSendRequest<unknown>>, o?: QueueSendBatchOptions) => {
      calls++;
      if (refuse.includes(calls)) throw new Error("Queue sendBatch failed: injected refusal");
      const list = [...msgs];
      await real.sendBatch(list, o);
      for (const m of list) {
        const b = m.body as Partial<NewsletterBatchMessage>;
        if (b.kind === "newsletter.batch") enqueued.push(b as NewsletterBatchMessage);
      }
    },
  } as unknown as Queue;
  const deps = (at: Date) => {
    const base = depsAt(w.jurisdiction, at);
    return { ...base, stores: { ...base.stores, notify: queue } };
  };
  return { bindings: { ...env, [bindingOf(w)]: queue } as Env, deps, enqueued, calls: () => calls };
}

/** POSTs an issue through the Worker's fetch with the given bindings (all middleware, as the platform). */
async function postIssue(w: World, admin: string, topicId: string, bindings: Env, subject = "Roof party") {
  const origin = ORIGIN_OF(w.slug);
  const req = new Request(`${origin}/api/admin/newsletter/issues`, {
    method: "POST",
    headers: {
      host: new URL(origin).host,
      origin,
      "content-type": "application/json",
      cookie: `__Host-quartier_session=${admin}`,
    },
    body: JSON.stringify({ topicId, subject, body: "Saturday on the roof." }),
  });
  const ctx = createExecutionContext();
  const res = await handler.fetch?.(req as Request<unknown, IncomingRequestCfProperties>, bindings, ctx);
  await waitOnExecutionContext(ctx);
  if (!res) throw new Error("the Worker has no fetch handler");
  return res;
}

async function issueRow(w: World, id: string): Promise<Row> {
  const row = await dbOf(w.jurisdiction)
    .prepare(
      "SELECT recipients, batches, batches_done, sent, skipped, plan_cursor, plan_seq, planned_at, plan_lease_owner, plan_lease_until, completed_at FROM newsletter_issues WHERE id = ?1",
    )
    .bind(id)
    .first<Row>();
  if (!row) throw new Error("no issue");
  return row;
}

const mailsOf = (w: World) =>
  countRows(
    w,
    "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1 AND template = 'newsletter-issue'",
    w.customerId,
  );
/** Addresses of the customer that got the issue more than once (must be none). */
const mailedTwice = (w: World) =>
  countRows(
    w,
    "SELECT count(*) AS n FROM (SELECT to_address FROM outbox WHERE customer_id = ?1 AND template = 'newsletter-issue' GROUP BY to_address HAVING count(*) > 1)",
    w.customerId,
  );

async function adminIssues(w: World, admin: string) {
  const res = await api("/api/admin/newsletter", { app: w.slug, session: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { issues: IssueProgress[] }).issues;
}

/** A world with a topic of `n` confirmed, consenting subscribers. */
async function scene(n: number) {
  const w = await makeWorld();
  const admin = await sessionOf(w, "admin");
  const topic = await addTopic(w, admin, "Events");
  const people = await bulkSubscribers(w, topic, n);
  return { w, admin, topic, people };
}

describe("resumable planning of an issue's send (R-P8)", () => {
  it("the queue refuses the 2nd call: 202 in 'planning', one cron run goes on, everyone mailed exactly once; never planned again; another customer unaffected", async () => {
    const { w, admin, topic, people } = await scene(PEOPLE);
    // Another customer of the same jurisdiction sends an issue of its own, completely.
    const other = await scene(3);
    const otherRes = await api("/api/admin/newsletter/issues", {
      app: other.w.slug,
      session: other.admin,
      json: { topicId: other.topic, subject: "Other", body: "Other customer." },
    });
    expect(otherRes.status).toBe(202);
    const otherIssue = (await otherRes.json()) as IssueProgress;
    await waitForIssue(other.w, other.admin, otherIssue.id);
    const otherBefore = await issueRow(other.w, otherIssue.id);

    const faulty = wrapQueue(w, [2]);
    const res = await postIssue(w, admin, topic, faulty.bindings);
    // Never a 500: the refusal is the server's to handle.
    expect(res.status).toBe(202);
    const issue = (await res.json()) as IssueProgress;
    expect(faulty.calls()).toBe(2);
    expect(issue).toMatchObject({ state: "planning", recipients: PER_SEND, completedAt: null });
    // Progress recorded up to the last accepted call; the lease is let go so the cron can go on.
    expect(await issueRow(w, issue.id)).toMatchObject({
      plan_seq: MESSAGES_PER_SEND,
      plan_cursor: people[PER_SEND - 1]?.subscriptionId,
      planned_at: null,
      batches: null,
      plan_lease_owner: null,
      completed_at: null,
    });
    expect(faulty.enqueued.map((m) => m.seq)).toEqual([...Array(MESSAGES_PER_SEND).keys()]);

    // One of the not yet enqueued subscribers unsubscribes meanwhile: not planned, not mailed.
    const leaver = people[PEOPLE - 1];
    await dbOf(w.jurisdiction)
      .prepare("UPDATE newsletter_subscriptions SET status = 'ended', ended_at = ?1 WHERE id = ?2")
      .bind(Date.now(), leaver?.subscriptionId)
      .run();
    // The first call's batches are being mailed; the issue is not complete while planning is not.
    expect((await adminIssues(w, admin)).find((i) => i.id === issue.id)?.state).toBe("planning");

    const cron = wrapQueue(w);
    await runMinuteCron(new Date(), cron.bindings);
    const resumed = cron.enqueued.filter((m) => m.issueId === issue.id);
    expect(resumed.map((m) => m.seq)).toEqual([MESSAGES_PER_SEND, MESSAGES_PER_SEND + 1]);
    // References of this customer only, and exactly the subscribers after the cursor.
    expect(resumed.every((m) => m.customerId === w.customerId)).toBe(true);
    expect(resumed.flatMap((m) => m.subscriptionIds)).toEqual(
      people.slice(PER_SEND, PEOPLE - 1).map((p) => p.subscriptionId),
    );
    const planned = await issueRow(w, issue.id);
    expect(planned).toMatchObject({
      recipients: PEOPLE - 1,
      batches: MESSAGES_PER_SEND + 2,
      plan_seq: MESSAGES_PER_SEND + 2,
      plan_cursor: null,
      plan_lease_owner: null,
    });
    expect(planned.planned_at).not.toBeNull();

    const done = await waitForIssue(w, admin, issue.id, 90_000);
    expect(done).toMatchObject({ recipients: PEOPLE - 1, sent: PEOPLE - 1, skipped: 0, state: "sent" });
    expect(done.completedAt).not.toBeNull();
    expect(await mailsOf(w)).toBe(PEOPLE - 1);
    expect(await mailedTwice(w)).toBe(0);
    expect(await countRows(w, "SELECT count(*) AS n FROM newsletter_deliveries WHERE issue_id = ?1", issue.id)).toBe(
      PEOPLE - 1,
    );
    expect(await countRows(w, "SELECT count(*) AS n FROM newsletter_issue_batches WHERE issue_id = ?1", issue.id)).toBe(
      MESSAGES_PER_SEND + 2,
    );
    for (const p of [people[0], people[PER_SEND - 1], people[PER_SEND], people[PEOPLE - 2]]) {
      expect(await outboxTo(w, p?.email ?? "", "newsletter-issue")).toHaveLength(1);
    }
    expect(await outboxTo(w, leaver?.email ?? "", "newsletter-issue")).toEqual([]);

    // Complete issues are never planned again, however often the cron runs.
    const again = wrapQueue(w);
    await runMinuteCron(new Date(Date.now() + PLAN_LEASE_MS + 60_000), again.bindings);
    await runMinuteCron(new Date(Date.now() + 2 * PLAN_LEASE_MS), again.bindings);
    expect(again.enqueued).toEqual([]);
    expect(await issueRow(w, issue.id)).toMatchObject({
      plan_seq: MESSAGES_PER_SEND + 2,
      batches: MESSAGES_PER_SEND + 2,
    });
    expect(await mailsOf(w)).toBe(PEOPLE - 1);

    // The other customer's issue and subscribers: untouched, and it never sees this issue.
    expect(await issueRow(other.w, otherIssue.id)).toEqual(otherBefore);
    expect(otherBefore).toMatchObject({ recipients: 3, sent: 3, batches: 1, plan_seq: 1 });
    expect(await mailsOf(other.w)).toBe(3);
    expect((await adminIssues(other.w, other.admin)).map((i) => i.id)).toEqual([otherIssue.id]);
  }, 180_000);

  it("a planner's live lease is respected; two overlapping cron runs after it ran out plan the rest once", async () => {
    const { w, admin, topic, people } = await scene(PEOPLE);
    const faulty = wrapQueue(w, [2]);
    const res = await postIssue(w, admin, topic, faulty.bindings, "Overlap");
    expect(res.status).toBe(202);
    const issue = (await res.json()) as IssueProgress;
    expect(issue.state).toBe("planning");

    // A planner that died while holding the issue (its lease still runs): the cron leaves it alone.
    const now = Date.now();
    await dbOf(w.jurisdiction)
      .prepare("UPDATE newsletter_issues SET plan_lease_owner = 'crashed-planner', plan_lease_until = ?1 WHERE id = ?2")
      .bind(now + PLAN_LEASE_MS, issue.id)
      .run();
    const early = wrapQueue(w);
    await runMinuteCron(new Date(now + 1_000), early.bindings);
    expect(early.enqueued.filter((m) => m.issueId === issue.id)).toEqual([]);
    expect(await issueRow(w, issue.id)).toMatchObject({ plan_seq: MESSAGES_PER_SEND, planned_at: null });

    // Its lease ran out: two resume runs exactly overlapping (both read the candidates before either
    // claims); one claims the issue, the other finds it held and plans nothing.
    const later = new Date(now + PLAN_LEASE_MS + 1_000);
    const a = wrapQueue(w);
    const b = wrapQueue(w);
    const reports = await Promise.all([resumePlanning(a.deps(later)), resumePlanning(b.deps(later))]);
    expect(reports.map((r) => r.newsletterPlanned).sort()).toEqual([0, 1]);
    // And two whole minute-cron runs overlapping afterwards: nothing more to plan.
    const c = wrapQueue(w);
    await Promise.all([runMinuteCron(later, c.bindings), runMinuteCron(later, c.bindings)]);
    expect(c.enqueued.filter((m) => m.issueId === issue.id)).toEqual([]);
    const resumed = [...a.enqueued, ...b.enqueued].filter((m) => m.issueId === issue.id);
    expect(resumed.map((m) => m.seq).sort((x, y) => x - y)).toEqual([MESSAGES_PER_SEND, MESSAGES_PER_SEND + 1]);
    // Every message number names one list, and every subscriber is planned exactly once.
    const all = [...faulty.enqueued, ...resumed].filter((m) => m.issueId === issue.id);
    expect(new Set(all.map((m) => m.seq)).size).toBe(all.length);
    const ids = all.flatMap((m) => m.subscriptionIds);
    expect(ids.sort()).toEqual(people.map((p) => p.subscriptionId).sort());

    const done = await waitForIssue(w, admin, issue.id, 90_000);
    expect(done).toMatchObject({ recipients: PEOPLE, sent: PEOPLE, skipped: 0, state: "sent" });
    expect(await mailsOf(w)).toBe(PEOPLE);
    expect(await mailedTwice(w)).toBe(0);

    // Planned: the cursor and the lease are cleared.
    expect(await issueRow(w, issue.id)).toMatchObject({ plan_lease_owner: null, plan_cursor: null });
  }, 180_000);

  it("the queue refuses the first call: 202 with nothing planned yet, the cron plans it all", async () => {
    const { w, admin, topic, people } = await scene(3);
    const faulty = wrapQueue(w, [1]);
    const res = await postIssue(w, admin, topic, faulty.bindings, "First refused");
    expect(res.status).toBe(202);
    const issue = (await res.json()) as IssueProgress;
    expect(issue).toMatchObject({ state: "planning", recipients: 0, sent: 0, completedAt: null });
    expect(faulty.enqueued).toEqual([]);

    const cron = wrapQueue(w);
    await runMinuteCron(new Date(), cron.bindings);
    expect(cron.enqueued.filter((m) => m.issueId === issue.id)).toEqual([
      {
        kind: "newsletter.batch",
        customerId: w.customerId,
        issueId: issue.id,
        seq: 0,
        subscriptionIds: people.map((p) => p.subscriptionId),
      },
    ]);
    const done = await waitForIssue(w, admin, issue.id);
    expect(done).toMatchObject({ recipients: 3, sent: 3, state: "sent" });
    expect(await mailedTwice(w)).toBe(0);
  }, 60_000);
});
