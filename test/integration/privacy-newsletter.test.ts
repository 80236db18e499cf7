import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { d1PersonalDataStore } from "../../src/privacy/stores";
import { gatherPersonData } from "../../src/services/privacy-data";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { waitForIssue } from "../helpers/newsletter";
import { depsAt } from "../helpers/staff";
import { type Person, sessionOf } from "../helpers/ws";

// R-P8 newsletter: double opt-in with proof (e-mail, name, IP, time), confirmed subscribers only, a
// personal unsubscribe link in every mail to a preference centre (no login); R-P6 objection to
// marketing, R-P5 restriction and R-P7 consent withdrawal stop it at once. Decision 0030.

interface Mail {
  to_address: string;
  template: string;
  subject: string;
  body_text: string;
}

async function mailsTo(w: World, to: string, template: string): Promise<Mail[]> {
  const { results } = await dbOf(w.jurisdiction)
    .prepare(
      "SELECT to_address, template, subject, body_text FROM outbox WHERE customer_id = ?1 AND to_address = ?2 AND template = ?3 ORDER BY created_at, rowid",
    )
    .bind(w.customerId, to, template)
    .all<Mail>();
  return results;
}

const tokenIn = (body: string, path: string) => {
  const m = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(body);
  if (!m?.[1]) throw new Error(`no ${path} link in the mail`);
  return m[1];
};

async function topic(w: World, admin: string, name: string): Promise<string> {
  const res = await api("/api/admin/newsletter/topics", { app: w.slug, session: admin, json: { name } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Sends an issue and waits until the notify queue has written every batch (decision 0038); the mails written. */
async function send(w: World, admin: string, topicId: string, subject = "News") {
  const res = await api("/api/admin/newsletter/issues", {
    app: w.slug,
    session: admin,
    json: { topicId, subject, body: "Summer party on the roof." },
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return (await waitForIssue(w, admin, id)).sent;
}

const signUp = (w: World, session: string, topicIds: string[], ip = "203.0.113.7") =>
  api("/api/me/newsletter", {
    app: w.slug,
    session,
    json: { topicIds, textVersion: "2026-11" },
    headers: { "cf-connecting-ip": ip },
  });

const confirm = (slug: string, token: string, ip = "198.51.100.9") =>
  api("/api/newsletter/confirm", { app: slug, json: { token }, headers: { "cf-connecting-ip": ip } });

/** Signs a person up and confirms through the mailed link; returns their session. */
async function subscribed(w: World, who: Person, topicIds: string[]) {
  const session = await sessionOf(w, who);
  expect((await signUp(w, session, topicIds)).status).toBe(202);
  const [mail] = (await mailsTo(w, w.emails[who], "newsletter-confirm")).slice(-1);
  expect((await confirm(w.slug, tokenIn(mail?.body_text ?? "", "/newsletter/confirm"))).status).toBe(204);
  return session;
}

const subscriptionRow = (w: World, userId: string) =>
  dbOf(w.jurisdiction)
    .prepare("SELECT * FROM newsletter_subscriptions WHERE user_id = ?1 ORDER BY signup_at DESC LIMIT 1")
    .bind(userId)
    .first<Record<string, unknown>>();

const latestConsent = (w: World, userId: string) =>
  dbOf(w.jurisdiction)
    .prepare(
      "SELECT granted, text_version FROM consents WHERE user_id = ?1 AND purpose = 'newsletter' ORDER BY at DESC, rowid DESC LIMIT 1",
    )
    .bind(userId)
    .first<{ granted: number; text_version: string }>();

describe("newsletter double opt-in (R-P8)", () => {
  it("stores the proof, mails a single-use link, sends nothing before confirmation, records consent on confirming", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const events = await topic(w, admin, "Events");
    const session = await sessionOf(w, "resident");

    const res = await signUp(w, session, [events]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "pending" });
    const row = await subscriptionRow(w, w.userIds.resident);
    expect(row).toMatchObject({
      status: "pending",
      email: w.emails.resident,
      signup_ip: "203.0.113.7",
      text_version: "2026-11",
      confirmed_at: null,
    });
    expect(typeof row?.name).toBe("string");
    expect(row?.signup_at).toEqual(expect.any(Number));

    const [mail] = await mailsTo(w, w.emails.resident, "newsletter-confirm");
    const token = tokenIn(mail?.body_text ?? "", "/newsletter/confirm");
    // Hashed at rest: the database never holds the link's token.
    expect(row?.confirm_token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // Unconfirmed: no consent in the ledger, no newsletter.
    expect(await latestConsent(w, w.userIds.resident)).toBeNull();
    expect(await send(w, admin, events)).toBe(0);
    const mine = await (await api("/api/me/newsletter", { app: w.slug, session })).json();
    expect(mine).toMatchObject({ status: "pending", receiving: false });

    // The link's page asks for a click (a POST): fetching it confirms nothing.
    const pageRes = await api(`/newsletter/confirm?token=${token}&lang=fr`, { app: w.slug });
    expect(pageRes.status).toBe(200);
    expect(await pageRes.text()).toContain("Confirmer l&#39;abonnement");
    expect((await subscriptionRow(w, w.userIds.resident))?.status).toBe("pending");

    expect((await confirm(w.slug, token)).status).toBe(204);
    expect(await subscriptionRow(w, w.userIds.resident)).toMatchObject({
      status: "confirmed",
      confirm_ip: "198.51.100.9",
      confirm_token_hash: null,
      confirmed_at: expect.any(Number),
    });
    expect(await latestConsent(w, w.userIds.resident)).toEqual({ granted: 1, text_version: "2026-11" });

    // Single use.
    const again = await confirm(w.slug, token);
    expect(again.status).toBe(400);
    expect((await errorOf(again)).code).toBe("TOKEN_INVALID");

    expect(await send(w, admin, events, "Summer")).toBe(1);
    const [issue] = await mailsTo(w, w.emails.resident, "newsletter-issue");
    expect(issue?.subject).toBe("Summer");
    expect(issue?.body_text).toContain("Summer party on the roof.");
    tokenIn(issue?.body_text ?? "", "/newsletter/preferences");
  });

  it("refuses an expired confirmation link, and the purge deletes the unconfirmed sign-up", async () => {
    const w = await makeWorld();
    const events = await topic(w, await sessionOf(w, "admin"), "Events");
    await signUp(w, await sessionOf(w, "resident"), [events]);
    const [mail] = await mailsTo(w, w.emails.resident, "newsletter-confirm");
    const token = tokenIn(mail?.body_text ?? "", "/newsletter/confirm");
    const db = dbOf(w.jurisdiction);
    await db
      .prepare("UPDATE newsletter_subscriptions SET confirm_expires_at = ?1 WHERE user_id = ?2")
      .bind(Date.now() - 1000, w.userIds.resident)
      .run();
    const res = await confirm(w.slug, token);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");

    const report = await purgeRegion(depsAt(w.jurisdiction));
    expect(report.newsletterUnconfirmed).toBeGreaterThanOrEqual(1);
    expect(await subscriptionRow(w, w.userIds.resident)).toBeNull();
    const links = await db
      .prepare("SELECT count(*) AS n FROM newsletter_subscription_topics WHERE user_id = ?1")
      .bind(w.userIds.resident)
      .first<{ n: number }>();
    expect(links?.n).toBe(0);
  });

  it("refuses unknown topics, other customers' topics and bad bodies with 400", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const theirs = await topic(other, await sessionOf(other, "admin"), "Theirs");
    const session = await sessionOf(w, "resident");
    for (const body of [
      { topicIds: [theirs], textVersion: "v1" },
      { topicIds: [], textVersion: "v1" },
      { topicIds: ["nope"], textVersion: "v1" },
      { topicIds: [theirs], textVersion: "I agree" },
      { topicIds: [theirs], textVersion: "v1", email: "x@example.test" },
    ]) {
      const res = await api("/api/me/newsletter", { app: w.slug, session, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
    expect(await subscriptionRow(w, w.userIds.resident)).toBeNull();
  });
});

describe("newsletter delivery (R-P8, R-P5, R-P6, R-P7)", () => {
  it("sends only to confirmed subscribers of the topic with consent, not objecting, not restricted", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const events = await topic(w, admin, "Events");
    const offers = await topic(w, admin, "Offers");
    const resident = await subscribed(w, "resident", [events]);
    const neighbour = await subscribed(w, "neighbour", [events, offers]);
    const other = await subscribed(w, "otherBuilding", [events]);
    expect(await send(w, admin, events)).toBe(3);
    expect(await send(w, admin, offers)).toBe(1);

    // Objection to direct marketing (R-P6): at once, whatever the consent.
    await api("/api/me/restrictions", {
      app: w.slug,
      session: neighbour,
      json: { kind: "objection-marketing", active: true },
    });
    // Restriction of processing (R-P5).
    await api("/api/me/restrictions", { app: w.slug, session: other, json: { kind: "restriction", active: true } });
    expect(await send(w, admin, events)).toBe(1);
    const mine = await (await api("/api/me/newsletter", { app: w.slug, session: neighbour })).json();
    expect(mine).toMatchObject({ status: "confirmed", receiving: false, blockedBy: "objection" });

    // Withdrawal in the consent ledger (R-P7) stops it too.
    const withdrawn = await api("/api/me/consents", {
      app: w.slug,
      session: resident,
      json: { purpose: "newsletter", granted: false, textVersion: "2026-11" },
    });
    expect(withdrawn.status).toBe(201);
    expect(await send(w, admin, events)).toBe(0);

    // Lifting the objection lets the neighbour's confirmed subscription receive again.
    await api("/api/me/restrictions", {
      app: w.slug,
      session: neighbour,
      json: { kind: "objection-marketing", active: false },
    });
    expect(await send(w, admin, events)).toBe(1);

    // The admin sees counts, never who.
    const view = (await (await api("/api/admin/newsletter", { app: w.slug, session: admin })).json()) as {
      topics: { id: string; subscribers: number }[];
      issues: unknown[];
    };
    expect(view.topics.find((t) => t.id === offers)?.subscribers).toBe(1);
    expect(view.issues).toHaveLength(5);
    expect(JSON.stringify(view)).not.toContain(w.emails.neighbour);
  });

  it("preference centre without login: choose topics, unsubscribe from all withdraws the consent", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const events = await topic(w, admin, "Events");
    const offers = await topic(w, admin, "Offers");
    await subscribed(w, "resident", [events, offers]);
    expect(await send(w, admin, events)).toBe(1);
    const [issue] = await mailsTo(w, w.emails.resident, "newsletter-issue");
    const token = tokenIn(issue?.body_text ?? "", "/newsletter/preferences");

    const page = await api(`/newsletter/preferences?token=${token}&lang=de`, { app: w.slug });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`name="topic-${events}" checked`);
    expect(html).toContain(`name="topic-${offers}" checked`);
    expect(html).toContain("Von allen Themen abmelden");

    // The page's form sends one `topic-<id>: on` per chosen box.
    const some = await api("/api/newsletter/preferences", { app: w.slug, json: { token, [`topic-${offers}`]: "on" } });
    expect(some.status).toBe(200);
    expect(await some.json()).toEqual({ status: "confirmed", topicIds: [offers] });
    expect(await send(w, admin, events)).toBe(0);
    expect(await send(w, admin, offers)).toBe(1);

    const all = await api("/api/newsletter/unsubscribe", { app: w.slug, json: { token } });
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({ status: "ended", topicIds: [] });
    expect(await latestConsent(w, w.userIds.resident)).toEqual({ granted: 0, text_version: "2026-11" });
    expect(await send(w, admin, offers)).toBe(0);
    // The proof stays (limitation period), marked ended.
    expect(await subscriptionRow(w, w.userIds.resident)).toMatchObject({
      status: "ended",
      signup_ip: "203.0.113.7",
      ended_at: expect.any(Number),
    });

    const ended = await api(`/newsletter/preferences?token=${token}&lang=en`, { app: w.slug });
    expect(ended.status).toBe(200);
    expect(await ended.text()).toContain("This subscription has ended");
    const late = await api("/api/newsletter/preferences", { app: w.slug, json: { token, topicIds: [offers] } });
    expect(late.status).toBe(400);
    expect((await errorOf(late)).code).toBe("TOKEN_INVALID");

    // Unknown tokens: a clear 4xx, on the page and in the API.
    const bad = "x".repeat(43);
    expect((await api(`/newsletter/preferences?token=${bad}`, { app: w.slug })).status).toBe(400);
    const badApi = await api("/api/newsletter/unsubscribe", { app: w.slug, json: { token: bad } });
    expect(badApi.status).toBe(400);
    expect((await errorOf(badApi)).code).toBe("TOKEN_INVALID");
    const junk = await api("/api/newsletter/preferences", { app: w.slug, json: { token, other: "on" } });
    expect(junk.status).toBe(400);
  });

  it("keeps customers apart: links, topics and issues of one customer do nothing at another", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const otherAdmin = await sessionOf(other, "admin");
    const events = await topic(w, admin, "Events");
    await topic(other, otherAdmin, "Elsewhere");
    await signUp(w, await sessionOf(w, "resident"), [events]);
    const [mail] = await mailsTo(w, w.emails.resident, "newsletter-confirm");
    const confirmToken = tokenIn(mail?.body_text ?? "", "/newsletter/confirm");

    // The other customer's host does not know this link.
    expect((await confirm(other.slug, confirmToken)).status).toBe(400);
    expect((await subscriptionRow(w, w.userIds.resident))?.status).toBe("pending");
    expect((await confirm(w.slug, confirmToken)).status).toBe(204);
    await send(w, admin, events);
    const [issue] = await mailsTo(w, w.emails.resident, "newsletter-issue");
    const prefsToken = tokenIn(issue?.body_text ?? "", "/newsletter/preferences");
    const cross = await api("/api/newsletter/unsubscribe", { app: other.slug, json: { token: prefsToken } });
    expect(cross.status).toBe(400);
    expect((await subscriptionRow(w, w.userIds.resident))?.status).toBe("confirmed");

    // Another customer's admin can neither see nor use this customer's topics.
    const theirView = (await (await api("/api/admin/newsletter", { app: other.slug, session: otherAdmin })).json()) as {
      topics: { id: string }[];
    };
    expect(theirView.topics.map((t) => t.id)).not.toContain(events);
    const res = await api("/api/admin/newsletter/issues", {
      app: other.slug,
      session: otherAdmin,
      json: { topicId: events, subject: "x", body: "y" },
    });
    expect(res.status).toBe(404);
    // Residents and managers may not send.
    for (const who of ["resident", "manager"] as const) {
      const r = await api("/api/admin/newsletter/issues", {
        app: w.slug,
        session: await sessionOf(w, who),
        json: { topicId: events, subject: "x", body: "y" },
      });
      expect(r.status).toBe(403);
    }
  });

  it("export includes the person's subscription; erasure removes it with its topics and deliveries", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const events = await topic(w, admin, "Events");
    await subscribed(w, "resident", [events]);
    await send(w, admin, events);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: w.jurisdiction };
    const data = await gatherPersonData(depsAt(w.jurisdiction), subject);
    expect(data.database.tables.newsletter_subscriptions).toEqual([
      expect.objectContaining({ email: w.emails.resident, signup_ip: "203.0.113.7", status: "confirmed" }),
    ]);
    expect(data.database.tables.newsletter_subscription_topics).toEqual([
      expect.objectContaining({ topic_id: events }),
    ]);
    expect(data.database.tables.newsletter_deliveries).toHaveLength(1);
    // Token hashes are credentials: never in an export.
    expect(JSON.stringify(data.database.tables.newsletter_deliveries)).not.toContain("token_hash");

    await d1PersonalDataStore(dbOf(w.jurisdiction), w.jurisdiction).erasePerson(subject);
    const db = dbOf(w.jurisdiction);
    for (const table of ["newsletter_subscriptions", "newsletter_subscription_topics", "newsletter_deliveries"]) {
      const row = await db
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?1`)
        .bind(w.userIds.resident)
        .first<{ n: number }>();
      expect(row?.n, table).toBe(0);
    }
  });
});
