import { and, asc, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import { outbox } from "../db/schema/auth";
import {
  newsletterDeliveries,
  newsletterSubscriptions,
  newsletterSubscriptionTopics,
  newsletterTopics,
} from "../db/schema/newsletter";
import { consents } from "../db/schema/privacy";
import { fillText, NEWSLETTER_TEXTS } from "../i18n/newsletter";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { DAY, HOUR } from "../lib/time";
import { hasObjected, isProcessingRestricted } from "../privacy/restriction";
import { normaliseEmail } from "./accounts";
import type { Actor } from "./actor";
import { hasConsent } from "./consents";
import * as throttle from "./throttle";

/**
 * The newsletter's double opt-in and preference centre (R-P8, decision 0030). Residents sign up from
 * the privacy center; the proof (address, name, IP, time, text version) is stored with a pending
 * subscription and a confirmation link is mailed. Only the link confirms: then the consent is written
 * to the ledger (R-P7). Unsubscribing (all topics) ends the subscription and withdraws the consent.
 */
export const CONFIRM_HOURS = 48;
const INVALID_LINK = "This link is not valid, has expired or was already used.";

type Sub = typeof newsletterSubscriptions.$inferSelect;

/**
 * Sign-up throttles (decision 0038; exact counters in D1, decision 0002, keys hashed). Per client IP:
 * every sign-up request counts, and past the limit the answer is 429 with Retry-After. Per address:
 * at most this many confirmation mails a day; further sign-ups answer the same as any other and send
 * nothing, so the limit tells nobody anything and cannot be used to flood a mailbox or the outbox.
 */
export const SIGNUP_PER_IP: throttle.Limit = { name: "newsletter-signup-ip", max: 20, windowMs: HOUR };
export const CONFIRM_MAILS_PER_ADDRESS: throttle.Limit = { name: "newsletter-confirm-mail", max: 3, windowMs: DAY };

/** One D1 batch (one transaction) of any number of statements. */
export async function batchAll(deps: Deps, items: BatchItem<"sqlite">[]) {
  const [first, ...rest] = items;
  if (first) await deps.db.batch([first, ...rest]);
}

export async function listTopics(deps: Deps, customerId: string) {
  return deps.db
    .select({ id: newsletterTopics.id, name: newsletterTopics.name })
    .from(newsletterTopics)
    .where(eq(newsletterTopics.customerId, customerId))
    .orderBy(asc(newsletterTopics.name), asc(newsletterTopics.id))
    .limit(100);
}

export async function createTopic(deps: Deps, customerId: string, name: string) {
  const row = { id: newId(), customerId, name, createdAt: deps.now() };
  await deps.db.insert(newsletterTopics).values(row);
  return { id: row.id, name };
}

/** The topics given, all of this customer's, without repeats; anything else is refused. */
async function ownTopics(deps: Deps, customerId: string, topicIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(topicIds)];
  if (ids.length === 0) return [];
  const found = await deps.db
    .select({ id: newsletterTopics.id })
    .from(newsletterTopics)
    .where(and(eq(newsletterTopics.customerId, customerId), inArray(newsletterTopics.id, ids)));
  if (found.length !== ids.length) {
    throw new AppError("VALIDATION_FAILED", "The request is invalid.", [
      { path: "topicIds", message: "Unknown topic" },
    ]);
  }
  return ids;
}

async function openSubscription(deps: Deps, customerId: string, userId: string): Promise<Sub | undefined> {
  const [row] = await deps.db
    .select()
    .from(newsletterSubscriptions)
    .where(
      and(
        eq(newsletterSubscriptions.customerId, customerId),
        eq(newsletterSubscriptions.userId, userId),
        inArray(newsletterSubscriptions.status, ["pending", "confirmed"]),
      ),
    )
    .limit(1);
  return row;
}

async function topicsOf(deps: Deps, subscriptionId: string): Promise<string[]> {
  const rows = await deps.db
    .select({ id: newsletterSubscriptionTopics.topicId })
    .from(newsletterSubscriptionTopics)
    .where(eq(newsletterSubscriptionTopics.subscriptionId, subscriptionId));
  return rows.map((r) => r.id);
}

/** Why a confirmed subscription gets nothing right now (R-P5, R-P6, R-P7), or null. */
async function blockedBy(deps: Deps, customerId: string, userId: string) {
  if (await isProcessingRestricted(deps.db, customerId, userId)) return "restriction" as const;
  if (await hasObjected(deps.db, customerId, userId, "objection-marketing")) return "objection" as const;
  if (!(await hasConsent(deps.db, customerId, userId, "newsletter"))) return "consent-withdrawn" as const;
  return null;
}

/** The resident's view for the privacy center. */
export async function myNewsletter(deps: Deps, a: Actor) {
  const topics = await listTopics(deps, a.customerId);
  const sub = await openSubscription(deps, a.customerId, a.userId);
  const chosen = new Set(sub ? await topicsOf(deps, sub.id) : []);
  const blocked = sub?.status === "confirmed" ? await blockedBy(deps, a.customerId, a.userId) : null;
  return {
    status: sub?.status ?? ("none" as const),
    confirmedAt: sub?.confirmedAt?.toISOString() ?? null,
    receiving: sub?.status === "confirmed" && blocked === null,
    blockedBy: blocked,
    topics: topics.map((t) => ({ ...t, subscribed: chosen.has(t.id) })),
  };
}

const topicLinks = (s: { id: string; customerId: string; userId: string }, ids: string[]) =>
  ids.map((topicId) => ({ subscriptionId: s.id, topicId, customerId: s.customerId, userId: s.userId }));

/**
 * Signs the resident up for the given topics. A confirmed subscription (with its consent in force)
 * just changes topics; otherwise a pending one is (re)started with a fresh proof and a new mail.
 */
export async function subscribe(
  deps: Deps,
  a: Actor,
  input: { topicIds: string[]; textVersion: string },
  ip: string,
  origin: string,
) {
  await throttle.consume(deps, SIGNUP_PER_IP, ip);
  const topicIds = await ownTopics(deps, a.customerId, input.topicIds);
  const now = deps.now();
  const open = await openSubscription(deps, a.customerId, a.userId);
  const stmts = [];
  if (open?.status === "confirmed" && (await hasConsent(deps.db, a.customerId, a.userId, "newsletter"))) {
    await deps.db.batch([
      deps.db.delete(newsletterSubscriptionTopics).where(eq(newsletterSubscriptionTopics.subscriptionId, open.id)),
      deps.db.insert(newsletterSubscriptionTopics).values(topicLinks(open, topicIds)),
    ]);
    return { status: "confirmed" as const };
  }
  // Counted before anything changes: past the limit the current sign-up (and its link) stays as it is.
  const mails = await throttle.hit(deps, CONFIRM_MAILS_PER_ADDRESS, `${a.customerId}:${normaliseEmail(a.email)}`);
  if (mails > CONFIRM_MAILS_PER_ADDRESS.max) return { status: "pending" as const };
  if (open) {
    // A new sign-up replaces the unconfirmed one (or one whose consent was withdrawn in the ledger).
    stmts.push(
      deps.db.delete(newsletterSubscriptionTopics).where(eq(newsletterSubscriptionTopics.subscriptionId, open.id)),
      open.status === "pending"
        ? deps.db.delete(newsletterSubscriptions).where(eq(newsletterSubscriptions.id, open.id))
        : deps.db
            .update(newsletterSubscriptions)
            .set({ status: "ended", endedAt: now })
            .where(eq(newsletterSubscriptions.id, open.id)),
    );
  }
  const token = randomToken();
  const sub = {
    id: newId(),
    customerId: a.customerId,
    userId: a.userId,
    status: "pending" as const,
    email: a.email,
    name: a.name,
    signupIp: ip,
    signupAt: now,
    textVersion: input.textVersion,
    confirmTokenHash: await sha256Hex(token),
    confirmExpiresAt: new Date(now.getTime() + CONFIRM_HOURS * HOUR),
  };
  const names = (await listTopics(deps, a.customerId)).filter((t) => topicIds.includes(t.id)).map((t) => t.name);
  const t = NEWSLETTER_TEXTS[a.locale];
  const vars = {
    name: a.name,
    app: await customerName(deps, a.customerId),
    topics: names.join(", "),
    hours: String(CONFIRM_HOURS),
    link: `${origin}/newsletter/confirm?token=${token}`,
  };
  await batchAll(deps, [
    ...stmts,
    deps.db.insert(newsletterSubscriptions).values(sub),
    deps.db.insert(newsletterSubscriptionTopics).values(topicLinks(sub, topicIds)),
    deps.db.insert(outbox).values({
      id: newId(),
      customerId: a.customerId,
      userId: a.userId,
      toAddress: a.email,
      template: "newsletter-confirm",
      locale: a.locale,
      subject: fillText(t.confirmSubject, vars),
      bodyText: fillText(t.confirmBody, vars),
      createdAt: now,
    }),
  ]);
  return { status: "pending" as const };
}

export async function customerName(deps: Deps, customerId: string) {
  const row = await deps.db.query.customers.findFirst({ where: (c, { eq }) => eq(c.id, customerId) });
  return row?.name ?? "";
}

/**
 * The confirmation link (single use, CONFIRM_HOURS): records the time and IP of the confirmation and
 * the consent in the ledger, in one transaction — the consent row is written only when this request's
 * update confirmed the subscription (`changes() = 1`), so a link used twice at once confirms once.
 */
export async function confirmSubscription(deps: Deps, customerId: string, token: string, ip: string) {
  const hash = await sha256Hex(token);
  const now = deps.now();
  const [sub] = await deps.db
    .select()
    .from(newsletterSubscriptions)
    .where(
      and(
        eq(newsletterSubscriptions.confirmTokenHash, hash),
        eq(newsletterSubscriptions.customerId, customerId),
        eq(newsletterSubscriptions.status, "pending"),
      ),
    )
    .limit(1);
  if (!sub || sub.confirmExpiresAt.getTime() <= now.getTime()) throw new AppError("TOKEN_INVALID", INVALID_LINK);
  const d1 = deps.stores.db;
  const [updated] = await d1.batch([
    d1
      .prepare(`UPDATE newsletter_subscriptions SET status = 'confirmed', confirmed_at = ?1, confirm_ip = ?2,
        confirm_token_hash = NULL WHERE id = ?3 AND confirm_token_hash = ?4 AND status = 'pending'`)
      .bind(now.getTime(), ip, sub.id, hash),
    d1
      .prepare(`INSERT INTO consents (id, customer_id, user_id, purpose, granted, text_version, at)
        SELECT ?1, customer_id, user_id, 'newsletter', 1, text_version, ?2
          FROM newsletter_subscriptions WHERE id = ?3 AND changes() = 1`)
      .bind(newId(), now.getTime(), sub.id),
  ]);
  if (!updated || updated.meta.changes !== 1) throw new AppError("TOKEN_INVALID", INVALID_LINK);
}

/** Ends a subscription and withdraws the newsletter consent (R-P7: as easy as giving it). */
function endStatements(deps: Deps, sub: Sub) {
  const now = deps.now();
  const stmts = [
    deps.db.delete(newsletterSubscriptionTopics).where(eq(newsletterSubscriptionTopics.subscriptionId, sub.id)),
  ];
  if (sub.status === "pending") {
    // Never confirmed: no consent was given, and nothing of the sign-up is kept.
    return [...stmts, deps.db.delete(newsletterSubscriptions).where(eq(newsletterSubscriptions.id, sub.id))];
  }
  return [
    ...stmts,
    deps.db
      .update(newsletterSubscriptions)
      .set({ status: "ended", endedAt: now })
      .where(eq(newsletterSubscriptions.id, sub.id)),
    deps.db.insert(consents).values({
      id: newId(),
      customerId: sub.customerId,
      userId: sub.userId,
      purpose: "newsletter",
      granted: false,
      textVersion: sub.textVersion,
      at: now,
    }),
  ];
}

export async function unsubscribeMe(deps: Deps, a: Actor) {
  const sub = await openSubscription(deps, a.customerId, a.userId);
  if (!sub) return;
  await batchAll(deps, endStatements(deps, sub));
}

/** The subscription behind a newsletter mail's personal link (no login: the token is the key). */
async function byDeliveryToken(deps: Deps, customerId: string, token: string) {
  const [row] = await deps.db
    .select({ sub: newsletterSubscriptions })
    .from(newsletterDeliveries)
    .innerJoin(newsletterSubscriptions, eq(newsletterSubscriptions.id, newsletterDeliveries.subscriptionId))
    .where(
      and(eq(newsletterDeliveries.tokenHash, await sha256Hex(token)), eq(newsletterDeliveries.customerId, customerId)),
    )
    .limit(1);
  if (!row) throw new AppError("TOKEN_INVALID", INVALID_LINK);
  return row.sub;
}

/** What the preference centre shows for a mail's link. */
export async function preferencesOf(deps: Deps, customerId: string, token: string) {
  const sub = await byDeliveryToken(deps, customerId, token);
  const chosen = new Set(sub.status === "confirmed" ? await topicsOf(deps, sub.id) : []);
  const topics = await listTopics(deps, customerId);
  return {
    status: sub.status,
    topics: topics.map((t) => ({ ...t, subscribed: chosen.has(t.id) })),
  };
}

/** Sets the topics from the preference centre; no topic at all is unsubscribing from all. */
export async function setPreferences(deps: Deps, customerId: string, token: string, topicIds: string[]) {
  const sub = await byDeliveryToken(deps, customerId, token);
  if (sub.status !== "confirmed") throw new AppError("TOKEN_INVALID", "This subscription has already ended.");
  const ids = await ownTopics(deps, customerId, topicIds);
  if (ids.length === 0) {
    await batchAll(deps, endStatements(deps, sub));
    return { status: "ended" as const, topicIds: [] };
  }
  await deps.db.batch([
    deps.db.delete(newsletterSubscriptionTopics).where(eq(newsletterSubscriptionTopics.subscriptionId, sub.id)),
    deps.db.insert(newsletterSubscriptionTopics).values(topicLinks(sub, ids)),
  ]);
  return { status: "confirmed" as const, topicIds: ids };
}
