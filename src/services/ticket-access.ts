import { and, eq, inArray, or } from "drizzle-orm";
import type { Deps } from "../app-env";
import { buildings } from "../db/schema/estate";
import { roleAssignments } from "../db/schema/people";
import { type Ticket, tickets } from "../db/schema/tickets";
import { notFound } from "../lib/errors";
import { isoDay } from "../lib/time";
import { type Actor, activeOn } from "./actor";

/** How the actor sees a ticket: as staff of its building, or as its reporter. */
export interface TicketAccess {
  ticket: Ticket;
  staff: boolean;
}

/**
 * The ticket if the actor may see it: staff who manage its building, or the resident who reported
 * it. Anyone else (flatmates, neighbours, another building, another customer) gets 404, as if the
 * ticket did not exist.
 */
export async function ticketFor(deps: Deps, a: Actor, ticketId: string): Promise<TicketAccess> {
  const ticket = await deps.db.query.tickets.findFirst({
    where: and(eq(tickets.id, ticketId), eq(tickets.customerId, a.customerId)),
  });
  if (!ticket) throw notFound("Ticket");
  if (a.managedBuildingIds.has(ticket.buildingId)) return { ticket, staff: true };
  if (ticket.reporterId === a.userId) return { ticket, staff: false };
  throw notFound("Ticket");
}

/** Whether an account currently manages a building (admin, its property's manager, or the building's). */
export async function managesBuilding(deps: Deps, customerId: string, userId: string, buildingId: string) {
  const building = await deps.db.query.buildings.findFirst({
    where: and(eq(buildings.id, buildingId), eq(buildings.customerId, customerId)),
  });
  if (!building) return false;
  const roles = await deps.db
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .where(
      and(
        eq(roleAssignments.customerId, customerId),
        eq(roleAssignments.userId, userId),
        activeOn(roleAssignments, isoDay(deps.now())),
        or(
          eq(roleAssignments.scopeType, "customer"),
          and(eq(roleAssignments.scopeType, "property"), eq(roleAssignments.scopeId, building.propertyId)),
          and(eq(roleAssignments.scopeType, "building"), inArray(roleAssignments.scopeId, [buildingId])),
        ),
      ),
    )
    .limit(1);
  return roles.length > 0;
}
