import { and, asc, desc, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { Db } from "../db/client";
import { consents } from "../db/schema/privacy";
import { newId } from "../lib/crypto";
import { hasObjected, isProcessingRestricted } from "../privacy/restriction";
import type { Subject } from "../privacy/stores";

/**
 * The consent ledger (R-P7): giving and withdrawing are the same call (one row each, never updated),
 * effective at once for the future. `hasConsent` is the one check features use before relying on a
 * consent; it also honours restriction (R-P5) and, for the newsletter, the objection to marketing (R-P6).
 */
export const CONSENT_PURPOSE =
  /^(newsletter|chatbot|cookies-(preferences|statistics|marketing)|micro-app:[a-z0-9-]{1,40})$/;

export interface ConsentDecision {
  purpose: string;
  granted: boolean;
  textVersion: string;
}

export async function recordConsent(deps: Deps, s: Subject, d: ConsentDecision) {
  await deps.db.insert(consents).values({
    id: newId(),
    customerId: s.customerId,
    userId: s.userId,
    purpose: d.purpose,
    granted: d.granted,
    textVersion: d.textVersion,
    at: deps.now(),
  });
}

/** Every decision of the person, oldest first (the history), and the current state per purpose. */
export async function consentsOf(deps: Deps, s: Subject) {
  const history = await deps.db
    .select({
      purpose: consents.purpose,
      granted: consents.granted,
      textVersion: consents.textVersion,
      at: consents.at,
    })
    .from(consents)
    .where(and(eq(consents.userId, s.userId), eq(consents.customerId, s.customerId)))
    .orderBy(asc(consents.at), asc(consents.id))
    .limit(1000);
  const current = new Map<string, (typeof history)[number]>();
  for (const c of history) current.set(c.purpose, c);
  return { current: [...current.values()].sort((a, b) => a.purpose.localeCompare(b.purpose)), history };
}

/** Whether a purpose may rely on the person's consent now: latest decision "given", not restricted, not objected. */
export async function hasConsent(db: Db, customerId: string, userId: string, purpose: string): Promise<boolean> {
  const [latest] = await db
    .select({ granted: consents.granted })
    .from(consents)
    .where(and(eq(consents.userId, userId), eq(consents.customerId, customerId), eq(consents.purpose, purpose)))
    .orderBy(desc(consents.at), desc(consents.id))
    .limit(1);
  if (!latest?.granted) return false;
  if (await isProcessingRestricted(db, customerId, userId)) return false;
  if (purpose === "newsletter" && (await hasObjected(db, customerId, userId, "objection-marketing"))) return false;
  return true;
}
