import { and, asc, eq, isNull } from "drizzle-orm";
import type { Deps } from "../app-env";
import { serviceProviders, ticketCategories } from "../db/schema/tickets";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";

/** Ticket categories and service providers: managed per customer by its admins, read by staff (R-M3). */

export interface CategoryInput {
  name: string;
  deadlineHours: number;
}

/** The customer's categories (archived ones only when asked: old tickets still show theirs). */
export async function listCategories(deps: Deps, customerId: string, withArchived = false) {
  return deps.db
    .select()
    .from(ticketCategories)
    .where(
      and(eq(ticketCategories.customerId, customerId), withArchived ? undefined : isNull(ticketCategories.archivedAt)),
    )
    .orderBy(asc(ticketCategories.name));
}

export async function createCategory(deps: Deps, customerId: string, input: CategoryInput) {
  const row = { id: newId(), customerId, ...input, archivedAt: null, createdAt: deps.now() };
  const taken = await deps.db.query.ticketCategories.findFirst({
    where: and(eq(ticketCategories.customerId, customerId), eq(ticketCategories.name, input.name)),
  });
  if (taken)
    throw new AppError("VALIDATION_FAILED", "A category of that name exists.", [{ path: "name", message: "Taken" }]);
  await deps.db.insert(ticketCategories).values(row);
  return row;
}

export async function updateCategory(
  deps: Deps,
  customerId: string,
  id: string,
  patch: Partial<CategoryInput> & { archived?: boolean | undefined },
) {
  const where = and(eq(ticketCategories.id, id), eq(ticketCategories.customerId, customerId));
  const row = await deps.db.query.ticketCategories.findFirst({ where });
  if (!row) throw notFound("Category");
  const next = {
    name: patch.name ?? row.name,
    deadlineHours: patch.deadlineHours ?? row.deadlineHours,
    archivedAt: patch.archived === undefined ? row.archivedAt : patch.archived ? deps.now() : null,
  };
  await deps.db.update(ticketCategories).set(next).where(where);
  return { ...row, ...next };
}

/** A current category of the customer (404 for another customer's or an archived one). */
export async function activeCategory(deps: Deps, customerId: string, id: string) {
  const row = await deps.db.query.ticketCategories.findFirst({
    where: and(
      eq(ticketCategories.id, id),
      eq(ticketCategories.customerId, customerId),
      isNull(ticketCategories.archivedAt),
    ),
  });
  if (!row) throw notFound("Category");
  return row;
}

export interface ProviderInput {
  name: string;
  email: string;
  trade?: string | null | undefined;
}

export async function listProviders(deps: Deps, customerId: string) {
  return deps.db
    .select()
    .from(serviceProviders)
    .where(and(eq(serviceProviders.customerId, customerId), isNull(serviceProviders.archivedAt)))
    .orderBy(asc(serviceProviders.name));
}

export async function createProvider(deps: Deps, customerId: string, input: ProviderInput) {
  const row = {
    id: newId(),
    customerId,
    name: input.name,
    email: input.email.toLowerCase(),
    trade: input.trade ?? null,
    archivedAt: null,
    createdAt: deps.now(),
  };
  await deps.db.insert(serviceProviders).values(row);
  return row;
}

export async function updateProvider(
  deps: Deps,
  customerId: string,
  id: string,
  patch: Partial<ProviderInput> & { archived?: boolean | undefined },
) {
  const where = and(eq(serviceProviders.id, id), eq(serviceProviders.customerId, customerId));
  const row = await deps.db.query.serviceProviders.findFirst({ where });
  if (!row) throw notFound("Service provider");
  const next = {
    name: patch.name ?? row.name,
    email: patch.email?.toLowerCase() ?? row.email,
    trade: patch.trade === undefined ? row.trade : patch.trade,
    archivedAt: patch.archived === undefined ? row.archivedAt : patch.archived ? deps.now() : null,
  };
  await deps.db.update(serviceProviders).set(next).where(where);
  return { ...row, ...next };
}

/** A current provider of the customer (404 otherwise). */
export async function activeProvider(deps: Deps, customerId: string, id: string) {
  const row = await deps.db.query.serviceProviders.findFirst({
    where: and(
      eq(serviceProviders.id, id),
      eq(serviceProviders.customerId, customerId),
      isNull(serviceProviders.archivedAt),
    ),
  });
  if (!row) throw notFound("Service provider");
  return row;
}
