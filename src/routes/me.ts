import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { AppEnv, Deps } from "../app-env";
import type { Customer } from "../db/schema/customers";
import { users } from "../db/schema/people";
import { AppError } from "../lib/errors";
import { currentMemberships, isStaff, loadActor } from "../services/actor";
import { listMicroApps } from "../services/estate";
import { findSession } from "../services/sessions";
import { defineRoute } from "./define";
import { errorResponses, json, jsonBody, locale } from "./schemas";

export const meSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    locale,
    customer: z.object({ id: z.string(), name: z.string(), slug: z.string(), jurisdiction: z.enum(["ch", "eu"]) }),
    roles: z.object({ admin: z.boolean(), staff: z.boolean(), managedBuildingIds: z.array(z.string()) }),
    memberships: z.array(
      z.object({ buildingId: z.string(), unitId: z.string(), tenancyId: z.string(), endsOn: z.string().nullable() }),
    ),
    apps: z.array(z.object({ key: z.string(), name: z.string().nullable() })),
  })
  .openapi("Me");

export async function toMe(deps: Deps, customer: Customer, token: string): Promise<z.infer<typeof meSchema>> {
  const s = await findSession(deps, customer.id, token);
  const actor = s ? await loadActor(deps, s) : null;
  if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
  const [memberships, apps] = await Promise.all([currentMemberships(deps, actor), listMicroApps(deps, customer)]);
  return {
    id: actor.userId,
    name: actor.name,
    email: actor.email,
    locale: actor.locale,
    customer: { id: customer.id, name: customer.name, slug: customer.slug, jurisdiction: customer.jurisdiction },
    roles: { admin: actor.isAdmin, staff: isStaff(actor), managedBuildingIds: [...actor.managedBuildingIds].sort() },
    memberships,
    apps: apps.filter((a) => a.enabled).map((a) => ({ key: a.key, name: a.name })),
  };
}

const getMe = defineRoute("session", {
  method: "get",
  path: "/api/me",
  tags: ["Accounts"],
  summary: "The logged-in account, its current memberships and the enabled micro-apps",
  responses: { 200: json(meSchema), ...errorResponses },
});

const patchMe = defineRoute("session", {
  method: "patch",
  path: "/api/me",
  tags: ["Accounts"],
  summary: "Correct your name or language",
  request: {
    body: jsonBody(
      z
        .strictObject({ name: z.string().trim().min(1).max(120).optional(), locale: locale.optional() })
        .refine((v) => v.name !== undefined || v.locale !== undefined, "Nothing to change"),
    ),
  },
  responses: { 200: json(meSchema), ...errorResponses },
});

export const meRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getMe, async (c) => c.json(await toMe(c.var.deps, c.var.customer, c.var.sessionToken ?? ""), 200))
  .openapi(patchMe, async (c) => {
    const actor = c.var.actor;
    if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
    const patch = c.req.valid("json");
    await c.var.deps.db
      .update(users)
      .set({ ...patch, updatedAt: c.var.deps.now() })
      .where(and(eq(users.id, actor.userId), eq(users.customerId, actor.customerId)));
    return c.json(await toMe(c.var.deps, c.var.customer, c.var.sessionToken ?? ""), 200);
  });
