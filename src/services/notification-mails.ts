import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppConfig, Deps } from "../app-env";
import { announcements } from "../db/schema/announcements";
import { outbox } from "../db/schema/auth";
import { customers, type Locale } from "../db/schema/customers";
import { buildings, units } from "../db/schema/estate";
import { NOTIFY_CATEGORIES, type NotifyCategoryKey, notificationItems } from "../db/schema/notifications";
import { tenancies, tenancyMembers, users } from "../db/schema/people";
import { type NotifyTemplate, notifyLine } from "../i18n/notification-mail";
import { DEV_DEFAULT_APP } from "../lib/config";
import { isoDay, MINUTE } from "../lib/time";
import { restrictedUser } from "../privacy/restriction";
import { mailRow } from "./mail";

/** At most one immediate mail per person and category in this window (decision 0011). */
export const COALESCE_MS = 10 * MINUTE;
/** Digests go out at 07:00 UTC: daily every day, weekly on Mondays (decision 0011). */
export const DIGEST_HOUR_UTC = 7;

/** The next digest time strictly after `at`. */
export function nextDigestAt(at: Date, mode: "daily" | "weekly"): Date {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), DIGEST_HOUR_UTC));
  if (d.getTime() <= at.getTime()) d.setUTCDate(d.getUTCDate() + 1);
  if (mode === "weekly") while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

/** The origin of a customer's app, for links in mails sent without a request (queue, cron). */
export function appOrigin(config: AppConfig, slug: string): string {
  const u = new URL(config.publicOrigin);
  if (config.environment === "development" && slug === DEV_DEFAULT_APP) return u.origin;
  return `${u.protocol}//${slug}.${u.host}`;
}

const ROUND = 200;
const MAX_ROUNDS = 25;
type Stmt = BatchItem<"sqlite">;

/**
 * Sends every due notification item as mails: one per person and category for "immediately", one
 * per person for each digest. An item is dropped instead when its person may no longer get it: no
 * tenancy in the building today, an account that is not active or not verified, processing restricted
 * meanwhile (R-P5: dropped, not held until lifted), or an announcement that was withdrawn meanwhile.
 * Each mail and the items it covers are written in one transaction.
 */
export async function sendDueNotifications(deps: Deps, scope: { customerId?: string } = {}) {
  let mails = 0;
  let dropped = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const rows = await dueItems(deps, scope.customerId);
    if (rows.length === 0) break;
    const r = await sendItems(deps, rows);
    mails += r.mails;
    dropped += r.dropped;
    if (rows.length < ROUND) break;
  }
  return { mails, dropped };
}

type DueRow = Awaited<ReturnType<typeof dueItems>>[number];

async function dueItems(deps: Deps, customerId: string | undefined) {
  const now = deps.now();
  const today = isoDay(now);
  // Whether the person lives in the item's building today (the rule of `mailableResidents`).
  const member = sql<number>`exists (select 1 from ${tenancyMembers}
    join ${tenancies} on ${tenancies.id} = ${tenancyMembers.tenancyId}
    join ${units} on ${units.id} = ${tenancies.unitId}
    where ${tenancyMembers.userId} = ${notificationItems.userId} and ${units.buildingId} = ${notificationItems.buildingId}
      and ${tenancies.startsOn} <= ${today} and (${tenancies.endsOn} is null or ${tenancies.endsOn} >= ${today}))`;
  // Distinct result names: D1 merges equal column names of joined tables.
  return deps.db
    .select({
      id: notificationItems.id,
      customerId: notificationItems.customerId,
      userId: notificationItems.userId,
      category: notificationItems.category,
      refType: notificationItems.refType,
      mode: notificationItems.mode,
      email: users.email,
      userName: sql<string>`${users.name}`.as("user_name"),
      locale: users.locale,
      status: users.status,
      verifiedAt: users.emailVerifiedAt,
      buildingName: sql<string>`${buildings.name}`.as("building_name"),
      title: announcements.title,
      announcementState: sql<string | null>`${announcements.state}`.as("announcement_state"),
      member: member.as("member"),
      // In the same statement: no extra round trip per person.
      restricted: sql<number>`${restrictedUser(notificationItems.userId)}`.as("restricted"),
    })
    .from(notificationItems)
    .innerJoin(users, eq(users.id, notificationItems.userId))
    .innerJoin(buildings, eq(buildings.id, notificationItems.buildingId))
    .leftJoin(
      announcements,
      and(eq(notificationItems.refType, "announcement"), eq(announcements.id, notificationItems.refId)),
    )
    .where(
      and(
        eq(notificationItems.state, "pending"),
        lte(notificationItems.dueAt, now),
        customerId ? eq(notificationItems.customerId, customerId) : undefined,
      ),
    )
    .orderBy(asc(notificationItems.userId), asc(notificationItems.createdAt))
    .limit(ROUND);
}

function mayReceive(r: DueRow): boolean {
  if (r.member !== 1 || r.restricted !== 0 || r.status !== "active" || r.verifiedAt === null) return false;
  return r.refType !== "announcement" || r.announcementState === "published";
}

async function sendItems(deps: Deps, rows: DueRow[]) {
  const now = deps.now();
  const drop = rows.filter((r) => !mayReceive(r)).map((r) => r.id);
  const groups = new Map<string, DueRow[]>();
  for (const r of rows) {
    if (!mayReceive(r)) continue;
    const key = r.mode === "immediately" ? `${r.userId}|${r.category}` : `${r.userId}|${r.mode}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const customerIds = [...new Set(rows.map((r) => r.customerId))];
  const apps = new Map(
    (
      await deps.db
        .select({ id: customers.id, slug: customers.slug, name: customers.name })
        .from(customers)
        .where(inArray(customers.id, customerIds))
    ).map((c) => [c.id, c]),
  );
  const mark = (ids: string[], state: "sent" | "dropped"): Stmt[] =>
    chunked(ids).map((c) =>
      deps.db.update(notificationItems).set({ state, sentAt: now }).where(inArray(notificationItems.id, c)),
    );
  let mails = 0;
  for (const items of groups.values()) {
    const first = items[0] as DueRow;
    const app = apps.get(first.customerId);
    if (!app) continue;
    const template: NotifyTemplate =
      first.mode === "immediately"
        ? `notify-${first.category}`
        : first.mode === "weekly"
          ? "notify-digest-weekly"
          : "notify-digest-daily";
    const mail = mailRow(deps, {
      customerId: first.customerId,
      userId: first.userId,
      to: first.email,
      locale: first.locale,
      template,
      vars: {
        app: app.name,
        name: first.userName,
        lines: linesOf(first.locale, items),
        link: `${appOrigin(deps.config, app.slug)}/`,
      },
    });
    const stmts: Stmt[] = [
      deps.db.insert(outbox).values(mail),
      ...mark(
        items.map((i) => i.id),
        "sent",
      ),
    ];
    await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
    mails++;
  }
  const drops = mark(drop, "dropped");
  if (drops.length > 0) await deps.db.batch(drops as [Stmt, ...Stmt[]]);
  return { mails, dropped: drop.length };
}

/** Announcements by title; messages and posts only as counts per building. Never their content. */
function linesOf(locale: Locale, items: DueRow[]): string {
  const lines: string[] = [];
  for (const category of NOTIFY_CATEGORIES) {
    const mine = items.filter((i) => i.category === category);
    if (category === "announcements") {
      for (const i of mine)
        lines.push(notifyLine(locale, category, { building: i.buildingName, title: i.title ?? "" }));
      continue;
    }
    const perBuilding = new Map<string, number>();
    for (const i of mine) perBuilding.set(i.buildingName, (perBuilding.get(i.buildingName) ?? 0) + 1);
    for (const [building, n] of [...perBuilding].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(notifyLine(locale, category as NotifyCategoryKey, { building, count: String(n) }));
    }
  }
  return lines.join("\n");
}

const chunked = (ids: string[], n = 90) =>
  Array.from({ length: Math.ceil(ids.length / n) }, (_, i) => ids.slice(i * n, i * n + n));
