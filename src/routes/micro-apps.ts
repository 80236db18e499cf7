import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { MICRO_APPS } from "../db/schema/customers";
import {
  clearPropertyOverride,
  microAppSettings,
  pushSwitchToRooms,
  setPropertyOverride,
} from "../services/micro-apps";
import { actorOf, defineRoute } from "./define";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { errorResponses, id, json, jsonBody } from "./schemas";

/**
 * Per-property micro-app settings for customer admins (R-T3, decision 0040). The customer-wide
 * switches stay at /api/customer/apps/{appKey}; a property's row overrides them for its buildings.
 */

const tags = ["Customer"];
const appKey = z.enum(MICRO_APPS).openapi({ param: { name: "appKey", in: "path" } });

const settingsSchema = z
  .object({
    apps: z.array(z.object({ key: z.enum(MICRO_APPS), enabled: z.boolean(), name: z.string().nullable() })),
    overrides: z.array(
      z.object({
        propertyId: z.string(),
        key: z.enum(MICRO_APPS),
        enabled: z.boolean(),
        name: z.string().nullable(),
      }),
    ),
  })
  .openapi("MicroAppSettings");

const listSettings = defineRoute("admin", {
  method: "get",
  path: "/api/admin/micro-apps",
  tags,
  summary: "Micro-apps: the customer-wide setting of each (no row = on) and every property override",
  responses: { 200: json(settingsSchema), ...errorResponses },
});

const params = z.object({ propertyId: id("propertyId"), appKey });

const putOverride = defineRoute("admin", {
  method: "put",
  path: "/api/admin/properties/{propertyId}/micro-apps/{appKey}",
  tags,
  summary: "Force a micro-app on or off for one property (overrides the customer-wide setting)",
  description:
    "`name` is the name residents of this property see; null keeps the customer-wide name. " +
    "A property of another customer is 404; nothing is written on any error.",
  request: {
    params,
    body: jsonBody(
      z.strictObject({
        enabled: z.boolean(),
        name: z.string().trim().min(1).max(60).refine(wellFormed, WELL_FORMED_MESSAGE).nullable(),
      }),
    ),
  },
  responses: { 200: json(settingsSchema), ...errorResponses },
});

const deleteOverride = defineRoute("admin", {
  method: "delete",
  path: "/api/admin/properties/{propertyId}/micro-apps/{appKey}",
  tags,
  summary: "Clear a property's override: the app follows the customer-wide setting again",
  request: { params },
  responses: { 200: json(settingsSchema), ...errorResponses },
});

export const microAppRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listSettings, async (c) => c.json(await microAppSettings(c.var.deps, actorOf(c).customerId), 200))
  .openapi(putOverride, async (c) => {
    const { propertyId, appKey: key } = c.req.valid("param");
    const { enabled, name } = c.req.valid("json");
    const customerId = actorOf(c).customerId;
    await setPropertyOverride(c.var.deps, customerId, propertyId, key, enabled, name);
    await pushSwitchToRooms(c.var.deps, customerId, propertyId, key);
    return c.json(await microAppSettings(c.var.deps, customerId), 200);
  })
  .openapi(deleteOverride, async (c) => {
    const { propertyId, appKey: key } = c.req.valid("param");
    const customerId = actorOf(c).customerId;
    await clearPropertyOverride(c.var.deps, customerId, propertyId, key);
    await pushSwitchToRooms(c.var.deps, customerId, propertyId, key);
    return c.json(await microAppSettings(c.var.deps, customerId), 200);
  });
