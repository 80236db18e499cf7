import { and, asc, eq, ne } from "drizzle-orm";
import type { Deps } from "../app-env";
import { roleAssignments, users } from "../db/schema/people";
import { AppError, notFound } from "../lib/errors";
import { addDays, isoDay } from "../lib/time";
import { reviseRoomAccess } from "./access-revision";
import { type Actor, activeOn } from "./actor";

/** The customer's staff roles with the people who hold them (customer admins only). */
export async function listRoles(deps: Deps, a: Actor) {
  return deps.db
    .select({
      id: roleAssignments.id,
      userId: roleAssignments.userId,
      name: users.name,
      email: users.email,
      role: roleAssignments.role,
      scopeType: roleAssignments.scopeType,
      scopeId: roleAssignments.scopeId,
      startsOn: roleAssignments.startsOn,
      endsOn: roleAssignments.endsOn,
    })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(eq(roleAssignments.customerId, a.customerId))
    .orderBy(asc(users.name), asc(roleAssignments.startsOn));
}

/**
 * Sets the last day of a staff role (`endsOn` the day before today ends it now). The customer keeps
 * at least one active admin. Rights are read fresh on every request; live room connections of the
 * person are closed so that they reconnect with what they may still do (issue 4, item 1).
 */
export async function setRoleEnd(deps: Deps, a: Actor, roleId: string, endsOn: string | null) {
  const r = await deps.db.query.roleAssignments.findFirst({
    where: and(eq(roleAssignments.id, roleId), eq(roleAssignments.customerId, a.customerId)),
  });
  if (!r) throw notFound("Role");
  if (endsOn !== null && endsOn < addDays(r.startsOn, -1)) {
    throw new AppError("VALIDATION_FAILED", "The end date is before the start date.", [
      { path: "endsOn", message: "Must not be before the day before startsOn" },
    ]);
  }
  const today = isoDay(deps.now());
  const endsBeforeToday = endsOn !== null && endsOn < today;
  if (endsBeforeToday && r.role === "customer_admin" && r.scopeType === "customer") {
    const others = await deps.db
      .select({ id: roleAssignments.id })
      .from(roleAssignments)
      .where(
        and(
          eq(roleAssignments.customerId, a.customerId),
          eq(roleAssignments.role, "customer_admin"),
          eq(roleAssignments.scopeType, "customer"),
          ne(roleAssignments.id, r.id),
          activeOn(roleAssignments, today),
        ),
      )
      .limit(1);
    if (others.length === 0) throw new AppError("LAST_ADMIN", "The customer needs at least one active admin.");
  }
  await deps.db
    .update(roleAssignments)
    .set({ endsOn })
    .where(and(eq(roleAssignments.id, r.id), eq(roleAssignments.customerId, a.customerId)));
  await reviseRoomAccess(deps, a.customerId, r.userId, { reconnect: true });
  return { ...r, endsOn };
}
