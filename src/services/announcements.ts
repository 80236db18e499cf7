import { and, desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import { type Announcement, announcements, announcementTargets, type TargetType } from "../db/schema/announcements";
import { properties } from "../db/schema/estate";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { DAY } from "../lib/time";
import type { Actor } from "./actor";
import { countsOf, deliveriesOf } from "./announcement-counts";
import { deliverDue, publishStatements, resolveTargets } from "./announcement-delivery";

type Stmt = BatchItem<"sqlite">;

export type Target = { type: "building"; ids: string[] } | { type: "property"; id: string } | { type: "customer" };

export interface AnnouncementInput {
  title: string;
  body: string;
  target: Target;
  ackRequired: boolean;
  publishAt?: Date | undefined;
  pinnedUntil?: Date | undefined;
}

/** Residents see a new announcement pinned for two weeks unless the manager chooses otherwise. */
const DEFAULT_PIN_MS = 14 * DAY;
const MAX_SCHEDULE_MS = 366 * DAY;

/**
 * Whether a manager may see and change an announcement: every building it was meant for must be in
 * their scope (a property: the property; the whole customer: customer admins only).
 */
export function canManage(a: Actor, x: Pick<Announcement, "customerId" | "targetType" | "targetIds">): boolean {
  if (x.customerId !== a.customerId) return false;
  if (a.isAdmin) return true;
  if (x.targetType === "customer") return false;
  if (x.targetType === "property") return x.targetIds.every((id) => a.managedPropertyIds.has(id));
  return x.targetIds.every((id) => a.managedBuildingIds.has(id));
}

function targetOf(t: Target): { type: TargetType; ids: string[] } {
  if (t.type === "building") return { type: "building", ids: [...new Set(t.ids)].sort() };
  if (t.type === "property") return { type: "property", ids: [t.id] };
  return { type: "customer", ids: [] };
}

/** Checks the target against the manager's scope and the customer's buildings (404 for foreign ids). */
async function checkTarget(deps: Deps, a: Actor, t: { type: TargetType; ids: string[] }): Promise<string[]> {
  if (t.type === "customer" && !a.isAdmin) {
    throw new AppError("FORBIDDEN", "Only customer admins can send to all buildings.");
  }
  if (!canManage(a, { customerId: a.customerId, targetType: t.type, targetIds: t.ids })) {
    throw notFound(t.type === "property" ? "Property" : "Building");
  }
  if (t.type === "property") {
    const p = await deps.db.query.properties.findFirst({
      where: and(eq(properties.id, t.ids[0] ?? ""), eq(properties.customerId, a.customerId)),
    });
    if (!p) throw notFound("Property");
  }
  const buildingIds = await resolveTargets(deps, a.customerId, t.type, t.ids);
  if (t.type === "building" && buildingIds.length !== t.ids.length) throw notFound("Building");
  if (buildingIds.length === 0) {
    throw new AppError("VALIDATION_FAILED", "The target has no buildings.", [{ path: "target", message: "Empty" }]);
  }
  return buildingIds;
}

/**
 * Creates an announcement. Published now, it is delivered to its rooms before this returns (rooms
 * that fail are retried by the minute cron); with a future `publishAt` it waits for the cron, and its
 * targets are resolved when it is published.
 */
export async function createAnnouncement(deps: Deps, a: Actor, input: AnnouncementInput) {
  const now = deps.now();
  const target = targetOf(input.target);
  const buildingIds = await checkTarget(deps, a, target);
  const publishAt = input.publishAt && input.publishAt > now ? input.publishAt : now;
  if (publishAt.getTime() - now.getTime() > MAX_SCHEDULE_MS) {
    throw new AppError("VALIDATION_FAILED", "Schedule at most a year ahead.", [
      { path: "publishAt", message: "More than a year ahead" },
    ]);
  }
  const pinnedUntil = input.pinnedUntil ?? new Date(publishAt.getTime() + DEFAULT_PIN_MS);
  if (pinnedUntil < publishAt) {
    throw new AppError("VALIDATION_FAILED", "The pin ends before publication.", [
      { path: "pinnedUntil", message: "Before publishAt" },
    ]);
  }
  const row: Announcement = {
    id: newId(),
    customerId: a.customerId,
    authorId: a.userId,
    title: input.title,
    body: input.body,
    targetType: target.type,
    targetIds: target.ids,
    ackRequired: input.ackRequired,
    state: "scheduled",
    publishAt,
    pinnedUntil,
    publishedAt: null,
    withdrawnAt: null,
    createdAt: now,
  };
  const scheduled = publishAt > now;
  // The record, its targets and its state commit together: never an announcement half published.
  const stmts: Stmt[] = [
    deps.db.insert(announcements).values(row),
    ...(scheduled ? [] : publishStatements(deps, row, buildingIds, now)),
  ];
  await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
  if (!scheduled) await deliverDue(deps, { announcementId: row.id });
  return getAnnouncement(deps, a, row.id);
}

async function managed(deps: Deps, a: Actor, id: string): Promise<Announcement> {
  const row = await deps.db.query.announcements.findFirst({
    where: and(eq(announcements.id, id), eq(announcements.customerId, a.customerId)),
  });
  if (!row || !canManage(a, row)) throw notFound("Announcement");
  return row;
}

/** One announcement with its counts and the delivery to each room (manager view). */
export async function getAnnouncement(deps: Deps, a: Actor, id: string) {
  const row = await managed(deps, a, id);
  const [counts] = await countsOf(deps, [row]);
  return { ...row, counts: counts?.counts, deliveries: await deliveriesOf(deps, row.id) };
}

/** The newest announcements the manager may see, with counts (bounded: the latest 50 in scope). */
export async function listForManager(deps: Deps, a: Actor) {
  const rows = await deps.db
    .select()
    .from(announcements)
    .where(eq(announcements.customerId, a.customerId))
    .orderBy(desc(announcements.publishAt), desc(announcements.id))
    .limit(500);
  const mine = rows.filter((r) => canManage(a, r)).slice(0, 50);
  const counts = new Map((await countsOf(deps, mine)).map((c) => [c.id, c.counts]));
  return mine.map((r) => ({ ...r, counts: counts.get(r.id) }));
}

/**
 * Withdraws an announcement: scheduled ones never go out; published ones are withdrawn from every
 * room (the same delivery machinery, retried alike). Withdrawing twice changes nothing.
 */
export async function withdrawAnnouncement(deps: Deps, a: Actor, id: string) {
  const row = await managed(deps, a, id);
  if (row.state !== "withdrawn") {
    const now = deps.now();
    await deps.db.batch([
      deps.db
        .update(announcements)
        .set({ state: "withdrawn", withdrawnAt: now })
        .where(and(eq(announcements.id, id), eq(announcements.customerId, a.customerId))),
      deps.db
        .update(announcementTargets)
        .set({ deliveryState: "pending", attempts: 0, lastError: null, nextAttemptAt: now, updatedAt: now })
        .where(eq(announcementTargets.announcementId, id)),
    ]);
    await deliverDue(deps, { announcementId: id });
  }
  return getAnnouncement(deps, a, id);
}
