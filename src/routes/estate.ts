import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { MICRO_APPS } from "../db/schema/customers";
import { UNIT_TYPES } from "../db/schema/estate";
import { TENANCY_TYPES } from "../db/schema/people";
import { forgetCustomer } from "../middleware/resolve-app";
import * as estate from "../services/estate";
import { pushSwitchToRooms } from "../services/micro-apps";
import { actorOf, defineRoute } from "./define";
import { errorResponses, id, isoDate, json, jsonBody, pick } from "./schemas";

const tag = ["Buildings"];

const buildingSchema = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    name: z.string(),
    street: z.string(),
    postalCode: z.string(),
    city: z.string(),
    country: z.string(),
    externalId: z.string().nullable(),
  })
  .openapi("Building");
const propertySchema = z
  .object({ id: z.string(), name: z.string(), externalId: z.string().nullable() })
  .openapi("Property");
const unitSchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    name: z.string(),
    type: z.enum(UNIT_TYPES),
    floor: z.string().nullable(),
    externalId: z.string().nullable(),
  })
  .openapi("Unit");
const tenancySchema = z
  .object({
    id: z.string(),
    unitId: z.string(),
    type: z.enum(TENANCY_TYPES),
    startsOn: z.string(),
    endsOn: z.string().nullable(),
    externalId: z.string().nullable(),
  })
  .openapi("Tenancy");
const microAppSchema = z
  .object({ key: z.enum(MICRO_APPS), enabled: z.boolean(), name: z.string().nullable() })
  .openapi("MicroApp");

const BUILDING_KEYS = ["id", "propertyId", "name", "street", "postalCode", "city", "country", "externalId"] as const;
const UNIT_KEYS = ["id", "buildingId", "name", "type", "floor", "externalId"] as const;
const TENANCY_KEYS = ["id", "unitId", "type", "startsOn", "endsOn", "externalId"] as const;

const listBuildings = defineRoute("session", {
  method: "get",
  path: "/api/buildings",
  tags: tag,
  summary: "Buildings you live in or manage",
  responses: { 200: json(z.array(buildingSchema)), ...errorResponses },
});
const getBuilding = defineRoute("session", {
  method: "get",
  path: "/api/buildings/{buildingId}",
  tags: tag,
  summary: "One building you live in or manage",
  request: { params: z.object({ buildingId: id("buildingId") }) },
  responses: { 200: json(buildingSchema), ...errorResponses },
});
const listProperties = defineRoute("staff", {
  method: "get",
  path: "/api/properties",
  tags: tag,
  summary: "Properties you manage",
  responses: { 200: json(z.array(propertySchema)), ...errorResponses },
});
const listUnits = defineRoute("staff", {
  method: "get",
  path: "/api/buildings/{buildingId}/units",
  tags: tag,
  summary: "Units of a building you manage",
  request: { params: z.object({ buildingId: id("buildingId") }) },
  responses: { 200: json(z.array(unitSchema)), ...errorResponses },
});
const listTenancies = defineRoute("staff", {
  method: "get",
  path: "/api/units/{unitId}/tenancies",
  tags: tag,
  summary: "Tenancies of a unit you manage",
  request: { params: z.object({ unitId: id("unitId") }) },
  responses: { 200: json(z.array(tenancySchema)), ...errorResponses },
});
const createTenancy = defineRoute("staff", {
  method: "post",
  path: "/api/units/{unitId}/tenancies",
  tags: tag,
  summary: "Create a tenancy; tenant periods of a unit never overlap (409 TENANCY_OVERLAP)",
  request: {
    params: z.object({ unitId: id("unitId") }),
    body: jsonBody(
      z.strictObject({
        type: z.enum(TENANCY_TYPES),
        startsOn: isoDate,
        endsOn: isoDate.nullable().optional(),
        externalId: z.string().min(1).max(128).optional(),
      }),
    ),
  },
  responses: { 201: json(tenancySchema, "Created"), 409: json(z.unknown(), "Overlapping tenancy"), ...errorResponses },
});
const patchTenancy = defineRoute("staff", {
  method: "patch",
  path: "/api/tenancies/{tenancyId}",
  tags: tag,
  summary: "Change the last day of a tenancy; residents' live connections follow at once",
  request: {
    params: z.object({ tenancyId: id("tenancyId") }),
    body: jsonBody(z.strictObject({ endsOn: isoDate.nullable() })),
  },
  responses: { 200: json(tenancySchema), 409: json(z.unknown(), "Overlapping tenancy"), ...errorResponses },
});
const listApps = defineRoute("session", {
  method: "get",
  path: "/api/customer/apps",
  tags: ["Customer"],
  summary: "The customer's micro-apps, whether they are on and what they are called",
  responses: { 200: json(z.array(microAppSchema)), ...errorResponses },
});
const putApp = defineRoute("admin", {
  method: "put",
  path: "/api/customer/apps/{appKey}",
  tags: ["Customer"],
  summary: "Switch a micro-app on or off and name it",
  request: {
    params: z.object({ appKey: z.enum(MICRO_APPS).openapi({ param: { name: "appKey", in: "path" } }) }),
    body: jsonBody(z.strictObject({ enabled: z.boolean(), name: z.string().trim().min(1).max(60).nullable() })),
  },
  responses: { 200: json(z.array(microAppSchema)), ...errorResponses },
});

export const estateRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listBuildings, async (c) => {
    const rows = await estate.listVisibleBuildings(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => pick(r, BUILDING_KEYS)),
      200,
    );
  })
  .openapi(getBuilding, async (c) => {
    const row = await estate.getBuilding(c.var.deps, actorOf(c), c.req.valid("param").buildingId);
    return c.json(pick(row, BUILDING_KEYS), 200);
  })
  .openapi(listProperties, async (c) => {
    const rows = await estate.listManagedProperties(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => pick(r, ["id", "name", "externalId"] as const)),
      200,
    );
  })
  .openapi(listUnits, async (c) => {
    const rows = await estate.listUnits(c.var.deps, actorOf(c), c.req.valid("param").buildingId);
    return c.json(
      rows.map((r) => pick(r, UNIT_KEYS)),
      200,
    );
  })
  .openapi(listTenancies, async (c) => {
    const rows = await estate.listTenancies(c.var.deps, actorOf(c), c.req.valid("param").unitId);
    return c.json(
      rows.map((r) => pick(r, TENANCY_KEYS)),
      200,
    );
  })
  .openapi(createTenancy, async (c) => {
    const row = await estate.createTenancy(c.var.deps, actorOf(c), c.req.valid("param").unitId, c.req.valid("json"));
    return c.json(pick(row, TENANCY_KEYS), 201);
  })
  .openapi(patchTenancy, async (c) => {
    const { tenancyId } = c.req.valid("param");
    const row = await estate.updateTenancyEnd(c.var.deps, actorOf(c), tenancyId, c.req.valid("json").endsOn);
    return c.json(pick(row, TENANCY_KEYS), 200);
  })
  .openapi(listApps, async (c) => c.json(await estate.listMicroApps(c.var.deps, c.var.customer), 200))
  .openapi(putApp, async (c) => {
    const { enabled, name } = c.req.valid("json");
    const key = c.req.valid("param").appKey;
    await estate.setMicroApp(c.var.deps, c.var.customer, key, enabled, name);
    forgetCustomer(c.var.customer.id);
    await pushSwitchToRooms(c.var.deps, c.var.customer.id, null, key);
    return c.json(await estate.listMicroApps(c.var.deps, c.var.customer), 200);
  });
