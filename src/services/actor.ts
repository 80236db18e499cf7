import { and, eq, gte, inArray, isNull, lte, or, type SQL, type SQLWrapper } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import { sessions } from "../db/schema/auth";
import type { Locale } from "../db/schema/customers";
import { buildings, units } from "../db/schema/estate";
import { type RoleAssignment, roleAssignments, tenancies, tenancyMembers, type User, users } from "../db/schema/people";
import { sha256Hex } from "../lib/crypto";
import { isoDay } from "../lib/time";
import { keepAlive, sessionOfToken } from "./sessions";

/**
 * Who is calling, with memberships read fresh from D1 on every request (never cached in the
 * session), so an ended tenancy or a removed role takes effect on the next request.
 */
export interface Actor {
  userId: string;
  customerId: string;
  sessionId: string;
  name: string;
  email: string;
  locale: Locale;
  isAdmin: boolean;
  /** Buildings the actor manages (admin: all of the customer's). */
  managedBuildingIds: Set<string>;
  managedPropertyIds: Set<string>;
  /** Buildings and units where the actor has a current tenancy. */
  residentBuildingIds: Set<string>;
  residentUnitIds: Set<string>;
  /** Current homes with their end dates (the room's "access valid until" comes from here). */
  memberships: Membership[];
  /** What a route's `SessionExtra` read in the same batch (the room door: decision 0037). */
  extra?: unknown;
}

/**
 * Reads one route needs beside the session, in the same D1 batch (no extra round trip): queries keyed
 * by the token's user through `who` (a subquery of the user id), and how to read their results.
 */
export interface SessionExtra {
  queries(db: Deps["db"], customerId: string, who: SQLWrapper): BatchItem<"sqlite">[];
  read(results: unknown[]): unknown;
}

/** Result columns must have distinct SQL names: D1 merges equal names (`id` of two joined tables). */
const membershipColumns = {
  unitId: tenancies.unitId,
  buildingId: units.buildingId,
  tenancyId: tenancyMembers.tenancyId,
  endsOn: tenancies.endsOn,
};

export type Membership = { buildingId: string; unitId: string; tenancyId: string; endsOn: string | null };

/** An interval [starts_on, ends_on] (ends inclusive, null = open) that contains `day`. */
export function activeOn(cols: { startsOn: SQLiteColumn; endsOn: SQLiteColumn }, day: string) {
  return and(lte(cols.startsOn, day), or(isNull(cols.endsOn), gte(cols.endsOn, day)));
}

/**
 * The actor of a session token in one D1 round trip: the session, its user, current roles, current
 * homes and the customer's buildings are read in one batch, each keyed by the token's session through
 * a subquery. Expired or idle sessions are ended. Memberships are never cached between requests.
 */
export async function authenticate(
  deps: Deps,
  customerId: string,
  token: string,
  extra?: SessionExtra,
): Promise<Actor | null> {
  const { db } = deps;
  const hash = await sha256Hex(token);
  const who = db.select({ id: sessions.userId }).from(sessions).where(sessionOfToken(customerId, hash));
  const base = [
    db.select().from(sessions).where(sessionOfToken(customerId, hash)),
    ...actorQueries(deps, customerId, inArray(users.id, who), (col) => inArray(col, who)),
  ] as const;
  const extraQueries = extra?.queries(db, customerId, who) ?? [];
  // The extra queries ride along at the end; the typed part of the result is the base tuple.
  const results = await db.batch([...base, ...extraQueries] as unknown as typeof base);
  const [sessionRows, ...rest] = results;
  const s = sessionRows[0];
  if (!s || !(await keepAlive(deps, s))) return null;
  const actor = buildActor(s.id, ...(rest.slice(0, base.length - 1) as unknown as typeof rest));
  if (actor && extra) actor.extra = extra.read((results as readonly unknown[]).slice(base.length));
  return actor;
}

/** The actor of a known session (right after login). */
export async function loadActor(
  deps: Deps,
  session: { id: string; userId: string; customerId: string },
): Promise<Actor | null> {
  const [...rows] = await deps.db.batch(
    actorQueries(deps, session.customerId, eq(users.id, session.userId), (col) => eq(col, session.userId)),
  );
  const [userRows, roles, homes, allBuildings] = rows;
  return buildActor(session.id, userRows, roles, homes, allBuildings);
}

function actorQueries(deps: Deps, customerId: string, isUser: SQL | undefined, userIs: (col: SQLiteColumn) => SQL) {
  const { db } = deps;
  const today = isoDay(deps.now());
  return [
    db
      .select()
      .from(users)
      .where(and(isUser, eq(users.customerId, customerId))),
    db
      .select()
      .from(roleAssignments)
      .where(
        and(
          userIs(roleAssignments.userId),
          eq(roleAssignments.customerId, customerId),
          activeOn(roleAssignments, today),
        ),
      ),
    db
      .select(membershipColumns)
      .from(tenancyMembers)
      .innerJoin(tenancies, eq(tenancies.id, tenancyMembers.tenancyId))
      .innerJoin(units, eq(units.id, tenancies.unitId))
      .where(and(userIs(tenancyMembers.userId), eq(tenancyMembers.customerId, customerId), activeOn(tenancies, today))),
    db
      .select({ id: buildings.id, propertyId: buildings.propertyId })
      .from(buildings)
      .where(eq(buildings.customerId, customerId)),
  ] as const;
}

function buildActor(
  sessionId: string,
  userRows: User[],
  roles: RoleAssignment[],
  homes: Membership[],
  allBuildings: { id: string; propertyId: string }[],
): Actor | null {
  const user = userRows[0];
  if (!user || user.status !== "active") return null;
  const isAdmin = roles.some((r) => r.role === "customer_admin" && r.scopeType === "customer");
  const managedPropertyIds = new Set<string>();
  const managedBuildingIds = new Set<string>();
  for (const r of roles) {
    if (r.scopeType === "property") managedPropertyIds.add(r.scopeId);
    if (r.scopeType === "building") managedBuildingIds.add(r.scopeId);
  }
  for (const b of allBuildings) {
    if (isAdmin || managedPropertyIds.has(b.propertyId)) managedBuildingIds.add(b.id);
    if (isAdmin) managedPropertyIds.add(b.propertyId);
  }
  return {
    userId: user.id,
    customerId: user.customerId,
    sessionId,
    name: user.name,
    email: user.email,
    locale: user.locale,
    isAdmin,
    managedBuildingIds,
    managedPropertyIds,
    residentBuildingIds: new Set(homes.map((h) => h.buildingId)),
    residentUnitIds: new Set(homes.map((h) => h.unitId)),
    memberships: homes,
  };
}

export function isStaff(a: Actor): boolean {
  return a.isAdmin || a.managedBuildingIds.size > 0;
}

export function canSeeBuilding(a: Actor, buildingId: string): boolean {
  return a.managedBuildingIds.has(buildingId) || a.residentBuildingIds.has(buildingId);
}

/** Current memberships with their end dates, as read with the actor on this request. */
export function currentMemberships(a: Actor): Membership[] {
  return a.memberships;
}
