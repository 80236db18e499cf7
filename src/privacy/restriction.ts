import { and, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { users } from "../db/schema/people";
import { privacyRequests, processingRestrictions } from "../db/schema/privacy";

/**
 * The one marker every feature checks before it uses a person's data for anything but keeping it
 * (R-P5, R-P4): a person's processing is restricted while
 * - the account is erased (`users.status = 'erased'`), or
 * - an erasure request of theirs is open (the account is closed and being erased store by store,
 *   possibly held by a legal hold), or
 * - they asked for restriction (`processing_restrictions` kind `restriction`, not lifted).
 * Restricted people are not shown to neighbours, get no notifications or mails except about the
 * restriction itself, and are not served by the integrator API or webhooks.
 */
export async function isProcessingRestricted(db: Db, customerId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, userId), eq(users.customerId, customerId), restrictedUser(users.id)));
  return row !== undefined;
}

/** Of the given ids, those whose processing is restricted (chunked: D1 takes at most 100 parameters). */
export async function restrictedUserIds(db: Db, customerId: string, userIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const ids = [...new Set(userIds)];
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(inArray(users.id, ids.slice(i, i + 90)), eq(users.customerId, customerId), restrictedUser(users.id)));
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/**
 * SQL condition "the user in `userId` is restricted", for queries that select people in bulk
 * (`WHERE NOT (restrictedUser(col))` leaves restricted people out). Correlated subqueries on indexed
 * columns; no bound parameters, so it composes into statements of any size.
 */
export function restrictedUser(userId: SQLiteColumn | SQL): SQL {
  // Aliased: the outer query may itself select from users (then `users.id = users.id` would be true).
  const erased = sql`exists (select 1 from "users" as "restricted_u" where "restricted_u"."id" = ${userId}
    and "restricted_u"."status" = 'erased')`;
  const erasing = sql`exists (select 1 from ${privacyRequests} where ${privacyRequests.userId} = ${userId}
    and ${privacyRequests.kind} = 'erasure' and ${privacyRequests.state} in ('received', 'verified'))`;
  const asked = sql`exists (select 1 from ${processingRestrictions} where ${processingRestrictions.userId} = ${userId}
    and ${processingRestrictions.kind} = 'restriction' and ${processingRestrictions.liftedAt} is null)`;
  return sql`(${erased} or ${erasing} or ${asked})`;
}

/** The person objected to direct marketing (R-P6): no newsletter or promotional mail, whatever their consent. */
export async function hasObjected(
  db: Db,
  customerId: string,
  userId: string,
  kind: "objection-marketing" | "objection-legitimate-interest",
): Promise<boolean> {
  const [row] = await db
    .select({ id: processingRestrictions.id })
    .from(processingRestrictions)
    .where(
      and(
        eq(processingRestrictions.userId, userId),
        eq(processingRestrictions.customerId, customerId),
        or(eq(processingRestrictions.kind, kind), eq(processingRestrictions.kind, "restriction")),
        isNull(processingRestrictions.liftedAt),
      ),
    )
    .limit(1);
  return row !== undefined;
}
