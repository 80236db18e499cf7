import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { regionStores } from "../../src/region";
import { RECIPIENTS_PER_MESSAGE, sendIssue } from "../../src/services/newsletter-send";
import { makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  addTopic,
  bulkSubscribers,
  countRows,
  type IssueProgress,
  linkToken,
  outboxTo,
  waitForIssue,
} from "../helpers/newsletter";
import { depsAt, handler, intent } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// R-P8 newsletter sending through the notify queue (decision 0038): the admin's request only plans and
// enqueues batches of RECIPIENTS_PER_MESSAGE subscriptions; the consumer writes the mails to the
// outbox idempotently (one delivery per issue and subscription), re-checks R-P5/R-P6/R-P7 and erasure
// (R-P4) at the moment of mailing, and records progress the admin sees as counts.

const issuesOf = async (w: World, admin: string) => {
  const res = await api("/api/admin/newsletter", { app: w.slug, session: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { issues: (IssueProgress & { subject: string })[] }).issues;
};

/**
 * Runs the real producer (`sendIssue`) with a notify binding that keeps the messages instead of
 * sending them, so the test decides when the consumer runs (the real queue would run it within two
 * seconds). The messages are exactly what the producer built.
 */
async function planWithoutDelivery(w: World, topicId: string, subject = "Held back") {
  const sent: MessageSendRequest<unknown>[] = [];
  const real = regionStores(env, w.jurisdiction);
  const notify = {
    send: async () => {
      throw new Error("the producer sends batches");
    },
    sendBatch: async (msgs: Iterable<MessageSendRequest<unknown>>) => {
      sent.push(...msgs);
    },
  } as unknown as Queue;
  const deps = { ...depsAt(w.jurisdiction), stores: { ...real, notify } };
  const issue = await sendIssue(deps, w.customerId, { topicId, subject, body: "Body." }, `http://${w.slug}.test`);
  return { issue, bodies: sent.map((m) => m.body) };
}

/** Feeds bodies to the Worker's queue handler as one delivery of the jurisdiction's notify queue. */
async function deliver(w: World, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch<unknown>(
    `quartier-notify-${w.jurisdiction}`,
    bodies.map((body, i) => ({ id: `nl-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await handler.queue?.(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("sending an issue through the notify queue (R-P8)", () => {
  it("plans 120 recipients as 3 messages; the real queue writes 120 mails, each with its own link; counts for the admin", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const topic = await addTopic(w, admin, "Events");
    const people = await bulkSubscribers(w, topic, 120);

    const res = await api("/api/admin/newsletter/issues", {
      app: w.slug,
      session: admin,
      json: { topicId: topic, subject: "Roof party", body: "Saturday on the roof." },
    });
    expect(res.status).toBe(202);
    const planned = (await res.json()) as IssueProgress;
    expect(planned).toMatchObject({ recipients: 120, completedAt: null });
    // Nothing was mailed inside the admin's request.
    expect(planned.sent).toBe(0);

    const done = await waitForIssue(w, admin, planned.id);
    expect(done).toMatchObject({ recipients: 120, sent: 120, skipped: 0, state: "sent" });
    expect(done.completedAt).not.toBeNull();
    expect(
      await countRows(w, "SELECT count(*) AS n FROM newsletter_issue_batches WHERE issue_id = ?1", planned.id),
    ).toBe(Math.ceil(120 / RECIPIENTS_PER_MESSAGE));
    expect(await countRows(w, "SELECT count(*) AS n FROM newsletter_deliveries WHERE issue_id = ?1", planned.id)).toBe(
      120,
    );
    const tokens = new Set<string>();
    for (const p of [people[0], people[59], people[119]]) {
      const mails = await outboxTo(w, p?.email ?? "", "newsletter-issue");
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ subject: "Roof party", locale: "de" });
      expect(mails[0]?.body_text).toContain("Saturday on the roof.");
      // The German footer with the personal preference-centre link of this mail.
      expect(mails[0]?.body_text).toContain("Themen wählen oder abmelden");
      tokens.add(linkToken(mails[0]?.body_text ?? "", "/newsletter/preferences"));
    }
    expect(tokens.size).toBe(3);
    const total = await countRows(
      w,
      "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1 AND template = 'newsletter-issue'",
      w.customerId,
    );
    expect(total).toBe(120);
    // The personal link works: it opens this subscriber's preference centre.
    const [first] = tokens;
    expect((await api(`/newsletter/preferences?token=${first}`, { app: w.slug })).status).toBe(200);
    // The admin sees counts, never who.
    const list = await issuesOf(w, admin);
    expect(JSON.stringify(list)).not.toContain(people[0]?.email ?? "-");
  });

  it("respects unsubscribing, objection, restriction and erasure between planning and mailing", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const topic = await addTopic(w, admin, "Offers");
    const people = await bulkSubscribers(w, topic, 6);
    const { issue, bodies } = await planWithoutDelivery(w, topic);
    expect(issue).toMatchObject({ recipients: 6, sent: 0, state: "sending" });
    expect(bodies).toEqual([
      {
        kind: "newsletter.batch",
        customerId: w.customerId,
        issueId: issue.id,
        seq: 0,
        subscriptionIds: people.map((p) => p.subscriptionId),
      },
    ]);
    // References only: no address or text on the queue.
    expect(JSON.stringify(bodies)).not.toContain("@");

    const db = env.DB_CH;
    const [unsubscribed, objecting, restricted, erased, withdrawn] = people;
    const now = Date.now();
    await db.batch([
      db
        .prepare("UPDATE newsletter_subscriptions SET status = 'ended', ended_at = ?1 WHERE id = ?2")
        .bind(now, unsubscribed?.subscriptionId),
      db
        .prepare(
          "INSERT INTO processing_restrictions (id, customer_id, user_id, kind, created_at) VALUES (?1, ?2, ?3, 'objection-marketing', ?4)",
        )
        .bind(`pr-${now}-1`, w.customerId, objecting?.userId, now),
      db
        .prepare(
          "INSERT INTO processing_restrictions (id, customer_id, user_id, kind, created_at) VALUES (?1, ?2, ?3, 'restriction', ?4)",
        )
        .bind(`pr-${now}-2`, w.customerId, restricted?.userId, now),
      db.prepare("UPDATE users SET status = 'erased' WHERE id = ?1").bind(erased?.userId),
      db
        .prepare(
          "INSERT INTO consents (id, customer_id, user_id, purpose, granted, text_version, at) VALUES (?1, ?2, ?3, 'newsletter', 0, '2026-11', ?4)",
        )
        .bind(`c-${now}-w`, w.customerId, withdrawn?.userId, now + 1),
    ]);

    const result = await deliver(w, bodies);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    const [after] = (await issuesOf(w, admin)).filter((i) => i.id === issue.id);
    expect(after).toMatchObject({ recipients: 6, sent: 1, skipped: 5, state: "sent" });
    for (const p of people.slice(0, 5)) expect(await outboxTo(w, p.email, "newsletter-issue")).toEqual([]);
    expect(await outboxTo(w, people[5]?.email ?? "", "newsletter-issue")).toHaveLength(1);
  });

  it("a redelivered or duplicated batch mails nobody twice and counts once", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const topic = await addTopic(w, admin, "Events");
    const people = await bulkSubscribers(w, topic, RECIPIENTS_PER_MESSAGE + 5, "fr");
    const { issue, bodies } = await planWithoutDelivery(w, topic);
    expect(bodies).toHaveLength(2);

    // The same message twice in one delivery, and the second message alone.
    const first = await deliver(w, [bodies[0], bodies[0]]);
    expect(first.explicitAcks).toHaveLength(2);
    const mid = (await issuesOf(w, admin)).find((i) => i.id === issue.id);
    expect(mid).toMatchObject({ sent: RECIPIENTS_PER_MESSAGE, state: "sending", completedAt: null });
    await deliver(w, [bodies[1]]);
    // The platform redelivers everything once more (at-least-once).
    const again = await deliver(w, bodies, 2);
    expect(again.explicitAcks).toHaveLength(2);
    expect(again.retryMessages).toEqual([]);

    const done = (await issuesOf(w, admin)).find((i) => i.id === issue.id);
    expect(done).toMatchObject({ recipients: people.length, sent: people.length, skipped: 0, state: "sent" });
    const mails = await countRows(
      w,
      "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1 AND template = 'newsletter-issue'",
      w.customerId,
    );
    expect(mails).toBe(people.length);
    const [one] = await outboxTo(w, people[0]?.email ?? "", "newsletter-issue");
    expect(one?.locale).toBe("fr");
    expect(one?.body_text).toContain("Choisir les thèmes ou se désabonner");

    // Two consumers racing past the "already done" check: the unique delivery per issue and
    // subscription still lets nobody be mailed twice, and the counts stay right.
    await env.DB_CH.prepare("DELETE FROM newsletter_issue_batches WHERE issue_id = ?1 AND seq = 0")
      .bind(issue.id)
      .run();
    const raced = await deliver(w, [bodies[0]], 3);
    expect(raced.explicitAcks).toHaveLength(1);
    expect(
      await countRows(
        w,
        "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1 AND template = 'newsletter-issue'",
        w.customerId,
      ),
    ).toBe(people.length);
    expect((await issuesOf(w, admin)).find((i) => i.id === issue.id)).toMatchObject({
      sent: people.length,
      skipped: 0,
      state: "sent",
    });
  });

  it("drops invalid and foreign messages without mailing (tenant isolation) and leaves room notices to the notify consumer", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const topic = await addTopic(w, admin, "Events");
    await bulkSubscribers(w, topic, 3);
    const { issue, bodies } = await planWithoutDelivery(w, topic);
    const body = bodies[0] as { subscriptionIds: string[] };
    const result = await deliver(w, [
      // Another customer naming this customer's issue: refused.
      { ...body, customerId: other.customerId },
      // Malformed: too many ids, unknown fields.
      { ...body, subscriptionIds: Array.from({ length: RECIPIENTS_PER_MESSAGE + 1 }, (_, i) => `s${i}`) },
      { ...body, extra: "x" },
      { kind: "newsletter.batch" },
      // A room's notification intent on the same queue goes on to the notify consumer.
      intent(w),
    ]);
    expect(result.explicitAcks).toHaveLength(5);
    expect(result.retryMessages).toEqual([]);
    expect(await countRows(w, "SELECT count(*) AS n FROM newsletter_deliveries WHERE issue_id = ?1", issue.id)).toBe(0);
    expect((await issuesOf(w, admin)).find((i) => i.id === issue.id)).toMatchObject({ sent: 0, state: "sending" });
    // The other customer's admin does not see the issue.
    expect((await issuesOf(other, await sessionOf(other, "admin"))).map((i) => i.id)).not.toContain(issue.id);
  });

  it("an issue without eligible recipients is complete at once", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const topic = await addTopic(w, admin, "Quiet");
    const res = await api("/api/admin/newsletter/issues", {
      app: w.slug,
      session: admin,
      json: { topicId: topic, subject: "Nobody", body: "Nobody reads this." },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ recipients: 0, sent: 0, skipped: 0, state: "sent" });
  });
});
