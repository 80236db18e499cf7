import { and, asc, count, desc, eq, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { buildings } from "../db/schema/estate";
import { type ModerationAction, moderationLog, moderationReports, type ReportReason } from "../db/schema/moderation";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import type { PostInfo } from "../shared/room-rpc";
import type { Actor } from "./actor";
import { errorCode } from "./fan-out";

/** A room that cannot be reached answers 503, never 500, and nothing is written in D1. */
async function inRoom<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    console.error(JSON.stringify({ roomCallFailed: errorCode(e) }));
    throw new AppError("ROOM_UNAVAILABLE", "The building room cannot be reached; try again shortly.");
  }
}

const postOf = (deps: Deps, buildingId: string, postId: string): Promise<PostInfo | null> =>
  inRoom(() => deps.stores.rooms().getByName(buildingId).postInfo(postId));

/**
 * A resident reports a post of their building (R-M1): one open report per person and post, never
 * one's own post, and only a post that exists and is shown. The note goes to the managers only.
 */
export async function reportPost(
  deps: Deps,
  a: Actor,
  buildingId: string,
  postId: string,
  input: { reason: ReportReason; note?: string | undefined },
) {
  if (!a.residentBuildingIds.has(buildingId)) throw notFound("Building");
  const post = await postOf(deps, buildingId, postId);
  if (!post || post.hidden) throw notFound("Post");
  if (post.authorId === a.userId) throw new AppError("OWN_POST", "You cannot report your own post.");
  const row = {
    id: newId(),
    customerId: a.customerId,
    buildingId,
    postId,
    reporterId: a.userId,
    reason: input.reason,
    note: input.note ?? null,
    status: "open" as const,
    createdAt: deps.now(),
    closedAt: null,
  };
  // The partial unique index (one open report per reporter and post) decides races.
  const inserted = await deps.db.insert(moderationReports).values(row).onConflictDoNothing().returning();
  if (inserted.length === 0) throw new AppError("ALREADY_REPORTED", "You have already reported this post.");
  return row;
}

async function managedBuilding(deps: Deps, a: Actor, buildingId: string) {
  const b = await deps.db.query.buildings.findFirst({
    where: and(eq(buildings.id, buildingId), eq(buildings.customerId, a.customerId)),
  });
  if (!b || !a.managedBuildingIds.has(b.id)) throw notFound("Building");
}

/** Open reports across the manager's buildings, one entry per post (reporters are not named). */
export async function listOpenReports(deps: Deps, a: Actor, buildingId?: string) {
  const rows = await deps.db
    .select()
    .from(moderationReports)
    .where(
      and(
        eq(moderationReports.customerId, a.customerId),
        eq(moderationReports.status, "open"),
        buildingId ? eq(moderationReports.buildingId, buildingId) : undefined,
      ),
    )
    .orderBy(asc(moderationReports.createdAt))
    .limit(1000);
  const posts = new Map<
    string,
    {
      buildingId: string;
      postId: string;
      reports: number;
      reasons: Partial<Record<ReportReason, number>>;
      notes: string[];
      firstReportedAt: Date;
      lastReportedAt: Date;
    }
  >();
  for (const r of rows) {
    if (!a.managedBuildingIds.has(r.buildingId)) continue;
    const key = `${r.buildingId}/${r.postId}`;
    const p = posts.get(key) ?? {
      buildingId: r.buildingId,
      postId: r.postId,
      reports: 0,
      reasons: {},
      notes: [],
      firstReportedAt: r.createdAt,
      lastReportedAt: r.createdAt,
    };
    p.reports++;
    p.reasons[r.reason] = (p.reasons[r.reason] ?? 0) + 1;
    if (r.note) p.notes.push(r.note);
    p.lastReportedAt = r.createdAt;
    posts.set(key, p);
  }
  return [...posts.values()].sort((x, y) => y.reports - x.reports || +x.firstReportedAt - +y.firstReportedAt);
}

const openReportsOf = (a: Actor, buildingId: string, postId: string) =>
  and(
    eq(moderationReports.customerId, a.customerId),
    eq(moderationReports.buildingId, buildingId),
    eq(moderationReports.postId, postId),
    eq(moderationReports.status, "open"),
  );

async function openCount(deps: Deps, a: Actor, buildingId: string, postId: string) {
  const [open] = await deps.db
    .select({ n: count() })
    .from(moderationReports)
    .where(openReportsOf(a, buildingId, postId));
  return open?.n ?? 0;
}

/**
 * Closes the post's open reports and logs the action in one transaction. The log row counts the
 * reports it closed with a subquery, so the count and the closing cannot disagree.
 */
async function closeReports(
  deps: Deps,
  a: Actor,
  buildingId: string,
  postId: string,
  action: ModerationAction,
  status: "resolved" | "dismissed",
) {
  const now = deps.now();
  const open = deps.db
    .select({ n: count() })
    .from(moderationReports)
    .where(openReportsOf(a, buildingId, postId));
  const [, closed] = await deps.db.batch([
    deps.db.insert(moderationLog).values({
      id: newId(),
      customerId: a.customerId,
      buildingId,
      postId,
      actorId: a.userId,
      action,
      reports: sql`(${open})`,
      createdAt: now,
    }),
    deps.db
      .update(moderationReports)
      .set({ status, closedAt: now })
      .where(openReportsOf(a, buildingId, postId)),
  ]);
  return closed.meta.changes;
}

/** A manager hides or restores a post for everyone; the post's open reports are resolved by it. */
export async function setPostHidden(deps: Deps, a: Actor, buildingId: string, postId: string, hidden: boolean) {
  await managedBuilding(deps, a, buildingId);
  const r = await inRoom(() => deps.stores.rooms().getByName(buildingId).setPostHidden(postId, hidden, a.userId));
  if (!r.found) throw notFound("Post");
  // Already so (seq null) and nothing to resolve: a repeated click changes and logs nothing.
  if (r.seq === null && (await openCount(deps, a, buildingId, postId)) === 0) {
    return { buildingId, postId, hidden, reportsClosed: 0 };
  }
  const reportsClosed = await closeReports(deps, a, buildingId, postId, hidden ? "hide" : "restore", "resolved");
  return { buildingId, postId, hidden, reportsClosed };
}

/** A manager dismisses the open reports of a post (it stays as it is). Nothing open: nothing logged. */
export async function dismissReports(deps: Deps, a: Actor, buildingId: string, postId: string) {
  await managedBuilding(deps, a, buildingId);
  if ((await openCount(deps, a, buildingId, postId)) === 0) throw notFound("Open report");
  const reportsClosed = await closeReports(deps, a, buildingId, postId, "dismiss", "dismissed");
  return { buildingId, postId, reportsClosed };
}

/** The moderation log of the manager's buildings, newest first: ids and actions only. */
export async function listLog(deps: Deps, a: Actor) {
  const rows = await deps.db
    .select()
    .from(moderationLog)
    .where(eq(moderationLog.customerId, a.customerId))
    .orderBy(desc(moderationLog.createdAt), desc(moderationLog.id))
    .limit(500);
  return rows.filter((r) => a.managedBuildingIds.has(r.buildingId)).slice(0, 100);
}
