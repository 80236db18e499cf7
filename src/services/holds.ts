import { and, count, desc, eq, gt, inArray, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import type { Db } from "../db/client";
import { dataExports } from "../db/schema/exports";
import { users } from "../db/schema/people";
import { erasureSteps, HOLD_REASONS, type LegalHold, legalHolds, privacyRequests } from "../db/schema/privacy";
import { newId } from "../lib/crypto";
import { AppError } from "../lib/errors";

export type HoldReason = (typeof HOLD_REASONS)[number];

export interface NewHold {
  customerId: string;
  userId: string;
  /** `database`, `files`, `room:<buildingId>`; null or absent: every store of the person. */
  store?: string | null;
  reason: HoldReason;
  /** A case or file number; never a name or other personal value. */
  reference?: string | null;
  endsAt: Date;
}

/** Case numbers: letters, digits and a few separators, so a name or an address cannot be typed in. */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;
const STORE = /^(database|files|room:[A-Za-z0-9_-]{1,64})$/;

/** Places a legal hold (operators: `npm run ops -- holds add`). */
export async function addHold(db: Db, h: NewHold, now: Date): Promise<LegalHold> {
  if (!HOLD_REASONS.includes(h.reason)) throw new AppError("VALIDATION_FAILED", "Unknown hold reason.");
  if (h.reference && !REFERENCE.test(h.reference))
    throw new AppError("VALIDATION_FAILED", "The reference must be a case number (letters, digits, . _ / -).");
  if (h.store && !STORE.test(h.store)) throw new AppError("VALIDATION_FAILED", "Unknown store.");
  if (Number.isNaN(h.endsAt.getTime()) || h.endsAt.getTime() <= now.getTime())
    throw new AppError("VALIDATION_FAILED", "The hold must end in the future.");
  const user = await db.query.users.findFirst({
    where: and(eq(users.id, h.userId), eq(users.customerId, h.customerId)),
    columns: { id: true },
  });
  if (!user) throw new AppError("NOT_FOUND", "No such account.");
  const row: LegalHold = {
    id: newId(),
    customerId: h.customerId,
    userId: h.userId,
    store: h.store ?? null,
    reason: h.reason,
    reference: h.reference ?? null,
    endsAt: h.endsAt,
    createdAt: now,
    releasedAt: null,
  };
  await db.insert(legalHolds).values(row);
  return row;
}

/**
 * Releases a hold early. Erasure steps it held become due now, so the next minute run (or the next
 * `runDueErasures`) erases what it kept.
 */
export async function releaseHold(db: Db, customerId: string, holdId: string, now: Date): Promise<LegalHold> {
  const [row] = await db
    .update(legalHolds)
    .set({ releasedAt: now })
    .where(and(eq(legalHolds.id, holdId), eq(legalHolds.customerId, customerId), isNull(legalHolds.releasedAt)))
    .returning();
  if (!row) throw new AppError("NOT_FOUND", "No such active hold.");
  const requests = db
    .select({ id: privacyRequests.id })
    .from(privacyRequests)
    .where(and(eq(privacyRequests.userId, row.userId), eq(privacyRequests.customerId, customerId)));
  await db
    .update(erasureSteps)
    .set({ nextAttemptAt: now })
    .where(
      and(
        eq(erasureSteps.state, "held"),
        eq(erasureSteps.customerId, customerId),
        inArray(erasureSteps.requestId, requests),
      ),
    );
  return row;
}

/** Holds of a customer (or every customer), newest first; `active` only those still in force at `now`. */
export async function listHolds(db: Db, now: Date, o: { customerId?: string; active?: boolean } = {}) {
  return db
    .select()
    .from(legalHolds)
    .where(
      and(
        o.customerId ? eq(legalHolds.customerId, o.customerId) : undefined,
        o.active ? and(isNull(legalHolds.releasedAt), gt(legalHolds.endsAt, now)) : undefined,
      ),
    )
    .orderBy(desc(legalHolds.createdAt));
}

/**
 * The active hold that covers a store of a person, if any (the latest end wins: that is when the
 * store may be erased). Holds without a store cover every store.
 */
export async function activeHold(
  db: Db,
  customerId: string,
  userId: string,
  store: string,
  now: Date,
): Promise<LegalHold | undefined> {
  const [row] = await db
    .select()
    .from(legalHolds)
    .where(
      and(
        eq(legalHolds.userId, userId),
        eq(legalHolds.customerId, customerId),
        isNull(legalHolds.releasedAt),
        gt(legalHolds.endsAt, now),
        or(isNull(legalHolds.store), eq(legalHolds.store, store)),
      ),
    )
    .orderBy(desc(legalHolds.endsAt))
    .limit(1);
  return row;
}

/**
 * SQL condition for purges: the person in `userId` has no active hold over their files (a hold on
 * `files` or on every store). No bound parameter besides the time.
 */
export function notHeld(userId: SQLiteColumn, now: Date): SQL {
  return sql`not exists (select 1 from ${legalHolds} where ${legalHolds.userId} = ${userId}
    and ${legalHolds.releasedAt} is null and ${legalHolds.endsAt} > ${now.getTime()}
    and (${legalHolds.store} is null or ${legalHolds.store} = 'files'))`;
}

/** Expired exports the purge keeps because of a hold (the purge report counts them). */
export async function countHeldExports(deps: Deps, now: Date): Promise<number> {
  const [row] = await deps.db
    .select({ n: count() })
    .from(dataExports)
    .where(and(lte(dataExports.expiresAt, now), sql`not (${notHeld(dataExports.userId, now)})`));
  return row?.n ?? 0;
}
