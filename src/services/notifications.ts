import { and, eq, gt, isNotNull, max, not, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import { buildings, units } from "../db/schema/estate";
import {
  DEFAULT_PREFERENCES,
  type NotifyCategoryKey,
  type NotifyMode,
  notificationItems,
  notificationPreferences,
} from "../db/schema/notifications";
import { tenancies, tenancyMembers, users } from "../db/schema/people";
import { newId } from "../lib/crypto";
import { isoDay } from "../lib/time";
import { restrictedUser } from "../privacy/restriction";
import { activeOn } from "./actor";
import { COALESCE_MS, nextDigestAt } from "./notification-mails";

export type Preferences = Record<NotifyCategoryKey, NotifyMode>;

/** A person's settings, or the defaults of decision 0011 when they never changed them. */
export async function getPreferences(deps: Deps, customerId: string, userId: string): Promise<Preferences> {
  const row = await deps.db.query.notificationPreferences.findFirst({
    where: and(eq(notificationPreferences.userId, userId), eq(notificationPreferences.customerId, customerId)),
  });
  return row
    ? { announcements: row.announcements, messages: row.messages, pinboard: row.pinboard }
    : DEFAULT_PREFERENCES;
}

export async function setPreferences(deps: Deps, customerId: string, userId: string, p: Preferences) {
  const values = { ...p, updatedAt: deps.now() };
  await deps.db
    .insert(notificationPreferences)
    .values({ userId, customerId, ...values })
    .onConflictDoUpdate({ target: notificationPreferences.userId, set: values });
  return getPreferences(deps, customerId, userId);
}

/** Something people of a building should hear of. References only: the content stays where it is. */
export interface NotifyEvent {
  customerId: string;
  buildingId: string;
  category: NotifyCategoryKey;
  ref: { type: "announcement" | "post" | "dm"; id: string };
  /** Never notified of their own writing. */
  authorId: string | null;
  /** Explicit recipients (a direct message); null: every current resident of the building. */
  recipientIds: string[] | null;
  /** Live in the room at the time: they have seen it, so they get no mail for it. */
  connectedUserIds: string[];
  at: Date;
}

/**
 * `col IN (ids)` with the whole list as one JSON parameter: D1 allows 100 bound parameters per
 * statement and 1,000 statements per invocation, and a building can have hundreds of residents.
 */
const inJson = (col: SQLiteColumn, ids: readonly string[]) =>
  sql`${col} in (select value from json_each(${JSON.stringify(ids)}))`;

/**
 * Current residents of a building who may get mail: an active account with a verified address, a
 * tenancy in the building today, and processing not restricted (R-P5). The same rule is checked again
 * when a mail is sent.
 */
export async function mailableResidents(deps: Deps, customerId: string, buildingId: string): Promise<string[]> {
  const rows = await deps.db
    .selectDistinct({ userId: tenancyMembers.userId })
    .from(tenancyMembers)
    .innerJoin(tenancies, eq(tenancies.id, tenancyMembers.tenancyId))
    .innerJoin(units, eq(units.id, tenancies.unitId))
    .innerJoin(users, eq(users.id, tenancyMembers.userId))
    .where(
      and(
        eq(tenancyMembers.customerId, customerId),
        eq(units.buildingId, buildingId),
        activeOn(tenancies, isoDay(deps.now())),
        eq(users.status, "active"),
        isNotNull(users.emailVerifiedAt),
        not(restrictedUser(users.id)),
      ),
    );
  return rows.map((r) => r.userId);
}

/**
 * Records who should hear of an event, by their settings: "never" nothing; "immediately" a mail now,
 * or at the end of the 10-minute window after the last one of that category (then together with
 * everything that came in meanwhile); "daily"/"weekly" at the next digest time. The caller sends
 * what is due (`sendDueNotifications`). Safe to repeat: one item per person and referenced thing.
 */
export async function notify(deps: Deps, ev: NotifyEvent): Promise<{ items: number }> {
  const building = await deps.db.query.buildings.findFirst({
    where: and(eq(buildings.id, ev.buildingId), eq(buildings.customerId, ev.customerId)),
  });
  if (!building) return { items: 0 };
  const skip = new Set([...ev.connectedUserIds, ...(ev.authorId ? [ev.authorId] : [])]);
  let recipients = (await mailableResidents(deps, ev.customerId, ev.buildingId)).filter((u) => !skip.has(u));
  if (ev.recipientIds) {
    const wanted = new Set(ev.recipientIds);
    recipients = recipients.filter((u) => wanted.has(u));
  }
  const modes = await modesOf(deps, ev.customerId, recipients, ev.category);
  const lastSent = await lastImmediateMail(deps, ev.customerId, [...modes.keys()], ev.category);
  const at = ev.at.getTime();
  const rows = [...modes].flatMap(([userId, mode]) => {
    if (mode === "never") return [];
    const last = lastSent.get(userId);
    const dueAt =
      mode === "immediately" ? (last === undefined ? at : Math.max(at, last + COALESCE_MS)) : nextDigestAt(ev.at, mode);
    return [{ id: newId(), userId, mode, dueAt: +dueAt }];
  });
  if (rows.length > 0) {
    // One statement for any number of recipients (rows travel as one JSON parameter); repeating an
    // event inserts nothing (one item per person and referenced thing). `WHERE true` lets SQLite
    // parse the upsert clause after a SELECT.
    const i = notificationItems;
    await deps.db.run(sql`insert into ${i} (${sql.join(
      [
        i.id,
        i.customerId,
        i.userId,
        i.buildingId,
        i.category,
        i.refType,
        i.refId,
        i.mode,
        i.state,
        i.createdAt,
        i.dueAt,
      ].map((c) => sql.identifier(c.name)),
      sql`, `,
    )})
      select json_extract(value, '$.id'), ${ev.customerId}, json_extract(value, '$.userId'), ${ev.buildingId},
             ${ev.category}, ${ev.ref.type}, ${ev.ref.id}, json_extract(value, '$.mode'), 'pending', ${at},
             json_extract(value, '$.dueAt')
        from json_each(${JSON.stringify(rows)}) where true
      on conflict do nothing`);
  }
  return { items: rows.length };
}

async function modesOf(deps: Deps, customerId: string, userIds: string[], category: NotifyCategoryKey) {
  const modes = new Map<string, NotifyMode>(userIds.map((u) => [u, DEFAULT_PREFERENCES[category]]));
  if (userIds.length === 0) return modes;
  const rows = await deps.db
    .select({ userId: notificationPreferences.userId, mode: notificationPreferences[category] })
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.customerId, customerId), inJson(notificationPreferences.userId, userIds)));
  for (const r of rows) modes.set(r.userId, r.mode);
  return modes;
}

/** When each person last got an immediate mail of this category, if within the coalescing window. */
async function lastImmediateMail(deps: Deps, customerId: string, userIds: string[], category: NotifyCategoryKey) {
  const since = new Date(deps.now().getTime() - COALESCE_MS);
  const last = new Map<string, number>();
  if (userIds.length === 0) return last;
  const rows = await deps.db
    .select({ userId: notificationItems.userId, at: max(notificationItems.sentAt) })
    .from(notificationItems)
    .where(
      and(
        eq(notificationItems.customerId, customerId),
        inJson(notificationItems.userId, userIds),
        eq(notificationItems.category, category),
        eq(notificationItems.mode, "immediately"),
        eq(notificationItems.state, "sent"),
        gt(notificationItems.sentAt, since),
      ),
    )
    .groupBy(notificationItems.userId);
  for (const r of rows) if (r.at) last.set(r.userId, r.at.getTime());
  return last;
}
