import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import type { ServiceProvider, TicketCategory } from "../db/schema/tickets";
import { AppError } from "../lib/errors";
import { isStaff } from "../services/actor";
import * as setup from "../services/ticket-setup";
import { actorOf, defineRoute } from "./define";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { email, errorResponses, id, json, jsonBody } from "./schemas";

const tags = ["Service Center"];
const text = (max: number) => z.string().trim().min(1).max(max).refine(wellFormed, WELL_FORMED_MESSAGE);
const hours = z
  .number()
  .int()
  .min(1)
  .max(24 * 365);

const categorySchema = z
  .object({ id: z.string(), name: z.string(), deadlineHours: z.number(), archived: z.boolean() })
  .openapi("TicketCategory");
const providerSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string(), trade: z.string().nullable() })
  .openapi("ServiceProvider");
const toCategory = (r: TicketCategory) => ({
  id: r.id,
  name: r.name,
  deadlineHours: r.deadlineHours,
  archived: r.archivedAt !== null,
});
const toProvider = (r: ServiceProvider) => ({
  id: r.id,
  name: r.name,
  email: r.email,
  trade: r.trade,
});

const listCategories = defineRoute("session", {
  method: "get",
  path: "/api/ticket-categories",
  tags,
  summary: "The customer's ticket categories with their answer deadline",
  description: "Retired (archived) categories only with `archived=include`, for managers and customer admins.",
  request: {
    query: z.object({
      archived: z.enum(["include"]).optional().openapi({ description: "Also list retired categories (staff)" }),
    }),
  },
  responses: { 200: json(z.array(categorySchema)), ...errorResponses },
});
const createCategory = defineRoute("admin", {
  method: "post",
  path: "/api/ticket-categories",
  tags,
  summary: "Add a ticket category",
  request: { body: jsonBody(z.strictObject({ name: text(80), deadlineHours: hours })) },
  responses: { 201: json(categorySchema, "Created"), ...errorResponses },
});
const patchCategory = defineRoute("admin", {
  method: "patch",
  path: "/api/ticket-categories/{categoryId}",
  tags,
  summary: "Rename, change the deadline, or archive a category",
  request: {
    params: z.object({ categoryId: id("categoryId") }),
    body: jsonBody(
      z.strictObject({ name: text(80).optional(), deadlineHours: hours.optional(), archived: z.boolean().optional() }),
    ),
  },
  responses: { 200: json(categorySchema), ...errorResponses },
});
const listProviders = defineRoute("staff", {
  method: "get",
  path: "/api/service-providers",
  tags,
  summary: "The customer's service providers (craftsman companies)",
  responses: { 200: json(z.array(providerSchema)), ...errorResponses },
});
const createProvider = defineRoute("admin", {
  method: "post",
  path: "/api/service-providers",
  tags,
  summary: "Add a service provider",
  request: {
    body: jsonBody(z.strictObject({ name: text(120), email, trade: text(80).nullable().optional() })),
  },
  responses: { 201: json(providerSchema, "Created"), ...errorResponses },
});
const patchProvider = defineRoute("admin", {
  method: "patch",
  path: "/api/service-providers/{providerId}",
  tags,
  summary: "Change or archive a service provider",
  request: {
    params: z.object({ providerId: id("providerId") }),
    body: jsonBody(
      z.strictObject({
        name: text(120).optional(),
        email: email.optional(),
        trade: text(80).nullable().optional(),
        archived: z.boolean().optional(),
      }),
    ),
  },
  responses: { 200: json(providerSchema), ...errorResponses },
});

/** Ticket categories and service providers, per customer (R-M3). */
export const ticketSetupRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listCategories, async (c) => {
    const a = actorOf(c);
    const withArchived = c.req.valid("query").archived === "include";
    if (withArchived && !isStaff(a)) throw new AppError("FORBIDDEN", "Managers only.");
    return c.json((await setup.listCategories(c.var.deps, a.customerId, withArchived)).map(toCategory), 200);
  })
  .openapi(createCategory, async (c) =>
    c.json(toCategory(await setup.createCategory(c.var.deps, actorOf(c).customerId, c.req.valid("json"))), 201),
  )
  .openapi(patchCategory, async (c) => {
    const { categoryId } = c.req.valid("param");
    const row = await setup.updateCategory(c.var.deps, actorOf(c).customerId, categoryId, c.req.valid("json"));
    return c.json(toCategory(row), 200);
  })
  .openapi(listProviders, async (c) =>
    c.json((await setup.listProviders(c.var.deps, actorOf(c).customerId)).map(toProvider), 200),
  )
  .openapi(createProvider, async (c) =>
    c.json(toProvider(await setup.createProvider(c.var.deps, actorOf(c).customerId, c.req.valid("json"))), 201),
  )
  .openapi(patchProvider, async (c) => {
    const { providerId } = c.req.valid("param");
    const row = await setup.updateProvider(c.var.deps, actorOf(c).customerId, providerId, c.req.valid("json"));
    return c.json(toProvider(row), 200);
  });
