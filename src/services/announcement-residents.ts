import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { announcementAcks, announcementReads, announcements, announcementTargets } from "../db/schema/announcements";
import { customers } from "../db/schema/customers";
import { AppError, notFound } from "../lib/errors";
import { type Actor, canSeeBuilding } from "./actor";

const PAGE = 50;

/**
 * The announcements of one building for the people who live there (and its managers): pinned ones
 * first — inside their pin period, or still waiting for an acknowledgement of one of the reader's
 * units — then the others, newest first. Residents see only buildings where they live today.
 */
export async function listForBuilding(deps: Deps, a: Actor, buildingId: string) {
  if (!canSeeBuilding(a, buildingId)) throw notFound("Building");
  const now = deps.now();
  const rows = await deps.db
    .select({
      id: announcements.id,
      title: announcements.title,
      body: announcements.body,
      ackRequired: announcements.ackRequired,
      publishedAt: announcements.publishedAt,
      pinnedUntil: announcements.pinnedUntil,
      // Distinct result names: D1 merges equal column names of joined tables.
      authorName: sql<string>`${customers.name}`.as("author_name"),
    })
    .from(announcements)
    .innerJoin(
      announcementTargets,
      and(eq(announcementTargets.announcementId, announcements.id), eq(announcementTargets.buildingId, buildingId)),
    )
    .innerJoin(customers, eq(customers.id, announcements.customerId))
    .where(and(eq(announcements.customerId, a.customerId), eq(announcements.state, "published")))
    .orderBy(desc(announcements.publishedAt), desc(announcements.id))
    .limit(PAGE);
  const ids = rows.map((r) => r.id);
  const myUnits = unitsIn(a, [buildingId]);
  const reads = ids.length
    ? await deps.db
        .select({ id: announcementReads.announcementId, at: announcementReads.readAt })
        .from(announcementReads)
        .where(and(eq(announcementReads.userId, a.userId), inArray(announcementReads.announcementId, ids)))
    : [];
  const acks = ids.length && myUnits.length ? await acksOf(deps, ids, myUnits) : [];
  const readAt = new Map(reads.map((r) => [r.id, r.at]));
  const items = rows.map((r) => {
    const acked = acks.filter((k) => k.id === r.id).map((k) => k.unitId);
    const open = r.ackRequired ? myUnits.filter((u) => !acked.includes(u)) : [];
    const pinned = (r.pinnedUntil !== null && r.pinnedUntil > now) || open.length > 0;
    return { ...r, pinned, readAt: readAt.get(r.id) ?? null, acknowledgedUnitIds: acked, unitsToAcknowledge: open };
  });
  return [...items.filter((i) => i.pinned), ...items.filter((i) => !i.pinned)];
}

/** The reader's current units in these buildings. */
function unitsIn(a: Actor, buildingIds: string[]): string[] {
  return [...new Set(a.memberships.filter((m) => buildingIds.includes(m.buildingId)).map((m) => m.unitId))].sort();
}

function acksOf(deps: Deps, ids: string[], unitIds: string[]) {
  return deps.db
    .select({ id: announcementAcks.announcementId, unitId: announcementAcks.unitId })
    .from(announcementAcks)
    .where(and(inArray(announcementAcks.announcementId, ids), inArray(announcementAcks.unitId, unitIds)));
}

/** A published announcement for one of the reader's current homes; 404 for anyone else. */
async function forResident(deps: Deps, a: Actor, id: string) {
  const row = await deps.db.query.announcements.findFirst({
    where: and(eq(announcements.id, id), eq(announcements.customerId, a.customerId)),
  });
  if (!row || row.state !== "published") throw notFound("Announcement");
  const targets = await deps.db
    .select({ buildingId: announcementTargets.buildingId })
    .from(announcementTargets)
    .where(eq(announcementTargets.announcementId, id));
  const homes = targets.map((t) => t.buildingId).filter((b) => a.residentBuildingIds.has(b));
  if (homes.length === 0) throw notFound("Announcement");
  return { row, homes };
}

/** Marks an announcement as read by the reader (the first time counts; repeating changes nothing). */
export async function markRead(deps: Deps, a: Actor, id: string) {
  const { row } = await forResident(deps, a, id);
  await deps.db
    .insert(announcementReads)
    .values({ announcementId: row.id, userId: a.userId, customerId: a.customerId, readAt: deps.now() })
    .onConflictDoNothing();
}

/**
 * Acknowledges an announcement for the reader's units in its buildings (or the one unit named). One
 * acknowledgement per unit: the first resident's stands, repeating changes nothing. Acknowledging
 * also marks it read.
 */
export async function acknowledge(deps: Deps, a: Actor, id: string, unitId: string | undefined) {
  const { row, homes } = await forResident(deps, a, id);
  if (!row.ackRequired) throw new AppError("ACK_NOT_REQUIRED", "This announcement asks for no acknowledgement.");
  const mine = unitsIn(a, homes);
  if (unitId !== undefined && !mine.includes(unitId)) throw notFound("Unit");
  const now = deps.now();
  const chosen = unitId === undefined ? mine : [unitId];
  await deps.db.batch([
    deps.db
      .insert(announcementAcks)
      .values(
        chosen.map((u) => ({
          announcementId: id,
          unitId: u,
          customerId: a.customerId,
          userId: a.userId,
          ackedAt: now,
        })),
      )
      .onConflictDoNothing(),
    deps.db
      .insert(announcementReads)
      .values({ announcementId: id, userId: a.userId, customerId: a.customerId, readAt: now })
      .onConflictDoNothing(),
  ]);
  const acked = await acksOf(deps, [id], mine);
  return { acknowledgedUnitIds: acked.map((k) => k.unitId).sort() };
}
