import { and, eq, inArray } from "drizzle-orm";
import type { Deps } from "../app-env";
import { MICRO_APPS, type MicroApp, microApps } from "../db/schema/customers";
import { buildings, properties, units } from "../db/schema/estate";
import { roomParticipation } from "../db/schema/rooms";
import { tickets } from "../db/schema/tickets";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { ROOM_APPS } from "../shared/room-identity";
import { type Actor, isStaff } from "./actor";
import { FAN_OUT_CONCURRENCY, mapBounded } from "./fan-out";

/**
 * Micro-apps per customer, overridable per property (R-T3, decisions 0035 and 0040). A customer offers
 * a micro-app or not (`micro_apps` row without property), and may override that per property (row
 * with the property's id). When the app is off where the resident lives, its resident APIs answer 403
 * MICRO_APP_DISABLED; the web app hiding the tab is only the face of it.
 *
 * THE RULE (one copy, used by the resident APIs, /api/me and the admin screen; the building room
 * follows the same): the row with the building's property id wins over the customer-wide row; a
 * missing row means on. Staff keep access for administration: an admin always, a manager for the
 * buildings they manage.
 */

/** The stored rows of one customer, as the rule reads them. */
export interface MicroAppRow {
  propertyId: string | null;
  appKey: MicroApp;
  enabled: boolean;
  customName: string | null;
}

/** One app as it applies somewhere: whether it is on and the name residents see (null = standard). */
export interface MicroAppSetting {
  key: MicroApp;
  enabled: boolean;
  name: string | null;
}

/** A property's own setting for one app, overriding the customer-wide one. */
export interface MicroAppOverride {
  propertyId: string;
  key: MicroApp;
  enabled: boolean;
  name: string | null;
}

/** The rule: whether one app is on for a property (null = customer-wide). */
export function isAppOn(rows: readonly MicroAppRow[], app: MicroApp, propertyId: string | null): boolean {
  const own = propertyId === null ? undefined : rows.find((r) => r.appKey === app && r.propertyId === propertyId);
  const wide = rows.find((r) => r.appKey === app && r.propertyId === null);
  return own?.enabled ?? wide?.enabled ?? true;
}

/**
 * Every micro-app for a property (null = the customer-wide setting), by the rule; the name is the
 * property's own, else the customer's, else null (the standard name).
 */
export function effectiveApps(rows: readonly MicroAppRow[], propertyId: string | null): MicroAppSetting[] {
  return MICRO_APPS.map((key) => {
    const own = propertyId === null ? undefined : rows.find((r) => r.appKey === key && r.propertyId === propertyId);
    const wide = rows.find((r) => r.appKey === key && r.propertyId === null);
    return { key, enabled: isAppOn(rows, key, propertyId), name: own?.customName ?? wide?.customName ?? null };
  });
}

const rowColumns = {
  propertyId: microApps.propertyId,
  appKey: microApps.appKey,
  enabled: microApps.enabled,
  customName: microApps.customName,
};

/** Every micro-app row of a customer (customer-wide and overrides): one indexed query. */
export function microAppRowsQuery(deps: Deps, customerId: string) {
  return deps.db.select(rowColumns).from(microApps).where(eq(microApps.customerId, customerId));
}

export const microAppDisabled = () =>
  new AppError("MICRO_APP_DISABLED", "This part of the app is not offered for your building.");

/** Where the request is about: one building, or (list endpoints) wherever the actor lives. */
export type MicroAppScope = { buildingId: string } | { unitId: string } | { ticketId: string } | "homes";

/**
 * Throws 403 MICRO_APP_DISABLED when `app` is off for the building of `scope` (or, for "homes", for
 * every building the actor lives in). One indexed query when nothing is switched off (the usual case),
 * two more small ones otherwise. Unknown buildings, units or tickets pass: the route answers 404.
 */
export async function requireMicroApp(deps: Deps, actor: Actor, app: MicroApp, scope: MicroAppScope): Promise<void> {
  if (actor.isAdmin) return;
  const rows = await deps.db
    .select(rowColumns)
    .from(microApps)
    .where(and(eq(microApps.customerId, actor.customerId), eq(microApps.appKey, app)));
  if (rows.every((r) => r.enabled)) return;

  if (scope === "homes" && isStaff(actor)) return;
  const buildingIds =
    scope === "homes" ? [...actor.residentBuildingIds] : await buildingOf(deps, actor.customerId, scope);
  if (buildingIds === null) return;
  if (scope !== "homes" && buildingIds.every((b) => actor.managedBuildingIds.has(b))) return;
  if (buildingIds.length === 0) {
    if (!isAppOn(rows, app, null)) throw microAppDisabled();
    return;
  }
  const props = await deps.db
    .select({ propertyId: buildings.propertyId })
    .from(buildings)
    .where(and(eq(buildings.customerId, actor.customerId), inArray(buildings.id, buildingIds)));
  if (!props.some((p) => isAppOn(rows, app, p.propertyId))) throw microAppDisabled();
}

/** The customer-wide setting of every micro-app (a missing row is on). */
export async function listMicroApps(deps: Deps, customer: { id: string }): Promise<MicroAppSetting[]> {
  return effectiveApps(await microAppRowsQuery(deps, customer.id), null);
}

/** The admin's view: the customer-wide setting of every app and every property override. */
export async function microAppSettings(
  deps: Deps,
  customerId: string,
): Promise<{ apps: MicroAppSetting[]; overrides: MicroAppOverride[] }> {
  const rows = await microAppRowsQuery(deps, customerId);
  const overrides = rows
    .filter((r): r is MicroAppRow & { propertyId: string } => r.propertyId !== null)
    .map((r) => ({ propertyId: r.propertyId, key: r.appKey, enabled: r.enabled, name: r.customName }))
    .sort((a, b) =>
      a.propertyId === b.propertyId
        ? MICRO_APPS.indexOf(a.key) - MICRO_APPS.indexOf(b.key)
        : a.propertyId < b.propertyId
          ? -1
          : 1,
    );
  return { apps: effectiveApps(rows, null), overrides };
}

/** Switches an app on or off for the whole customer and names it (the customer-wide row). */
export async function setMicroApp(
  deps: Deps,
  customer: { id: string },
  key: MicroApp,
  enabled: boolean,
  name: string | null,
) {
  const existing = await deps.db.query.microApps.findFirst({
    where: (m, { and: all, eq: is, isNull }) =>
      all(is(m.customerId, customer.id), is(m.appKey, key), isNull(m.propertyId)),
  });
  if (existing) {
    await deps.db.update(microApps).set({ enabled, customName: name }).where(eq(microApps.id, existing.id));
  } else {
    await deps.db
      .insert(microApps)
      .values({ id: newId(), customerId: customer.id, propertyId: null, appKey: key, enabled, customName: name });
  }
}

/** The property, if it is the customer's; otherwise 404 (a foreign id is never confirmed). */
async function ownProperty(deps: Deps, customerId: string, propertyId: string) {
  const p = await deps.db
    .select({ id: properties.id })
    .from(properties)
    .where(and(eq(properties.id, propertyId), eq(properties.customerId, customerId)))
    .get();
  if (!p) throw notFound("Property");
}

/**
 * Forces an app on or off for one property of the customer, optionally under a name of its own (null:
 * the customer-wide name). One upsert on the (customer, property, app) unique index.
 */
export async function setPropertyOverride(
  deps: Deps,
  customerId: string,
  propertyId: string,
  key: MicroApp,
  enabled: boolean,
  name: string | null,
) {
  await ownProperty(deps, customerId, propertyId);
  await deps.db
    .insert(microApps)
    .values({ id: newId(), customerId, propertyId, appKey: key, enabled, customName: name })
    .onConflictDoUpdate({
      target: [microApps.customerId, microApps.propertyId, microApps.appKey],
      set: { enabled, customName: name },
    });
}

/** Back to "as the customer setting" for one app in one property (no override: nothing to do). */
export async function clearPropertyOverride(deps: Deps, customerId: string, propertyId: string, key: MicroApp) {
  await ownProperty(deps, customerId, propertyId);
  await deps.db
    .delete(microApps)
    .where(and(eq(microApps.customerId, customerId), eq(microApps.propertyId, propertyId), eq(microApps.appKey, key)));
}

/** Up to this many ids are bound in one query (D1 allows 100 parameters per statement). */
const MAX_BOUND_IDS = 50;

/** Buildings that share one list of apps that are on, with those apps (for /api/me). */
export interface BuildingApps {
  buildingIds: string[];
  apps: { key: MicroApp; name: string | null }[];
}

/**
 * The apps that are on in each building the actor lives in or manages (admin: every building of the
 * customer), computed by the rule so the web app has no copy of it. Buildings with the same list are
 * grouped (usually one group: no overrides). With the customer-wide setting. Two indexed queries in one
 * batch; the buildings are read by id for a few, by customer for many (D1's parameter limit).
 */
export async function appsForActor(
  deps: Deps,
  actor: Actor,
): Promise<{ customerWide: MicroAppSetting[]; buildingApps: BuildingApps[] }> {
  const visible = [...new Set([...actor.managedBuildingIds, ...actor.residentBuildingIds])];
  if (visible.length === 0) {
    return { customerWide: await listMicroApps(deps, { id: actor.customerId }), buildingApps: [] };
  }
  const [rows, all] = await deps.db.batch([
    microAppRowsQuery(deps, actor.customerId),
    deps.db
      .select({ id: buildings.id, propertyId: buildings.propertyId })
      .from(buildings)
      .where(
        and(
          eq(buildings.customerId, actor.customerId),
          visible.length <= MAX_BOUND_IDS ? inArray(buildings.id, visible) : undefined,
        ),
      ),
  ]);
  const groups = new Map<string, BuildingApps>();
  for (const b of all.sort((x, y) => (x.id < y.id ? -1 : 1))) {
    if (!actor.managedBuildingIds.has(b.id) && !actor.residentBuildingIds.has(b.id)) continue;
    const apps = effectiveApps(rows, b.propertyId)
      .filter((a) => a.enabled)
      .map((a) => ({ key: a.key, name: a.name }));
    const sig = JSON.stringify(apps);
    const g = groups.get(sig);
    if (g) g.buildingIds.push(b.id);
    else groups.set(sig, { buildingIds: [b.id], apps });
  }
  return { customerWide: effectiveApps(rows, null), buildingApps: [...groups.values()] };
}

/** The building a scope points at, within the customer; null when there is none (the route 404s). */
async function buildingOf(
  deps: Deps,
  customerId: string,
  scope: Exclude<MicroAppScope, "homes">,
): Promise<string[] | null> {
  if ("buildingId" in scope) return [scope.buildingId];
  if ("unitId" in scope) {
    const u = await deps.db
      .select({ b: units.buildingId })
      .from(units)
      .where(and(eq(units.id, scope.unitId), eq(units.customerId, customerId)))
      .get();
    return u ? [u.b] : null;
  }
  const t = await deps.db
    .select({ b: tickets.buildingId })
    .from(tickets)
    .where(and(eq(tickets.id, scope.ticketId), eq(tickets.customerId, customerId)))
    .get();
  return t ? [t.b] : null;
}

/**
 * Live rooms follow a switch at once (decisions 0037, 0040): when an app the building room carries
 * (pinboard, my-neighbours) changes for the customer or one property, the residents' connections in
 * the affected buildings are closed with 1012 and come back through the door, which reads the switches
 * afresh (their `resume` makes it lossless). Only buildings whose room someone has used are visited,
 * at most FAN_OUT_CONCURRENCY at a time; a room that cannot be reached keeps the old switches until
 * its connections next reconnect. Returns how many connections were closed.
 */
export async function pushSwitchToRooms(
  deps: Deps,
  customerId: string,
  propertyId: string | null,
  key: MicroApp,
): Promise<number> {
  if (!(ROOM_APPS as readonly string[]).includes(key)) return 0;
  const rows = await deps.db
    .selectDistinct({ buildingId: roomParticipation.buildingId })
    .from(roomParticipation)
    .innerJoin(buildings, eq(buildings.id, roomParticipation.buildingId))
    .where(
      and(
        eq(roomParticipation.customerId, customerId),
        eq(buildings.customerId, customerId),
        propertyId === null ? undefined : eq(buildings.propertyId, propertyId),
      ),
    );
  const results = await mapBounded(rows, FAN_OUT_CONCURRENCY, (r) =>
    deps.stores.rooms().getByName(r.buildingId).reconnectResidents(),
  );
  return results.reduce((n, r) => n + (r.ok ? r.value : 0), 0);
}
