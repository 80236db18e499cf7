import { and, asc, eq, inArray } from "drizzle-orm";
import type { Deps } from "../app-env";
import { buildings, properties, units } from "../db/schema/estate";
import { type TENANCY_TYPES, tenancies, tenancyMembers } from "../db/schema/people";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { reviseRoomAccess } from "./access-revision";
import { type Actor, canSeeBuilding } from "./actor";
import { changeEvent } from "./master-data-changes";

/**
 * Master data reads and writes, always scoped by the actor's customer in the query itself and then
 * by the actor's buildings. A foreign id answers 404, never a hint that it exists elsewhere.
 */
export async function listVisibleBuildings(deps: Deps, a: Actor) {
  const ids = [...new Set([...a.managedBuildingIds, ...a.residentBuildingIds])];
  if (ids.length === 0) return [];
  return deps.db
    .select()
    .from(buildings)
    .where(and(eq(buildings.customerId, a.customerId), inArray(buildings.id, ids)))
    .orderBy(asc(buildings.name));
}

export async function getBuilding(deps: Deps, a: Actor, buildingId: string) {
  const b = await deps.db.query.buildings.findFirst({
    where: and(eq(buildings.id, buildingId), eq(buildings.customerId, a.customerId)),
  });
  if (!b || !canSeeBuilding(a, b.id)) throw notFound("Building");
  return b;
}

export async function listManagedProperties(deps: Deps, a: Actor) {
  const ids = [...a.managedPropertyIds];
  if (ids.length === 0) return [];
  return deps.db
    .select()
    .from(properties)
    .where(and(eq(properties.customerId, a.customerId), inArray(properties.id, ids)))
    .orderBy(asc(properties.name));
}

async function managedBuilding(deps: Deps, a: Actor, buildingId: string) {
  const b = await getBuilding(deps, a, buildingId);
  if (!a.managedBuildingIds.has(b.id)) throw notFound("Building");
  return b;
}

export async function listUnits(deps: Deps, a: Actor, buildingId: string) {
  await managedBuilding(deps, a, buildingId);
  return deps.db
    .select()
    .from(units)
    .where(and(eq(units.buildingId, buildingId), eq(units.customerId, a.customerId)))
    .orderBy(asc(units.name));
}

async function managedUnit(deps: Deps, a: Actor, unitId: string) {
  const u = await deps.db.query.units.findFirst({
    where: and(eq(units.id, unitId), eq(units.customerId, a.customerId)),
  });
  if (!u || !a.managedBuildingIds.has(u.buildingId)) throw notFound("Unit");
  return u;
}

export async function listTenancies(deps: Deps, a: Actor, unitId: string) {
  await managedUnit(deps, a, unitId);
  return deps.db
    .select()
    .from(tenancies)
    .where(and(eq(tenancies.unitId, unitId), eq(tenancies.customerId, a.customerId)))
    .orderBy(asc(tenancies.startsOn));
}

export interface TenancyInput {
  type: (typeof TENANCY_TYPES)[number];
  startsOn: string;
  endsOn?: string | null | undefined;
  externalId?: string | undefined;
}

/** Creates a tenancy; tenant periods of one unit never overlap (checked here and by a trigger). */
export async function createTenancy(deps: Deps, a: Actor, unitId: string, input: TenancyInput) {
  const unit = await managedUnit(deps, a, unitId);
  if (input.endsOn && input.endsOn < input.startsOn) {
    throw new AppError("VALIDATION_FAILED", "The end date is before the start date.", [
      { path: "endsOn", message: "Must not be before startsOn" },
    ]);
  }
  const row = {
    id: newId(),
    customerId: a.customerId,
    unitId: unit.id,
    type: input.type,
    startsOn: input.startsOn,
    endsOn: input.endsOn ?? null,
    externalId: input.externalId ?? null,
    name: null,
    createdAt: deps.now(),
  };
  try {
    // The webhook outbox row (R-I3) is written in the same batch as the change.
    await deps.db.batch([
      deps.db.insert(tenancies).values(row),
      changeEvent(deps, {
        customerId: a.customerId,
        entity: "utilisation-period",
        action: "created",
        objectId: row.id,
      }),
    ]);
  } catch (e) {
    if (String(e instanceof Error ? (e.cause ?? e.message) : e).includes("TENANCY_OVERLAP")) {
      throw new AppError("TENANCY_OVERLAP", "Another tenant period of this unit overlaps these dates.");
    }
    throw e;
  }
  return row;
}

/**
 * Changes the last day of a tenancy (a move-out is usually recorded late, or brought forward). The
 * overlap rule holds as on creation. The residents' live room connections learn the new end at once:
 * a shortened tenancy that has already ended closes them now (issue 4, item 1).
 */
export async function updateTenancyEnd(deps: Deps, a: Actor, tenancyId: string, endsOn: string | null) {
  const t = await deps.db.query.tenancies.findFirst({
    where: and(eq(tenancies.id, tenancyId), eq(tenancies.customerId, a.customerId)),
  });
  if (!t) throw notFound("Tenancy");
  const unit = await managedUnit(deps, a, t.unitId).catch(() => {
    throw notFound("Tenancy");
  });
  if (endsOn !== null && endsOn < t.startsOn) {
    throw new AppError("VALIDATION_FAILED", "The end date is before the start date.", [
      { path: "endsOn", message: "Must not be before startsOn" },
    ]);
  }
  try {
    await deps.db.batch([
      deps.db
        .update(tenancies)
        .set({ endsOn })
        .where(and(eq(tenancies.id, t.id), eq(tenancies.customerId, a.customerId))),
      changeEvent(deps, { customerId: a.customerId, entity: "utilisation-period", action: "updated", objectId: t.id }),
    ]);
  } catch (e) {
    if (String(e instanceof Error ? (e.cause ?? e.message) : e).includes("TENANCY_OVERLAP")) {
      throw new AppError("TENANCY_OVERLAP", "Another tenant period of this unit overlaps these dates.");
    }
    throw e;
  }
  const members = await deps.db
    .select({ userId: tenancyMembers.userId })
    .from(tenancyMembers)
    .where(and(eq(tenancyMembers.tenancyId, t.id), eq(tenancyMembers.customerId, a.customerId)));
  for (const m of members) {
    await reviseRoomAccess(deps, a.customerId, m.userId, { reconnect: false, buildingIds: [unit.buildingId] });
  }
  return { ...t, endsOn };
}

/** Micro-app settings live with the rule that reads them (decision 0040). */
export { listMicroApps, type MicroAppSetting, setMicroApp } from "./micro-apps";
