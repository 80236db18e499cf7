import { and, asc, count, countDistinct, eq, inArray, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { announcementAcks, announcementReads, announcementTargets } from "../db/schema/announcements";
import { units } from "../db/schema/estate";
import { tenancies, tenancyMembers } from "../db/schema/people";
import { isoDay } from "../lib/time";
import { activeOn } from "./actor";

export interface AnnouncementCounts {
  /** Rooms the announcement went to. */
  buildings: number;
  /** Units of those buildings with current residents, and the residents themselves (today). */
  units: number;
  residents: number;
  /** Distinct people who opened it. */
  read: number;
  /** Units asked to acknowledge it (`units`, or 0 when no acknowledgement is required) and those that did. */
  unitsToAcknowledge: number;
  acknowledged: number;
}

/**
 * Counts for a page of announcements (at most 50 ids: well under D1's 100 bound parameters), in four
 * grouped queries rather than four per announcement. Audiences are counted as they are today.
 */
export async function countsOf(
  deps: Deps,
  page: readonly { id: string; ackRequired: boolean }[],
): Promise<{ id: string; counts: AnnouncementCounts }[]> {
  if (page.length === 0) return [];
  const ids = page.map((a) => a.id);
  const today = isoDay(deps.now());
  const audience = await deps.db
    .select({
      id: announcementTargets.announcementId,
      buildings: countDistinct(announcementTargets.buildingId),
      // Units with someone living there today (a vacant flat is asked for nothing).
      units:
        sql<number>`count(distinct case when ${tenancyMembers.userId} is not null then ${tenancies.unitId} end)`.mapWith(
          Number,
        ),
      residents: countDistinct(tenancyMembers.userId),
    })
    .from(announcementTargets)
    .leftJoin(units, eq(units.buildingId, announcementTargets.buildingId))
    .leftJoin(tenancies, and(eq(tenancies.unitId, units.id), activeOn(tenancies, today)))
    .leftJoin(tenancyMembers, eq(tenancyMembers.tenancyId, tenancies.id))
    .where(inArray(announcementTargets.announcementId, ids))
    .groupBy(announcementTargets.announcementId);
  const reads = await deps.db
    .select({ id: announcementReads.announcementId, n: count() })
    .from(announcementReads)
    .where(inArray(announcementReads.announcementId, ids))
    .groupBy(announcementReads.announcementId);
  const acks = await deps.db
    .select({ id: announcementAcks.announcementId, n: count() })
    .from(announcementAcks)
    .where(inArray(announcementAcks.announcementId, ids))
    .groupBy(announcementAcks.announcementId);
  const by = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const [aud, rd, ak] = [by(audience), by(reads), by(acks)];
  return page.map(({ id, ackRequired }) => {
    const x = aud.get(id);
    return {
      id,
      counts: {
        buildings: x?.buildings ?? 0,
        units: x?.units ?? 0,
        residents: x?.residents ?? 0,
        unitsToAcknowledge: ackRequired ? (x?.units ?? 0) : 0,
        read: rd.get(id)?.n ?? 0,
        acknowledged: ak.get(id)?.n ?? 0,
      },
    };
  });
}

/** The delivery of an announcement to each of its rooms. */
export async function deliveriesOf(deps: Deps, announcementId: string) {
  return deps.db
    .select({
      buildingId: announcementTargets.buildingId,
      state: announcementTargets.deliveryState,
      attempts: announcementTargets.attempts,
      lastError: announcementTargets.lastError,
      seq: announcementTargets.deliveredSeq,
    })
    .from(announcementTargets)
    .where(eq(announcementTargets.announcementId, announcementId))
    .orderBy(asc(announcementTargets.buildingId));
}
