import { and, eq, inArray } from "drizzle-orm";
import type { Deps } from "../app-env";
import { type MicroApp, microApps } from "../db/schema/customers";
import { buildings, units } from "../db/schema/estate";
import { tickets } from "../db/schema/tickets";
import { AppError } from "../lib/errors";
import { type Actor, isStaff } from "./actor";

/**
 * Server enforcement of micro-apps (R-T3, decision 0035). A customer offers a micro-app or not
 * (`micro_apps` row without property), and may override that per property (row with the property's
 * id, which wins). When the app is off where the resident lives, its resident APIs answer 403
 * MICRO_APP_DISABLED; the web app hiding the tab is only the face of it.
 *
 * Staff keep access for administration: an admin always, a manager for the buildings they manage.
 * A missing row (never configured; onboarding writes one per app) does not block.
 */

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
    .select({ propertyId: microApps.propertyId, enabled: microApps.enabled })
    .from(microApps)
    .where(and(eq(microApps.customerId, actor.customerId), eq(microApps.appKey, app)));
  if (rows.every((r) => r.enabled)) return;
  const customerWide = rows.find((r) => r.propertyId === null)?.enabled ?? true;
  const enabledFor = (propertyId: string) => rows.find((r) => r.propertyId === propertyId)?.enabled ?? customerWide;

  if (scope === "homes" && isStaff(actor)) return;
  const buildingIds =
    scope === "homes" ? [...actor.residentBuildingIds] : await buildingOf(deps, actor.customerId, scope);
  if (buildingIds === null) return;
  if (scope !== "homes" && buildingIds.every((b) => actor.managedBuildingIds.has(b))) return;
  if (buildingIds.length === 0) {
    if (!customerWide) throw microAppDisabled();
    return;
  }
  const props = await deps.db
    .select({ propertyId: buildings.propertyId })
    .from(buildings)
    .where(and(eq(buildings.customerId, actor.customerId), inArray(buildings.id, buildingIds)));
  if (!props.some((p) => enabledFor(p.propertyId))) throw microAppDisabled();
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
