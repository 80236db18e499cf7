import { and, count, eq, inArray, lte, type SQL } from "drizzle-orm";
import type { Deps } from "../app-env";
import { newsletterDeliveries, newsletterSubscriptions, newsletterSubscriptionTopics } from "../db/schema/newsletter";
import { DAY } from "../lib/time";
import { BATCH, drain } from "./purge-steps";

/**
 * Retention of the newsletter (R-P8, R-P14, decision 0030): sign-ups never confirmed are deleted once
 * their link expired (48 hours) — nothing of them is kept, not even the IP address; ended
 * subscriptions keep their proof for the limitation period (3 years), then go with their topics and
 * deliveries. Children first, in one transaction per batch, so foreign keys always hold.
 */
export const PROOF_RETENTION_DAYS = 3 * 365;

export interface NewsletterPurgeReport {
  newsletterUnconfirmed: number;
  newsletterEnded: number;
}

const conditions = (now: Date): { unconfirmed: SQL; ended: SQL } => ({
  unconfirmed: and(
    eq(newsletterSubscriptions.status, "pending"),
    lte(newsletterSubscriptions.confirmExpiresAt, now),
  ) as SQL,
  ended: and(
    eq(newsletterSubscriptions.status, "ended"),
    lte(newsletterSubscriptions.endedAt, new Date(now.getTime() - PROOF_RETENTION_DAYS * DAY)),
  ) as SQL,
});

async function drainSubscriptions(deps: Deps, where: SQL): Promise<number> {
  const { db } = deps;
  return drain(async () => {
    const ids = () =>
      db
        .select({ id: newsletterSubscriptions.id })
        .from(newsletterSubscriptions)
        .where(where)
        .orderBy(newsletterSubscriptions.id)
        .limit(BATCH);
    const [, , subs] = await db.batch([
      db.delete(newsletterDeliveries).where(inArray(newsletterDeliveries.subscriptionId, ids())),
      db.delete(newsletterSubscriptionTopics).where(inArray(newsletterSubscriptionTopics.subscriptionId, ids())),
      db.delete(newsletterSubscriptions).where(inArray(newsletterSubscriptions.id, ids())),
    ]);
    return subs;
  });
}

export async function purgeNewsletter(deps: Deps, now: Date): Promise<NewsletterPurgeReport> {
  const c = conditions(now);
  return {
    newsletterUnconfirmed: await drainSubscriptions(deps, c.unconfirmed),
    newsletterEnded: await drainSubscriptions(deps, c.ended),
  };
}

/** What `purgeNewsletter` would delete now (the purge's dry run). */
export async function countNewsletterPurge(deps: Deps, now: Date): Promise<NewsletterPurgeReport> {
  const c = conditions(now);
  const n = async (where: SQL) =>
    (await deps.db.select({ n: count() }).from(newsletterSubscriptions).where(where))[0]?.n ?? 0;
  return { newsletterUnconfirmed: await n(c.unconfirmed), newsletterEnded: await n(c.ended) };
}
