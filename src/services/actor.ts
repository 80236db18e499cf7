import { and, eq, gte, inArray, isNull, lte, or } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import type { Locale } from "../db/schema/customers";
import { buildings, units } from "../db/schema/estate";
import { roleAssignments, tenancies, tenancyMembers, users } from "../db/schema/people";
import { isoDay } from "../lib/time";

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

export async function loadActor(
  deps: Deps,
  session: { id: string; userId: string; customerId: string },
): Promise<Actor | null> {
  const { db } = deps;
  const today = isoDay(deps.now());
  const [userRows, roles, homes, allBuildings] = await db.batch([
    db
      .select()
      .from(users)
      .where(and(eq(users.id, session.userId), eq(users.customerId, session.customerId))),
    db
      .select()
      .from(roleAssignments)
      .where(
        and(
          eq(roleAssignments.userId, session.userId),
          eq(roleAssignments.customerId, session.customerId),
          activeOn(roleAssignments, today),
        ),
      ),
    db
      .select(membershipColumns)
      .from(tenancyMembers)
      .innerJoin(tenancies, eq(tenancies.id, tenancyMembers.tenancyId))
      .innerJoin(units, eq(units.id, tenancies.unitId))
      .where(
        and(
          eq(tenancyMembers.userId, session.userId),
          eq(tenancyMembers.customerId, session.customerId),
          activeOn(tenancies, today),
        ),
      ),
    db
      .select({ id: buildings.id, propertyId: buildings.propertyId })
      .from(buildings)
      .where(eq(buildings.customerId, session.customerId)),
  ]);
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
    sessionId: session.id,
    name: user.name,
    email: user.email,
    locale: user.locale,
    isAdmin,
    managedBuildingIds,
    managedPropertyIds,
    residentBuildingIds: new Set(homes.map((h) => h.buildingId)),
    residentUnitIds: new Set(homes.map((h) => h.unitId)),
  };
}

export function isStaff(a: Actor): boolean {
  return a.isAdmin || a.managedBuildingIds.size > 0;
}

export function canSeeBuilding(a: Actor, buildingId: string): boolean {
  return a.managedBuildingIds.has(buildingId) || a.residentBuildingIds.has(buildingId);
}

/** Current memberships with their end dates (for /me and, later, the room's "access valid until"). */
export async function currentMemberships(deps: Deps, a: Actor): Promise<Membership[]> {
  if (a.residentUnitIds.size === 0) return [];
  const today = isoDay(deps.now());
  return deps.db
    .select(membershipColumns)
    .from(tenancyMembers)
    .innerJoin(tenancies, eq(tenancies.id, tenancyMembers.tenancyId))
    .innerJoin(units, eq(units.id, tenancies.unitId))
    .where(
      and(eq(tenancyMembers.userId, a.userId), inArray(units.id, [...a.residentUnitIds]), activeOn(tenancies, today)),
    );
}
