import { and, asc, count, eq, inArray, isNull, not, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import type { MasterDataEntity } from "../db/schema/changes";
import type { Locale } from "../db/schema/customers";
import {
  type Building,
  buildings,
  type Property,
  properties,
  type UNIT_TYPES,
  type Unit,
  units,
} from "../db/schema/estate";
import { type ActivationCode, activationCodes, activationCodeTenancies } from "../db/schema/onboarding";
import { type Tenancy, tenancies, tenancyMembers, type User, users } from "../db/schema/people";
import { normaliseCode } from "../lib/codes";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { hashPassword } from "../lib/password";
import { isoDay } from "../lib/time";
import { restrictedUser } from "../privacy/restriction";
import { reviseRoomAccess } from "./access-revision";
import { normaliseEmail } from "./accounts";
import { assertJoinable, insertCode } from "./codes";
import { changeEvent } from "./master-data-changes";

/**
 * Customer-wide master data for the integrator API (R-I1, R-T1), docs/decisions/0016: the Allthings
 * v1 door into the same tables Quartier's own API and screens use. Every query is scoped by the
 * token's customer; a foreign id is 404. Every write puts its `changeEvent` into the same D1 batch
 * (the webhook outbox). External ids are unique per customer and an ERP can upsert by them: a create
 * that names an existing external id of the same parent updates that record.
 */

// ---- Lists: filter, page, limit (allthings-api.md §2.4) ------------------------------------------

export interface ListQuery {
  filter: Record<string, unknown>;
  page: number;
  limit: number;
}
export const MAX_PAGE = 10_000;

type Field = { col: SQLiteColumn; norm?: (v: string) => string };

function invalid(path: string, message: string) {
  return new AppError("VALIDATION_FAILED", "The request is invalid.", [{ path, message }]);
}

/** Scalar = equality, array = any of, keys ANDed; unknown keys are refused (never silently ignored). */
export function filterSql(filter: Record<string, unknown>, fields: Record<string, Field>): SQL[] {
  const out: SQL[] = [];
  for (const [key, raw] of Object.entries(filter)) {
    const f = fields[key];
    if (!f) throw invalid(`filter.${key}`, `Unknown filter field; use one of ${Object.keys(fields).join(", ")}`);
    const values = Array.isArray(raw) ? raw : [raw];
    const scalars: string[] = [];
    let wantsNull = false;
    for (const v of values) {
      if (v === null) wantsNull = true;
      else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
        const s = String(v);
        scalars.push(f.norm ? f.norm(s) : s);
      } else throw invalid(`filter.${key}`, "Expected a value or a list of values");
    }
    const parts: SQL[] = [];
    if (scalars.length) parts.push(inArray(f.col, scalars));
    if (wantsNull) parts.push(isNull(f.col));
    out.push(parts.length ? (or(...parts) as SQL) : sql`0 = 1`);
  }
  return out;
}

async function listPage<T extends SQLiteTable>(
  deps: Deps,
  table: T,
  where: SQL | undefined,
  order: SQLiteColumn[],
  q: ListQuery,
): Promise<{ items: T["$inferSelect"][]; total: number }> {
  const limit = q.limit === -1 ? MAX_PAGE : q.limit;
  const base = deps.db
    .select()
    .from(table as SQLiteTable)
    .where(where)
    .orderBy(...order.map((c) => asc(c)))
    .limit(limit)
    .offset((q.page - 1) * limit);
  const [rows, totals] = await deps.db.batch([
    base,
    deps.db
      .select({ n: count() })
      .from(table as SQLiteTable)
      .where(where),
  ]);
  return { items: rows as T["$inferSelect"][], total: totals[0]?.n ?? 0 };
}

// ---- Shared helpers -------------------------------------------------------------------------------

function uniqueViolation(e: unknown) {
  return String(e instanceof Error ? (e.cause ?? e.message) : e).includes("UNIQUE");
}
function overlapViolation(e: unknown) {
  const t = String(e instanceof Error ? (e.cause ?? e.message) : e);
  return t.includes("TENANCY_OVERLAP");
}
const externalTaken = () =>
  new AppError("EXTERNAL_ID_TAKEN", "This externalId already belongs to another record of this customer.");

function event(
  deps: Deps,
  customerId: string,
  entity: MasterDataEntity,
  action: "created" | "updated" | "deleted",
  objectId: string,
) {
  return changeEvent(deps, { customerId, entity, action, objectId });
}

/** Only the keys that were given: `undefined` means "leave as is". */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---- Properties ----------------------------------------------------------------------------------

export interface PropertyInput {
  name?: string | undefined;
  timezone?: string | undefined;
  label?: string | null | undefined;
  externalId?: string | null | undefined;
}

export const PROPERTY_FILTERS = (): Record<string, Field> => ({
  id: { col: properties.id },
  name: { col: properties.name },
  label: { col: properties.label },
  externalId: { col: properties.externalId },
  timezone: { col: properties.timezone },
});

export async function getProperty(deps: Deps, customerId: string, id: string): Promise<Property> {
  const p = await deps.db.query.properties.findFirst({
    where: and(eq(properties.id, id), eq(properties.customerId, customerId)),
  });
  if (!p) throw notFound("Property");
  return p;
}

export async function listProperties(deps: Deps, customerId: string, q: ListQuery) {
  const where = and(eq(properties.customerId, customerId), ...filterSql(q.filter, PROPERTY_FILTERS()));
  return listPage(deps, properties, where, [properties.createdAt, properties.id], q);
}

export async function createProperty(deps: Deps, customerId: string, input: PropertyInput & { name: string }) {
  if (input.externalId) {
    const existing = await deps.db.query.properties.findFirst({
      where: and(eq(properties.customerId, customerId), eq(properties.externalId, input.externalId)),
    });
    if (existing) return { row: await updateProperty(deps, customerId, existing.id, input), created: false };
  }
  const row: Property = {
    id: newId(),
    customerId,
    name: input.name,
    externalId: input.externalId ?? null,
    timezone: input.timezone ?? "Europe/Zurich",
    label: input.label ?? null,
    createdAt: deps.now(),
  };
  try {
    await deps.db.batch([
      deps.db.insert(properties).values(row),
      event(deps, customerId, "property", "created", row.id),
    ]);
  } catch (e) {
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { row, created: true };
}

export async function updateProperty(deps: Deps, customerId: string, id: string, input: PropertyInput) {
  const p = await getProperty(deps, customerId, id);
  const set = defined({ name: input.name, timezone: input.timezone, label: input.label, externalId: input.externalId });
  if (Object.keys(set).length === 0) return p;
  try {
    await deps.db.batch([
      deps.db
        .update(properties)
        .set(set)
        .where(and(eq(properties.id, p.id), eq(properties.customerId, customerId))),
      event(deps, customerId, "property", "updated", p.id),
    ]);
  } catch (e) {
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { ...p, ...set } as Property;
}

// ---- Groups (buildings) --------------------------------------------------------------------------

export interface AddressInput {
  street?: string | null | undefined;
  houseNumber?: string | null | undefined;
  postalCode?: string | null | undefined;
  city?: string | null | undefined;
  country?: string | null | undefined;
}
export interface GroupInput {
  name?: string | undefined;
  description?: string | null | undefined;
  externalId?: string | null | undefined;
  propertyManagerId?: string | null | undefined;
  address?: AddressInput | null | undefined;
}

export const GROUP_FILTERS = (): Record<string, Field> => ({
  id: { col: buildings.id },
  name: { col: buildings.name },
  externalId: { col: buildings.externalId },
  property: { col: buildings.propertyId },
  propertyId: { col: buildings.propertyId },
  propertyManagerID: { col: buildings.propertyManagerId },
});

/** `street` keeps the full street line Quartier's screens and letters print; the number also apart. */
function addressColumns(a: AddressInput | null | undefined, current?: Building) {
  if (a === undefined) return {};
  const x = a ?? {};
  const streetOnly = x.street !== undefined ? (x.street ?? "") : splitStreet(current).street;
  const houseNumber = x.houseNumber !== undefined ? (x.houseNumber ?? null) : (current?.houseNumber ?? null);
  return defined({
    street: [streetOnly, houseNumber ?? ""].filter(Boolean).join(" "),
    houseNumber,
    postalCode: x.postalCode === undefined ? undefined : (x.postalCode ?? ""),
    city: x.city === undefined ? undefined : (x.city ?? ""),
    country: x.country === undefined ? undefined : (x.country ?? ""),
  });
}

/** Street without the house number, when the number was given apart. */
export function splitStreet(b: Building | undefined) {
  if (!b) return { street: "", houseNumber: null as string | null };
  if (b.houseNumber && b.street.endsWith(` ${b.houseNumber}`)) {
    return { street: b.street.slice(0, -b.houseNumber.length - 1), houseNumber: b.houseNumber };
  }
  return { street: b.street, houseNumber: b.houseNumber };
}

export async function getGroup(deps: Deps, customerId: string, id: string): Promise<Building> {
  const b = await deps.db.query.buildings.findFirst({
    where: and(eq(buildings.id, id), eq(buildings.customerId, customerId)),
  });
  if (!b) throw notFound("Group");
  return b;
}

export async function listGroups(deps: Deps, customerId: string, q: ListQuery) {
  const where = and(eq(buildings.customerId, customerId), ...filterSql(q.filter, GROUP_FILTERS()));
  return listPage(deps, buildings, where, [buildings.createdAt, buildings.id], q);
}

export async function createGroup(
  deps: Deps,
  customerId: string,
  propertyId: string,
  input: GroupInput & { name: string },
) {
  const property = await getProperty(deps, customerId, propertyId);
  if (input.externalId) {
    const existing = await deps.db.query.buildings.findFirst({
      where: and(eq(buildings.customerId, customerId), eq(buildings.externalId, input.externalId)),
    });
    if (existing) {
      if (existing.propertyId !== property.id) throw externalTaken();
      return { row: await updateGroup(deps, customerId, existing.id, input), created: false };
    }
  }
  const row: Building = {
    id: newId(),
    customerId,
    propertyId: property.id,
    name: input.name,
    street: "",
    postalCode: "",
    city: "",
    country: "",
    externalId: input.externalId ?? null,
    houseNumber: null,
    propertyManagerId: input.propertyManagerId ?? null,
    description: input.description ?? null,
    createdAt: deps.now(),
    ...addressColumns(input.address ?? null),
  };
  try {
    await deps.db.batch([deps.db.insert(buildings).values(row), event(deps, customerId, "group", "created", row.id)]);
  } catch (e) {
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { row, created: true };
}

export async function updateGroup(deps: Deps, customerId: string, id: string, input: GroupInput) {
  const b = await getGroup(deps, customerId, id);
  const set = {
    ...defined({
      name: input.name,
      description: input.description,
      externalId: input.externalId,
      propertyManagerId: input.propertyManagerId,
    }),
    ...addressColumns(input.address, b),
  };
  if (Object.keys(set).length === 0) return b;
  try {
    await deps.db.batch([
      deps.db
        .update(buildings)
        .set(set)
        .where(and(eq(buildings.id, b.id), eq(buildings.customerId, customerId))),
      event(deps, customerId, "group", "updated", b.id),
    ]);
  } catch (e) {
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { ...b, ...set } as Building;
}

export interface GroupStats {
  tenantCount: number;
  invitationCount: number;
  occupancy: number;
  unitCount: number;
  inhabitedUnits: number;
}

export async function groupStats(deps: Deps, customerId: string, buildingId: string): Promise<GroupStats> {
  const today = isoDay(deps.now());
  const row = await deps.stores.db
    .prepare(
      `SELECT
        (SELECT count(*) FROM units WHERE building_id = ?1 AND customer_id = ?2) AS unitCount,
        (SELECT count(DISTINCT m.user_id) FROM tenancy_members m JOIN tenancies t ON t.id = m.tenancy_id
           JOIN units u ON u.id = t.unit_id
           WHERE u.building_id = ?1 AND m.customer_id = ?2 AND t.starts_on <= ?3 AND (t.ends_on IS NULL OR t.ends_on >= ?3)) AS tenantCount,
        (SELECT count(DISTINCT t.unit_id) FROM tenancy_members m JOIN tenancies t ON t.id = m.tenancy_id
           JOIN units u ON u.id = t.unit_id
           WHERE u.building_id = ?1 AND m.customer_id = ?2 AND t.starts_on <= ?3 AND (t.ends_on IS NULL OR t.ends_on >= ?3)) AS inhabitedUnits,
        (SELECT count(DISTINCT c.id) FROM activation_codes c JOIN activation_code_tenancies act ON act.code_id = c.id
           JOIN tenancies t ON t.id = act.tenancy_id JOIN units u ON u.id = t.unit_id
           WHERE u.building_id = ?1 AND c.customer_id = ?2 AND c.revoked_at IS NULL AND c.expires_at > ?4
             AND (c.permanent = 1 OR c.used_at IS NULL)) AS invitationCount`,
    )
    .bind(buildingId, customerId, today, deps.now().getTime())
    .first<{ unitCount: number; tenantCount: number; inhabitedUnits: number; invitationCount: number }>();
  const s = row ?? { unitCount: 0, tenantCount: 0, inhabitedUnits: 0, invitationCount: 0 };
  return { ...s, occupancy: s.unitCount ? s.inhabitedUnits / s.unitCount : 0 };
}

// ---- Units ---------------------------------------------------------------------------------------

export interface UnitInput {
  name?: string | undefined;
  type?: "rented" | "owned" | undefined;
  objectType?: string | null | undefined;
  size?: number | null | undefined;
  externalId?: string | null | undefined;
}

/** Quartier's own kind of unit, derived from the Allthings object type. */
export function kindOf(objectType: string | null | undefined): (typeof UNIT_TYPES)[number] {
  if (!objectType) return "flat";
  if (/parking|garage|carport|car-/.test(objectType)) return "parking";
  if (/storage|cellar|basement|attic|hobby|depot/.test(objectType)) return "storage";
  if (/shop|office|commercial|retail|restaurant|store|practice|gastronomy|business/.test(objectType)) return "shop";
  if (/flat|apartment|house|room|studio|loft|maisonette|penthouse|residential|attic-flat/.test(objectType))
    return "flat";
  return "other";
}

export const UNIT_FILTERS = (): Record<string, Field> => ({
  id: { col: units.id },
  name: { col: units.name },
  externalId: { col: units.externalId },
  group: { col: units.buildingId },
  groupId: { col: units.buildingId },
  type: { col: units.tenure },
  objectType: { col: units.objectType },
});

export async function getUnit(deps: Deps, customerId: string, id: string): Promise<Unit> {
  const u = await deps.db.query.units.findFirst({ where: and(eq(units.id, id), eq(units.customerId, customerId)) });
  if (!u) throw notFound("Unit");
  return u;
}

export async function listUnits(deps: Deps, customerId: string, q: ListQuery) {
  const where = and(eq(units.customerId, customerId), ...filterSql(q.filter, UNIT_FILTERS()));
  return listPage(deps, units, where, [units.createdAt, units.id], q);
}

export async function createUnit(deps: Deps, customerId: string, groupId: string, input: UnitInput & { name: string }) {
  const b = await getGroup(deps, customerId, groupId);
  if (input.externalId) {
    const existing = await deps.db.query.units.findFirst({
      where: and(eq(units.customerId, customerId), eq(units.externalId, input.externalId)),
    });
    if (existing) {
      if (existing.buildingId !== b.id) throw externalTaken();
      return { row: await updateUnit(deps, customerId, existing.id, input), created: false };
    }
  }
  const row: Unit = {
    id: newId(),
    customerId,
    buildingId: b.id,
    name: input.name,
    type: kindOf(input.objectType),
    floor: null,
    externalId: input.externalId ?? null,
    objectType: input.objectType ?? null,
    size: input.size ?? null,
    tenure: input.type ?? "rented",
    createdAt: deps.now(),
  };
  try {
    await deps.db.batch([deps.db.insert(units).values(row), event(deps, customerId, "unit", "created", row.id)]);
  } catch (e) {
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { row, created: true };
}

export async function updateUnit(deps: Deps, customerId: string, id: string, input: UnitInput) {
  const u = await getUnit(deps, customerId, id);
  const set = defined({
    name: input.name,
    tenure: input.type,
    objectType: input.objectType,
    type: input.objectType === undefined ? undefined : kindOf(input.objectType),
    size: input.size,
    externalId: input.externalId,
  });
  if (Object.keys(set).length === 0) return u;
  try {
    await deps.db.batch([
      deps.db
        .update(units)
        .set(set)
        .where(and(eq(units.id, u.id), eq(units.customerId, customerId))),
      event(deps, customerId, "unit", "updated", u.id),
    ]);
  } catch (e) {
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { ...u, ...set } as Unit;
}

export async function unitStats(deps: Deps, customerId: string, unitId: string) {
  const today = isoDay(deps.now());
  const row = await deps.stores.db
    .prepare(
      `SELECT
        (SELECT count(DISTINCT m.user_id) FROM tenancy_members m JOIN tenancies t ON t.id = m.tenancy_id
           WHERE t.unit_id = ?1 AND m.customer_id = ?2 AND t.starts_on <= ?3 AND (t.ends_on IS NULL OR t.ends_on >= ?3)) AS tenantCount,
        (SELECT count(DISTINCT c.id) FROM activation_codes c JOIN activation_code_tenancies act ON act.code_id = c.id
           JOIN tenancies t ON t.id = act.tenancy_id
           WHERE t.unit_id = ?1 AND c.customer_id = ?2 AND c.revoked_at IS NULL AND c.expires_at > ?4
             AND (c.permanent = 1 OR c.used_at IS NULL)) AS invitationCount`,
    )
    .bind(unitId, customerId, today, deps.now().getTime())
    .first<{ tenantCount: number; invitationCount: number }>();
  return row ?? { tenantCount: 0, invitationCount: 0 };
}

// ---- Utilisation periods (tenancies) and check-in ------------------------------------------------

export interface PeriodInput {
  startDate?: string | undefined;
  endDate?: string | null | undefined;
  type?: "tenant" | "ownership" | "vacant" | undefined;
  externalId?: string | null | undefined;
  name?: string | null | undefined;
}

export async function getPeriod(deps: Deps, customerId: string, id: string): Promise<Tenancy> {
  const t = await deps.db.query.tenancies.findFirst({
    where: and(eq(tenancies.id, id), eq(tenancies.customerId, customerId)),
  });
  if (!t) throw notFound("Utilisation period");
  return t;
}

function datesOrdered(startsOn: string, endsOn: string | null) {
  if (endsOn !== null && endsOn < startsOn) throw invalid("endDate", "Must not be before startDate");
}
const overlap = () => new AppError("TENANCY_OVERLAP", "Another tenant period of this unit overlaps these dates.");

export async function createPeriod(
  deps: Deps,
  customerId: string,
  unitId: string,
  input: PeriodInput & { startDate: string },
) {
  const unit = await getUnit(deps, customerId, unitId);
  if (input.externalId) {
    const existing = await deps.db.query.tenancies.findFirst({
      where: and(eq(tenancies.customerId, customerId), eq(tenancies.externalId, input.externalId)),
    });
    if (existing) {
      if (existing.unitId !== unit.id) throw externalTaken();
      return { row: await updatePeriod(deps, customerId, existing.id, input), created: false };
    }
  }
  const row: Tenancy = {
    id: newId(),
    customerId,
    unitId: unit.id,
    type: input.type ?? "tenant",
    startsOn: input.startDate,
    endsOn: input.endDate ?? null,
    externalId: input.externalId ?? null,
    name: input.name ?? null,
    createdAt: deps.now(),
  };
  datesOrdered(row.startsOn, row.endsOn);
  try {
    await deps.db.batch([
      deps.db.insert(tenancies).values(row),
      event(deps, customerId, "utilisation-period", "created", row.id),
    ]);
  } catch (e) {
    if (overlapViolation(e)) throw overlap();
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  return { row, created: true };
}

export async function updatePeriod(deps: Deps, customerId: string, id: string, input: PeriodInput) {
  const t = await getPeriod(deps, customerId, id);
  const set = defined({
    startsOn: input.startDate,
    endsOn: input.endDate,
    type: input.type,
    externalId: input.externalId,
    name: input.name,
  });
  if (Object.keys(set).length === 0) return t;
  const next = { ...t, ...set } as Tenancy;
  datesOrdered(next.startsOn, next.endsOn);
  try {
    await deps.db.batch([
      deps.db
        .update(tenancies)
        .set(set)
        .where(and(eq(tenancies.id, t.id), eq(tenancies.customerId, customerId))),
      event(deps, customerId, "utilisation-period", "updated", t.id),
    ]);
  } catch (e) {
    if (overlapViolation(e)) throw overlap();
    if (uniqueViolation(e)) throw externalTaken();
    throw e;
  }
  if (set.startsOn !== undefined || set.endsOn !== undefined) await reviseMembers(deps, customerId, t);
  return next;
}

/** Live room connections of the period's residents follow changed dates at once. */
async function reviseMembers(deps: Deps, customerId: string, t: Tenancy, only?: string) {
  const unit = await getUnit(deps, customerId, t.unitId);
  const members = only
    ? [{ userId: only }]
    : await deps.db
        .select({ userId: tenancyMembers.userId })
        .from(tenancyMembers)
        .where(and(eq(tenancyMembers.tenancyId, t.id), eq(tenancyMembers.customerId, customerId)));
  for (const m of members) {
    await reviseRoomAccess(deps, customerId, m.userId, { reconnect: false, buildingIds: [unit.buildingId] });
  }
}

/** Residents checked into a period (erased accounts are never served). */
export async function periodUsers(deps: Deps, customerId: string, tenancyId: string): Promise<User[]> {
  const rows = await deps.db
    .select({ user: users })
    .from(tenancyMembers)
    .innerJoin(users, eq(users.id, tenancyMembers.userId))
    .where(and(eq(tenancyMembers.tenancyId, tenancyId), eq(tenancyMembers.customerId, customerId), servable()))
    .orderBy(asc(tenancyMembers.createdAt));
  return rows.map((r) => r.user);
}

/** Codes of a period that were not deleted (used ones included: Allthings lists them with `usedAt`). */
export async function periodCodes(deps: Deps, customerId: string, tenancyId: string): Promise<ActivationCode[]> {
  const rows = await deps.db
    .select({ code: activationCodes })
    .from(activationCodeTenancies)
    .innerJoin(activationCodes, eq(activationCodes.id, activationCodeTenancies.codeId))
    .where(
      and(
        eq(activationCodeTenancies.tenancyId, tenancyId),
        eq(activationCodes.customerId, customerId),
        isNull(activationCodes.revokedAt),
      ),
    )
    .orderBy(asc(activationCodes.createdAt));
  return rows.map((r) => r.code);
}

export async function checkIn(
  deps: Deps,
  customerId: string,
  tenancyId: string,
  who: { email?: string; userId?: string },
) {
  const t = await getPeriod(deps, customerId, tenancyId);
  const user = who.userId
    ? await getUser(deps, customerId, who.userId)
    : (
        await deps.db
          .select()
          .from(users)
          .where(and(eq(users.customerId, customerId), eq(users.email, normaliseEmail(who.email ?? "")), servable()))
          .limit(1)
      )[0];
  if (!user) throw notFound("User");
  assertJoinable(deps, t);
  const inserted = await deps.db.batch([
    deps.db
      .insert(tenancyMembers)
      .values({ id: newId(), customerId, tenancyId: t.id, userId: user.id, createdAt: deps.now() })
      .onConflictDoNothing()
      .returning({ id: tenancyMembers.id }),
    changeEvent(deps, {
      customerId,
      entity: "utilisation-period",
      action: "checked-in",
      objectId: t.id,
      relatedId: user.id,
    }),
  ]);
  return { period: t, user, added: inserted[0].length > 0 };
}

export async function checkOut(deps: Deps, customerId: string, tenancyId: string, userId: string) {
  const t = await getPeriod(deps, customerId, tenancyId);
  const [removed] = await deps.db.batch([
    deps.db
      .delete(tenancyMembers)
      .where(
        and(
          eq(tenancyMembers.tenancyId, t.id),
          eq(tenancyMembers.userId, userId),
          eq(tenancyMembers.customerId, customerId),
        ),
      )
      .returning({ id: tenancyMembers.id }),
    changeEvent(deps, {
      customerId,
      entity: "utilisation-period",
      action: "checked-out",
      objectId: t.id,
      relatedId: userId,
    }),
  ]);
  if (removed.length === 0) throw notFound("Check-in");
  await reviseMembers(deps, customerId, t, userId);
}

export async function userPeriods(deps: Deps, customerId: string, userId: string): Promise<Tenancy[]> {
  await getUser(deps, customerId, userId);
  const rows = await deps.db
    .select({ t: tenancies })
    .from(tenancyMembers)
    .innerJoin(tenancies, eq(tenancies.id, tenancyMembers.tenancyId))
    .where(and(eq(tenancyMembers.userId, userId), eq(tenancyMembers.customerId, customerId)))
    .orderBy(asc(tenancies.startsOn));
  return rows.map((r) => r.t);
}

// ---- Users ---------------------------------------------------------------------------------------

/** Not erased, not being erased, no restriction asked for (R-P5): such people are not served by v1. */
const servable = () => not(restrictedUser(users.id));

export interface UserInput {
  email?: string | undefined;
  username?: string | undefined;
  locale?: Locale | undefined;
  plainPassword?: string | undefined;
  externalId?: string | null | undefined;
}

export const USER_FILTERS = (): Record<string, Field> => ({
  id: { col: users.id },
  email: { col: users.email, norm: normaliseEmail },
  externalId: { col: users.externalId },
  username: { col: users.name },
});

export async function getUser(deps: Deps, customerId: string, id: string): Promise<User> {
  const u = (
    await deps.db
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.customerId, customerId), servable()))
      .limit(1)
  )[0];
  if (!u) throw notFound("User");
  return u;
}

export async function listUsers(deps: Deps, customerId: string, q: ListQuery) {
  const where = and(eq(users.customerId, customerId), servable(), ...filterSql(q.filter, USER_FILTERS()));
  return listPage(deps, users, where, [users.createdAt, users.id], q);
}

/** A password nobody knows: the account logs in after a password reset (or a code) only. */
const NO_PASSWORD = "!no-password";

export async function createUser(
  deps: Deps,
  customerId: string,
  defaultLocale: Locale,
  input: UserInput & { email: string; username: string },
) {
  const email = normaliseEmail(input.email);
  if (input.externalId) {
    const existing = (
      await deps.db
        .select()
        .from(users)
        .where(and(eq(users.customerId, customerId), eq(users.externalId, input.externalId), servable()))
        .limit(1)
    )[0];
    if (existing) return { row: await updateUser(deps, customerId, existing.id, input), created: false };
  }
  const now = deps.now();
  const row: User = {
    id: newId(),
    customerId,
    email,
    name: input.username,
    passwordHash: input.plainPassword ? hashPassword(input.plainPassword) : NO_PASSWORD,
    locale: input.locale ?? defaultLocale,
    // Created by the customer's own system of record: the address is the customer's to vouch for.
    status: "active",
    emailVerifiedAt: null,
    externalId: input.externalId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.db.batch([deps.db.insert(users).values(row), event(deps, customerId, "user", "created", row.id)]);
  } catch (e) {
    if (uniqueViolation(e)) throw await takenOf(deps, customerId, email);
    throw e;
  }
  return { row, created: true };
}

async function takenOf(deps: Deps, customerId: string, email: string) {
  const byEmail = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, customerId), eq(users.email, email)),
  });
  return byEmail ? new AppError("EMAIL_TAKEN", "An account with this e-mail address exists.") : externalTaken();
}

export async function updateUser(deps: Deps, customerId: string, id: string, input: UserInput) {
  const u = await getUser(deps, customerId, id);
  const set = defined({
    email: input.email === undefined ? undefined : normaliseEmail(input.email),
    name: input.username,
    locale: input.locale,
    externalId: input.externalId,
    passwordHash: input.plainPassword ? hashPassword(input.plainPassword) : undefined,
  });
  if (Object.keys(set).length === 0) return u;
  const next = { ...u, ...set, updatedAt: deps.now() } as User;
  try {
    await deps.db.batch([
      deps.db
        .update(users)
        .set({ ...set, updatedAt: next.updatedAt })
        .where(and(eq(users.id, u.id), eq(users.customerId, customerId))),
      event(deps, customerId, "user", "updated", u.id),
    ]);
  } catch (e) {
    if (uniqueViolation(e)) throw await takenOf(deps, customerId, next.email);
    throw e;
  }
  return next;
}

// ---- Registration codes (activation codes) -------------------------------------------------------

export interface CodeInput {
  code?: string | undefined;
  utilisationPeriods?: string[] | undefined;
  externalId?: string | null | undefined;
  expiresAt?: string | null | undefined;
  permanent?: boolean | undefined;
  tenant?: { email?: string | null | undefined; name?: string | null | undefined } | null | undefined;
}

/**
 * An ERP may choose its own code. Redemption counts attempts per code, client and customer the same
 * way for chosen and generated codes; a chosen code must still be hard to guess (at least 8 letters
 * or digits), since the attempt limits assume a large space.
 */
export function checkChosenCode(code: string) {
  const n = normaliseCode(code);
  if (!/^[A-Z0-9]{8,64}$/.test(n))
    throw invalid("code", "At least 8 letters or digits (up to 64), no other characters");
  return n;
}

export async function getCode(deps: Deps, customerId: string, id: string) {
  const c = await deps.db.query.activationCodes.findFirst({
    where: and(
      eq(activationCodes.id, id),
      eq(activationCodes.customerId, customerId),
      isNull(activationCodes.revokedAt),
    ),
  });
  if (!c) throw notFound("Registration code");
  return c;
}

export async function codePeriods(deps: Deps, customerId: string, codeIds: string[]) {
  if (codeIds.length === 0) return new Map<string, string[]>();
  const rows = await deps.db
    .select()
    .from(activationCodeTenancies)
    .where(and(inArray(activationCodeTenancies.codeId, codeIds), eq(activationCodeTenancies.customerId, customerId)));
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.codeId, [...(out.get(r.codeId) ?? []), r.tenancyId]);
  return out;
}

export async function createRegistrationCode(
  deps: Deps,
  customerId: string,
  input: CodeInput & { utilisationPeriods: string[] },
) {
  if (input.utilisationPeriods.length === 0) throw invalid("utilisationPeriods", "At least one utilisation period");
  if (input.utilisationPeriods.length > 50) throw invalid("utilisationPeriods", "At most 50 utilisation periods");
  const ids = [...new Set(input.utilisationPeriods)];
  for (const id of ids) assertJoinable(deps, await getPeriod(deps, customerId, id));
  const code = input.code === undefined ? undefined : checkChosenCode(input.code);
  if (input.externalId) {
    const clash = await deps.db.query.activationCodes.findFirst({
      where: and(eq(activationCodes.customerId, customerId), eq(activationCodes.externalId, input.externalId)),
    });
    if (clash) throw externalTaken();
  }
  return insertCode(deps, customerId, ids, "integrator", null, {
    code,
    permanent: input.permanent,
    expiresAt: input.expiresAt ?? undefined,
    externalId: input.externalId ?? undefined,
    recipientEmail: input.tenant?.email ?? undefined,
    recipientName: input.tenant?.name ?? undefined,
  });
}

export async function updateRegistrationCode(deps: Deps, customerId: string, id: string, input: CodeInput) {
  const c = await getCode(deps, customerId, id);
  let expiresAt: Date | undefined;
  if (input.expiresAt) {
    expiresAt = new Date(input.expiresAt);
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= deps.now().getTime()) {
      throw invalid("expiresAt", "Must be in the future");
    }
  }
  const set = defined({
    code: input.code === undefined ? undefined : checkChosenCode(input.code),
    permanent: input.permanent,
    externalId: input.externalId,
    expiresAt,
    recipientEmail: input.tenant?.email === undefined ? undefined : (input.tenant.email?.trim().toLowerCase() ?? null),
    recipientName: input.tenant?.name,
  });
  if (Object.keys(set).length === 0) return c;
  try {
    await deps.db.batch([
      deps.db
        .update(activationCodes)
        .set(set)
        .where(and(eq(activationCodes.id, c.id), eq(activationCodes.customerId, customerId))),
      event(deps, customerId, "registration-code", "updated", c.id),
    ]);
  } catch (e) {
    if (uniqueViolation(e)) throw invalid("code", "This code or externalId is already in use");
    throw e;
  }
  return { ...c, ...set } as ActivationCode;
}

export async function deleteRegistrationCode(deps: Deps, customerId: string, id: string) {
  const c = await getCode(deps, customerId, id);
  await deps.db.batch([
    deps.db
      .delete(activationCodeTenancies)
      .where(and(eq(activationCodeTenancies.codeId, c.id), eq(activationCodeTenancies.customerId, customerId))),
    deps.db
      .delete(activationCodes)
      .where(and(eq(activationCodes.id, c.id), eq(activationCodes.customerId, customerId))),
    event(deps, customerId, "registration-code", "deleted", c.id),
  ]);
}

// ---- Id lookup -----------------------------------------------------------------------------------

export const LOOKUP_RESOURCES = [
  "property",
  "group",
  "unit",
  "utilisationPeriod",
  "user",
  "registrationCode",
  "propertyManager",
] as const;
export type LookupResource = (typeof LOOKUP_RESOURCES)[number];

/** External id → our id (or null) for every requested id; `parentId` narrows to one parent. */
export async function lookupIds(
  deps: Deps,
  customerId: string,
  resource: LookupResource,
  externalIds: string[],
  parentId: string | undefined,
): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = Object.fromEntries(externalIds.map((x) => [x, null]));
  const ids = [...new Set(externalIds)];
  if (ids.length === 0 || resource === "propertyManager") return out;
  const spec = {
    property: {
      t: properties,
      id: properties.id,
      ext: properties.externalId,
      cus: properties.customerId,
      parent: undefined,
    },
    group: {
      t: buildings,
      id: buildings.id,
      ext: buildings.externalId,
      cus: buildings.customerId,
      parent: buildings.propertyId,
    },
    unit: { t: units, id: units.id, ext: units.externalId, cus: units.customerId, parent: units.buildingId },
    utilisationPeriod: {
      t: tenancies,
      id: tenancies.id,
      ext: tenancies.externalId,
      cus: tenancies.customerId,
      parent: tenancies.unitId,
    },
    user: { t: users, id: users.id, ext: users.externalId, cus: users.customerId, parent: undefined },
    registrationCode: {
      t: activationCodes,
      id: activationCodes.id,
      ext: activationCodes.externalId,
      cus: activationCodes.customerId,
      parent: undefined,
    },
  }[resource];
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const rows = await deps.db
      .select({ id: spec.id, ext: spec.ext })
      .from(spec.t as SQLiteTable)
      .where(
        and(
          eq(spec.cus, customerId),
          inArray(spec.ext, chunk),
          parentId && spec.parent ? eq(spec.parent, parentId) : undefined,
          resource === "user" ? servable() : undefined,
        ),
      );
    for (const r of rows) if (r.ext !== null) out[r.ext] = r.id;
  }
  return out;
}
