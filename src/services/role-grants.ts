import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { buildings, properties } from "../db/schema/estate";
import { type Role, roleAssignments, users } from "../db/schema/people";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { isoDay } from "../lib/time";
import { reviseRoomAccess } from "./access-revision";
import { normaliseEmail } from "./accounts";
import type { Actor } from "./actor";

export interface RoleGrant {
  email: string;
  role: Role;
  scopeType: "customer" | "property" | "building";
  scopeId?: string | undefined;
  startsOn?: string | undefined;
  endsOn?: string | null | undefined;
}

/**
 * Gives an account of the customer a staff role (customer admins only). A customer admin's scope is
 * the whole customer; a property manager's is one property or one building of the customer. The
 * person needs an account first (they register at the app's address); an unknown or erased address
 * is 404, which tells only the customer's own admins whether an address has an account here.
 */
export async function grantRole(deps: Deps, a: Actor, g: RoleGrant) {
  const scopeId = await checkedScope(deps, a, g);
  const person = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, a.customerId), eq(users.email, normaliseEmail(g.email))),
  });
  if (!person || (person.status !== "active" && person.status !== "pending")) throw notFound("Account");
  const startsOn = g.startsOn ?? isoDay(deps.now());
  const endsOn = g.endsOn ?? null;
  if (endsOn !== null && endsOn < startsOn) {
    throw new AppError("VALIDATION_FAILED", "The end date is before the start date.", [
      { path: "endsOn", message: "Must not be before startsOn" },
    ]);
  }
  const row = {
    id: newId(),
    customerId: a.customerId,
    userId: person.id,
    role: g.role,
    scopeType: g.scopeType,
    scopeId,
    startsOn,
    endsOn,
    createdAt: deps.now(),
  };
  await deps.db.insert(roleAssignments).values(row);
  // Rights are read fresh on every request; open live connections reconnect with the new rights.
  await reviseRoomAccess(deps, a.customerId, person.id, { reconnect: true });
  return { ...row, name: person.name, email: person.email };
}

async function checkedScope(deps: Deps, a: Actor, g: RoleGrant): Promise<string> {
  const invalid = (message: string) =>
    new AppError("VALIDATION_FAILED", "The role does not fit its scope.", [{ path: "scopeType", message }]);
  if (g.role === "customer_admin") {
    if (g.scopeType !== "customer") throw invalid("A customer admin's scope is the customer");
    return a.customerId;
  }
  if (g.scopeType === "customer") throw invalid("A property manager's scope is a property or a building");
  if (!g.scopeId) throw new AppError("VALIDATION_FAILED", "Missing scope.", [{ path: "scopeId", message: "Required" }]);
  const table = g.scopeType === "property" ? properties : buildings;
  const [found] = await deps.db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, g.scopeId), eq(table.customerId, a.customerId)))
    .limit(1);
  if (!found) throw notFound(g.scopeType === "property" ? "Property" : "Building");
  return found.id;
}
