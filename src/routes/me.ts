import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { AppEnv, Deps } from "../app-env";
import type { Customer } from "../db/schema/customers";
import { users } from "../db/schema/people";
import { AppError } from "../lib/errors";
import { type Actor, authenticate, currentMemberships, isStaff } from "../services/actor";
import { changeEvent } from "../services/master-data-changes";
import { appsForActor } from "../services/micro-apps";
import { subjectOf } from "../services/privacy-data";
import { recordRectification } from "../services/privacy-requests";
import { defineRoute } from "./define";
import { errorResponses, json, jsonBody, locale } from "./schemas";

/**
 * Text is stored and hashed exactly as typed; a lone UTF-16 surrogate cannot be (UTF-8 turns it into
 * U+FFFD, so two different passwords would hash alike), so such strings are refused with 400.
 */
export const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
export const WELL_FORMED_MESSAGE = "Contains an unpaired surrogate";

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
    /** The customer-wide setting (a missing row is on); tabs follow `buildingApps`. */
    apps: z.array(z.object({ key: z.string(), name: z.string().nullable() })),
    /**
     * The micro-apps on in each building the account lives in or manages (R-T3, decision 0040),
     * computed on the server: property override over customer-wide, missing = on. Every such
     * building is in exactly one entry; buildings with the same list share one.
     */
    buildingApps: z.array(
      z.object({
        buildingIds: z.array(z.string()),
        apps: z.array(z.object({ key: z.string(), name: z.string().nullable() })),
      }),
    ),
  })
  .openapi("Me");

/** The account of a session token (right after login or a change that the request's actor predates). */
export async function toMe(deps: Deps, customer: Customer, token: string): Promise<z.infer<typeof meSchema>> {
  const actor = await authenticate(deps, customer.id, token);
  if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
  return meOf(deps, customer, actor);
}

export async function meOf(deps: Deps, customer: Customer, actor: Actor): Promise<z.infer<typeof meSchema>> {
  const memberships = currentMemberships(actor);
  const { customerWide: apps, buildingApps } = await appsForActor(deps, actor);
  return {
    id: actor.userId,
    name: actor.name,
    email: actor.email,
    locale: actor.locale,
    customer: { id: customer.id, name: customer.name, slug: customer.slug, jurisdiction: customer.jurisdiction },
    roles: { admin: actor.isAdmin, staff: isStaff(actor), managedBuildingIds: [...actor.managedBuildingIds].sort() },
    memberships,
    apps: apps.filter((a) => a.enabled).map((a) => ({ key: a.key, name: a.name })),
    buildingApps,
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
        .strictObject({
          name: z.string().trim().min(1).max(120).refine(wellFormed, WELL_FORMED_MESSAGE).optional(),
          locale: locale.optional(),
        })
        .refine((v) => v.name !== undefined || v.locale !== undefined, "Nothing to change"),
    ),
  },
  responses: { 200: json(meSchema), ...errorResponses },
});

export const meRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getMe, async (c) => {
    const actor = c.var.actor;
    if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
    return c.json(await meOf(c.var.deps, c.var.customer, actor), 200);
  })
  .openapi(patchMe, async (c) => {
    const actor = c.var.actor;
    if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
    const patch = c.req.valid("json");
    const deps = c.var.deps;
    // A user record is master data: its webhook outbox row (R-I3) goes into the same batch.
    await deps.db.batch([
      deps.db
        .update(users)
        .set({ ...patch, updatedAt: deps.now() })
        .where(and(eq(users.id, actor.userId), eq(users.customerId, actor.customerId))),
      changeEvent(deps, { customerId: actor.customerId, entity: "user", action: "updated", objectId: actor.userId }),
      // A correction is a rectification request (R-P3, R-P15): received and done, field codes only.
      ...recordRectification(deps, subjectOf(actor, deps), [
        ...(patch.name !== undefined && patch.name !== actor.name ? (["name"] as const) : []),
        ...(patch.locale !== undefined && patch.locale !== actor.locale ? (["locale"] as const) : []),
      ]),
    ]);
    return c.json(await toMe(c.var.deps, c.var.customer, c.var.sessionToken ?? ""), 200);
  });
