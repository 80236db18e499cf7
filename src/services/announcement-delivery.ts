import { and, asc, eq, inArray, lt, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import { type Announcement, announcements, announcementTargets, type TargetType } from "../db/schema/announcements";
import { customers } from "../db/schema/customers";
import { buildings } from "../db/schema/estate";
import { MINUTE } from "../lib/time";
import type { AnnouncementDelivery } from "../shared/room-rpc";
import { errorCode, FAN_OUT_CONCURRENCY, mapBounded } from "./fan-out";

/** A room that failed this often is given up on (the manager sees it as failed). */
export const MAX_ATTEMPTS = 8;
/** Rooms one invocation delivers to at most; the minute cron takes the rest. */
const DELIVERY_BATCH = 100;
/** Scheduled announcements one cron run publishes at most. */
const PUBLISH_BATCH = 20;
type Stmt = BatchItem<"sqlite">;

/** 1, 2, 4 … minutes after the n-th failure, at most an hour. */
export const backoffMs = (attempts: number) => Math.min(60, 2 ** Math.max(0, attempts - 1)) * MINUTE;

/**
 * What an announcement's publication tells the notify queue, once per room that has it: the queue
 * consumer mails the building's residents who were not connected (src/index.ts).
 */
export interface AnnouncementNotice {
  kind: "announcement.delivered";
  customerId: string;
  buildingId: string;
  announcementId: string;
  authorId: string;
  connectedUserIds: string[];
  at: number;
}

/** The buildings a target means now (at publication): chosen ones, a property's, or all the customer's. */
export async function resolveTargets(
  deps: Deps,
  customerId: string,
  type: TargetType,
  ids: readonly string[],
): Promise<string[]> {
  const scope =
    type === "building"
      ? inArray(buildings.id, [...ids])
      : type === "property"
        ? eq(buildings.propertyId, ids[0] ?? "")
        : undefined;
  const rows = await deps.db
    .select({ id: buildings.id })
    .from(buildings)
    .where(and(eq(buildings.customerId, customerId), scope))
    .orderBy(asc(buildings.id));
  return rows.map((r) => r.id);
}

/** Statements that publish an announcement to these buildings (to run in one batch). */
export function publishStatements(deps: Deps, a: Announcement, buildingIds: string[], now: Date): Stmt[] {
  const rows = buildingIds.map((buildingId) => ({
    announcementId: a.id,
    buildingId,
    customerId: a.customerId,
    deliveryState: "pending" as const,
    attempts: 0,
    nextAttemptAt: now,
    updatedAt: now,
  }));
  // Seven values a row: fourteen rows a statement stay under D1's 100 bound parameters.
  const inserts = Array.from({ length: Math.ceil(rows.length / 14) }, (_, i) =>
    deps.db
      .insert(announcementTargets)
      .values(rows.slice(i * 14, i * 14 + 14))
      .onConflictDoNothing(),
  );
  return [
    ...inserts,
    deps.db
      .update(announcements)
      .set({ state: "published", publishedAt: now })
      .where(and(eq(announcements.id, a.id), eq(announcements.state, "scheduled"))),
  ];
}

/** Publishes scheduled announcements whose time has come (minute cron); their targets are resolved now. */
export async function publishDue(deps: Deps): Promise<number> {
  const now = deps.now();
  const due = await deps.db
    .select()
    .from(announcements)
    .where(and(eq(announcements.state, "scheduled"), lte(announcements.publishAt, now)))
    .orderBy(asc(announcements.publishAt))
    .limit(PUBLISH_BATCH);
  for (const a of due) {
    const ids = await resolveTargets(deps, a.customerId, a.targetType, a.targetIds);
    const stmts = publishStatements(deps, a, ids, now);
    // Targets and the state change commit together; a second run changes nothing (idempotent).
    await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
  }
  return due.length;
}

/**
 * Brings every room whose copy is behind up to date, at most FAN_OUT_CONCURRENCY rooms at a time:
 * a published announcement is delivered, a withdrawn one withdrawn. Each room's outcome is recorded
 * on its own; failed rooms are retried by the minute cron with backoff, up to MAX_ATTEMPTS.
 */
export async function deliverDue(deps: Deps, only?: { announcementId: string }) {
  const now = deps.now();
  const due = await deps.db
    .select({
      announcementId: announcementTargets.announcementId,
      buildingId: announcementTargets.buildingId,
      attempts: announcementTargets.attempts,
      updatedAt: announcementTargets.updatedAt,
      customerId: announcements.customerId,
      authorId: announcements.authorId,
      title: announcements.title,
      body: announcements.body,
      ackRequired: announcements.ackRequired,
      state: announcements.state,
      publishedAt: announcements.publishedAt,
      // Distinct result names: D1 merges equal column names of joined tables.
      customerName: sql<string>`${customers.name}`.as("customer_name"),
    })
    .from(announcementTargets)
    .innerJoin(announcements, eq(announcements.id, announcementTargets.announcementId))
    .innerJoin(customers, eq(customers.id, announcements.customerId))
    .where(
      and(
        inArray(announcementTargets.deliveryState, ["pending", "failed"]),
        lte(announcementTargets.nextAttemptAt, now),
        lt(announcementTargets.attempts, MAX_ATTEMPTS),
        only ? eq(announcementTargets.announcementId, only.announcementId) : undefined,
      ),
    )
    .orderBy(asc(announcementTargets.nextAttemptAt))
    .limit(DELIVERY_BATCH);
  if (due.length === 0) return { delivered: 0, failed: 0 };
  const rooms = deps.stores.rooms();
  const results = await mapBounded(due, FAN_OUT_CONCURRENCY, async (t) => {
    const room = rooms.getByName(t.buildingId);
    if (t.state === "withdrawn") {
      await room.withdrawAnnouncement(t.announcementId);
      return null;
    }
    const copy: AnnouncementDelivery = {
      id: t.announcementId,
      title: t.title,
      body: t.body,
      // Sent in the customer's name: residents deal with their property manager, not with one person.
      authorName: t.customerName,
      publishedAt: (t.publishedAt ?? now).getTime(),
      ackRequired: t.ackRequired,
    };
    const r = await room.deliverAnnouncement(copy);
    const notice: AnnouncementNotice = {
      kind: "announcement.delivered",
      customerId: t.customerId,
      buildingId: t.buildingId,
      announcementId: t.announcementId,
      authorId: t.authorId,
      connectedUserIds: r.connectedUserIds,
      at: now.getTime(),
    };
    // Part of the delivery: if the queue refuses it, the room is retried (redelivery is idempotent).
    await deps.stores.notify.send(notice);
    return r.seq;
  });
  const stmts = due.map((t, i): Stmt => {
    const r = results[i];
    const attempts = t.attempts + 1;
    const set = r?.ok
      ? { deliveryState: "delivered" as const, attempts, lastError: null, updatedAt: now, ...seqOf(r.value) }
      : {
          deliveryState: "failed" as const,
          attempts,
          lastError: errorCode(r?.ok === false ? r.error : undefined),
          nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)),
          updatedAt: now,
        };
    // Only if nobody changed the row meanwhile (a withdrawal resets it and must not be overwritten).
    return deps.db
      .update(announcementTargets)
      .set(set)
      .where(
        and(
          eq(announcementTargets.announcementId, t.announcementId),
          eq(announcementTargets.buildingId, t.buildingId),
          eq(announcementTargets.attempts, t.attempts),
          eq(announcementTargets.updatedAt, t.updatedAt),
        ),
      );
  });
  await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) console.log(JSON.stringify({ announcementDeliveryFailed: failed, rooms: due.length }));
  return { delivered: due.length - failed, failed };
}

const seqOf = (seq: number | null) => (seq === null ? {} : { deliveredSeq: seq });
