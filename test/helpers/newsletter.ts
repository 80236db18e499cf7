import { expect } from "vitest";
import { dbOf, type World } from "./factories";
import { api } from "./http";

/** An issue as the admin sees it (counts only). */
export interface IssueProgress {
  id: string;
  recipients: number;
  sent: number;
  skipped: number;
  state: "planning" | "sending" | "sent";
  completedAt: string | null;
}

/** Polls the admin's newsletter view until the issue's every batch ran on the real notify queue. */
export async function waitForIssue(w: World, admin: string, issueId: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api("/api/admin/newsletter", { app: w.slug, session: admin });
    expect(res.status).toBe(200);
    const issue = ((await res.json()) as { issues: IssueProgress[] }).issues.find((i) => i.id === issueId);
    if (issue?.state === "sent") return issue;
    if (Date.now() > until) throw new Error(`issue ${issueId} still ${issue?.state ?? "missing"}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface OutboxMail {
  to_address: string;
  template: string;
  subject: string;
  body_text: string;
  locale: string;
}

/** Mails of a template to an address, from the jurisdiction's outbox. */
export async function outboxTo(w: World, to: string, template: string): Promise<OutboxMail[]> {
  const { results } = await dbOf(w.jurisdiction)
    .prepare(
      "SELECT to_address, template, subject, body_text, locale FROM outbox WHERE customer_id = ?1 AND to_address = ?2 AND template = ?3 ORDER BY created_at, rowid",
    )
    .bind(w.customerId, to, template)
    .all<OutboxMail>();
  return results;
}

export async function countRows(w: World, sql: string, ...params: unknown[]): Promise<number> {
  const row = await dbOf(w.jurisdiction)
    .prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

export const linkToken = (body: string, path: string) => {
  const m = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(body);
  if (!m?.[1]) throw new Error(`no ${path} link in the mail`);
  return m[1];
};

export async function addTopic(w: World, admin: string, name: string): Promise<string> {
  const res = await api("/api/admin/newsletter/topics", { app: w.slug, session: admin, json: { name } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export const signUp = (w: World, session: string, topicIds: string[], ip = "203.0.113.7") =>
  api("/api/me/newsletter", {
    app: w.slug,
    session,
    json: { topicIds, textVersion: "2026-11" },
    headers: { "cf-connecting-ip": ip },
  });

/**
 * `n` confirmed subscribers of the topic with their consent in the ledger, written straight into the
 * world's database (the double opt-in itself is covered by privacy-newsletter.test.ts). Ids sort in
 * creation order. Returns the user ids and addresses.
 */
export async function bulkSubscribers(w: World, topicId: string, n: number, locale = "de") {
  const db = dbOf(w.jurisdiction);
  const now = Date.now();
  const tag = crypto.randomUUID().slice(0, 8);
  const people: { userId: string; email: string; subscriptionId: string }[] = [];
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < n; i++) {
    const k = String(i).padStart(4, "0");
    const p = { userId: `nl-${tag}-${k}`, email: `nl-${tag}-${k}@example.test`, subscriptionId: `sub-${tag}-${k}` };
    people.push(p);
    stmts.push(
      db
        .prepare(
          "INSERT INTO users (id, customer_id, email, name, password_hash, locale, status, email_verified_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'x', ?5, 'active', ?6, ?6, ?6)",
        )
        .bind(p.userId, w.customerId, p.email, `Reader ${k}`, locale, now),
      db
        .prepare(
          "INSERT INTO newsletter_subscriptions (id, customer_id, user_id, status, email, name, signup_ip, signup_at, text_version, confirm_expires_at, confirmed_at, confirm_ip) VALUES (?1, ?2, ?3, 'confirmed', ?4, ?5, '203.0.113.9', ?6, '2026-11', ?6, ?6, '203.0.113.9')",
        )
        .bind(p.subscriptionId, w.customerId, p.userId, p.email, `Reader ${k}`, now),
      db
        .prepare(
          "INSERT INTO newsletter_subscription_topics (subscription_id, topic_id, customer_id, user_id) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(p.subscriptionId, topicId, w.customerId, p.userId),
      db
        .prepare(
          "INSERT INTO consents (id, customer_id, user_id, purpose, granted, text_version, at) VALUES (?1, ?2, ?3, 'newsletter', 1, '2026-11', ?4)",
        )
        .bind(`c-${tag}-${k}`, w.customerId, p.userId, now),
    );
  }
  for (let i = 0; i < stmts.length; i += 200) await db.batch(stmts.slice(i, i + 200));
  return people;
}
