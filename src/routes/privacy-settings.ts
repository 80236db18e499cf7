import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../app-env";
import { customers } from "../db/schema/customers";
import { MAX_GRACE_DAYS } from "../services/erasure-tenancy-end";
import { actorOf, defineRoute } from "./define";
import { errorResponses, json, jsonBody } from "./schemas";

/**
 * The customer's privacy settings (decision 0031): how many days after the end of a person's last
 * tenancy their account is anonymised (R-A6; default 30, 0–365). Customer admins only.
 */
const settingsSchema = z
  .object({ tenancyEndGraceDays: z.number().int().min(0).max(MAX_GRACE_DAYS) })
  .openapi("PrivacySettings");

const getSettings = defineRoute("admin", {
  method: "get",
  path: "/api/admin/privacy-settings",
  tags: ["Admin"],
  summary: "Privacy settings of the customer: the grace period before accounts of ended tenancies are anonymised",
  responses: { 200: json(settingsSchema), ...errorResponses },
});

const patchSettings = defineRoute("admin", {
  method: "patch",
  path: "/api/admin/privacy-settings",
  tags: ["Admin"],
  summary: "Set the grace period (whole days, 0–365) before accounts of ended tenancies are anonymised",
  request: { body: jsonBody(settingsSchema.strict()) },
  responses: { 200: json(settingsSchema), ...errorResponses },
});

async function read(c: { var: AppEnv["Variables"] }) {
  const db = c.var.deps.db;
  const [row] = await db
    .select({ tenancyEndGraceDays: customers.tenancyEndGraceDays })
    .from(customers)
    .where(eq(customers.id, actorOf(c).customerId));
  return { tenancyEndGraceDays: row?.tenancyEndGraceDays ?? 30 };
}

export const privacySettingsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getSettings, async (c) => c.json(await read(c), 200))
  .openapi(patchSettings, async (c) => {
    await c.var.deps.db
      .update(customers)
      .set({ tenancyEndGraceDays: c.req.valid("json").tenancyEndGraceDays })
      .where(eq(customers.id, actorOf(c).customerId));
    return c.json(await read(c), 200);
  });
