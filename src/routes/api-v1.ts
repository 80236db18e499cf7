import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AppError, notFound } from "../lib/errors";
import * as md from "../services/master-data";
import {
  v1Body as body,
  codeOut,
  day,
  envelope,
  groupOut,
  listQuery,
  parseList,
  v1PathId as pathId,
  periodOut,
  propertyOut,
  quartierLocale,
  V1_TAGS as tags,
  unitOut,
  userOut,
  v1Group,
  v1Invitation,
  v1Period,
  v1Property,
  v1Unit,
  v1User,
} from "./api-v1-shapes";
import { defineApiRoute } from "./define";
import { errorResponses, json } from "./schemas";

/**
 * The integrator API: Allthings REST API v1 master data (allthings-api.md P0–P2) under /api/v1, on
 * Quartier's own services (docs/decisions/0016). Bodies follow the Allthings conventions: unknown
 * fields are ignored and an empty body is `{}`. Customer comes from the token, never from the host.
 */
const READ = { scope: "master-data:read", staff: true } as const;
const WRITE = { scope: "master-data:write", staff: true } as const;
const externalId = z.string().trim().min(1).max(128).nullable().optional();
const name = z.string().trim().min(1).max(200);

function customerOf(c: Context<AppEnv>) {
  const client = c.var.apiClient;
  if (!client) throw new AppError("UNAUTHENTICATED", "A valid bearer token is required.");
  return client.customerId;
}
/** The app in a path is the token's customer (Allthings app = Quartier customer); anything else is 404. */
function ownApp(c: Context<AppEnv>, appId: string) {
  if (appId !== customerOf(c)) throw notFound("App");
}

async function periodView(c: Context<AppEnv>, customerId: string, id: string) {
  const deps = c.var.deps;
  const t = await md.getPeriod(deps, customerId, id);
  const [people, codes] = await Promise.all([
    md.periodUsers(deps, customerId, t.id),
    md.periodCodes(deps, customerId, t.id),
  ]);
  const periods = await md.codePeriods(
    deps,
    customerId,
    codes.map((x) => x.id),
  );
  return periodOut(t, people, codes, periods, deps.now());
}

async function codeView(c: Context<AppEnv>, customerId: string, id: string) {
  const row = await md.getCode(c.var.deps, customerId, id);
  const periods = await md.codePeriods(c.var.deps, customerId, [row.id]);
  return codeOut(row, periods.get(row.id) ?? []);
}

// ---- P0: me, apps ---------------------------------------------------------------------------------

const me = defineApiRoute(
  { scope: "user:profile", staff: false },
  {
    method: "get",
    path: "/api/v1/me",
    tags,
    summary: "The account of a password-grant token (client-credentials tokens have none: 403)",
    responses: { 200: json(v1User), ...errorResponses },
  },
);
const getApp = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/apps/{appId}",
  tags,
  summary: "The app: in Quartier, the customer of the token",
  request: { params: z.object({ appId: pathId("appId") }) },
  responses: {
    200: json(
      z.object({
        id: z.string(),
        name: z.string(),
        siteUrl: z.string(),
        availableLocales: z.record(z.string(), z.string()),
      }),
    ),
    ...errorResponses,
  },
});
const createApp = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/users/{userId}/apps",
  tags,
  summary: "Not offered: customers (apps) are onboarded by Quartier's operators (403)",
  request: { params: z.object({ userId: pathId("userId") }) },
  responses: { ...errorResponses },
});

// ---- P1: properties, groups, units ---------------------------------------------------------------

const propertyBody = z.object({
  name: name.optional(),
  timezone: z.string().min(1).max(64).optional(),
  label: z.string().max(100).nullable().optional(),
  externalId,
});
const createProperty = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/apps/{appId}/properties",
  tags,
  summary: "Create a property (upsert by externalId)",
  request: {
    params: z.object({ appId: pathId("appId") }),
    body: body(
      propertyBody
        .extend({ name })
        .openapi({ example: { name: "Wohnpark Limmat", timezone: "Europe/Zurich", externalId: "P-1001" } }),
    ),
  },
  responses: {
    201: json(v1Property, "Created"),
    200: json(v1Property, "Existing (same externalId), updated"),
    ...errorResponses,
  },
});
const getProperty = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/properties/{propertyId}",
  tags,
  summary: "One property",
  request: { params: z.object({ propertyId: pathId("propertyId") }) },
  responses: { 200: json(v1Property), ...errorResponses },
});
const patchProperty = defineApiRoute(WRITE, {
  method: "patch",
  path: "/api/v1/properties/{propertyId}",
  tags,
  summary: "Change a property",
  request: { params: z.object({ propertyId: pathId("propertyId") }), body: body(propertyBody) },
  responses: { 200: json(v1Property), ...errorResponses },
});
const listProperties = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/properties",
  tags,
  summary: "Properties (filter: id, name, label, externalId, timezone)",
  request: { query: listQuery },
  responses: { 200: json(envelope(v1Property)), ...errorResponses },
});

const addressBody = z
  .object({
    street: z.string().max(200).nullable().optional(),
    houseNumber: z.string().max(20).nullable().optional(),
    postalCode: z.string().max(20).nullable().optional(),
    city: z.string().max(100).nullable().optional(),
    country: z.string().max(2).nullable().optional(),
  })
  .nullable()
  .optional();
const groupBody = z.object({
  name: name.optional(),
  description: z.string().max(2000).nullable().optional(),
  externalId,
  propertyManagerID: z.string().max(128).nullable().optional(),
  propertyManagerId: z.string().max(128).nullable().optional(),
  address: addressBody,
});
const groupInput = (b: z.infer<typeof groupBody>): md.GroupInput => ({
  name: b.name,
  description: b.description,
  externalId: b.externalId,
  propertyManagerId: b.propertyManagerID !== undefined ? b.propertyManagerID : b.propertyManagerId,
  address: b.address,
});
const createGroup = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/properties/{propertyId}/groups",
  tags,
  summary: "Create a group (= building) in a property (upsert by externalId)",
  request: {
    params: z.object({ propertyId: pathId("propertyId") }),
    body: body(
      groupBody.extend({ name }).openapi({
        example: {
          name: "Limmatstrasse 12",
          externalId: "B-1001-1",
          address: { street: "Limmatstrasse", houseNumber: "12", postalCode: "8005", city: "Zürich", country: "CH" },
        },
      }),
    ),
  },
  responses: { 201: json(v1Group, "Created"), 200: json(v1Group, "Existing, updated"), ...errorResponses },
});
const getGroup = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/groups/{groupId}",
  tags,
  summary: "One group (= building), with stats",
  request: { params: z.object({ groupId: pathId("groupId") }) },
  responses: { 200: json(v1Group), ...errorResponses },
});
const patchGroup = defineApiRoute(WRITE, {
  method: "patch",
  path: "/api/v1/groups/{groupId}",
  tags,
  summary: "Change a group (both propertyManagerID and propertyManagerId are accepted)",
  request: { params: z.object({ groupId: pathId("groupId") }), body: body(groupBody) },
  responses: { 200: json(v1Group), ...errorResponses },
});
const listGroups = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/groups",
  tags,
  summary: "Groups (filter: id, name, externalId, property, propertyManagerID)",
  request: { query: listQuery },
  responses: { 200: json(envelope(v1Group)), ...errorResponses },
});

const unitBody = z.object({
  name: name.optional(),
  type: z.enum(["rented", "owned"]).optional(),
  objectType: z
    .string()
    .regex(/^[a-z0-9-]{1,50}$/)
    .nullable()
    .optional(),
  size: z.number().nonnegative().max(1_000_000).nullable().optional(),
  externalId,
});
const createUnit = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/groups/{groupId}/units",
  tags,
  summary: "Create a unit in a group (upsert by externalId)",
  request: {
    params: z.object({ groupId: pathId("groupId") }),
    body: body(
      unitBody.extend({ name, type: z.enum(["rented", "owned"]) }).openapi({
        example: { name: "3.2 links", type: "rented", objectType: "flat", size: 74.5, externalId: "U-77" },
      }),
    ),
  },
  responses: { 201: json(v1Unit, "Created"), 200: json(v1Unit, "Existing, updated"), ...errorResponses },
});
const getUnit = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/units/{unitId}",
  tags,
  summary: "One unit, with stats",
  request: { params: z.object({ unitId: pathId("unitId") }) },
  responses: { 200: json(v1Unit), ...errorResponses },
});
const patchUnit = defineApiRoute(WRITE, {
  method: "patch",
  path: "/api/v1/units/{unitId}",
  tags,
  summary: "Change a unit",
  request: { params: z.object({ unitId: pathId("unitId") }), body: body(unitBody) },
  responses: { 200: json(v1Unit), ...errorResponses },
});
const listUnits = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/units",
  tags,
  summary: "Units (filter: id, name, externalId, group, type, objectType)",
  request: { query: listQuery },
  responses: { 200: json(envelope(v1Unit)), ...errorResponses },
});

// ---- P1: utilisation periods, check-in -----------------------------------------------------------

const periodBody = z.object({
  startDate: day.optional(),
  endDate: day.nullable().optional(),
  type: z.enum(["tenant", "ownership", "vacant"]).optional(),
  externalId,
  name: z.string().max(200).nullable().optional(),
});
const createPeriod = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/units/{unitId}/utilisation-periods",
  tags,
  summary: "Create a utilisation period (= tenancy); tenant periods never overlap (409)",
  request: {
    params: z.object({ unitId: pathId("unitId") }),
    body: body(
      periodBody
        .extend({ startDate: day })
        .openapi({ example: { startDate: "2026-12-01", endDate: null, externalId: "V-2026-17" } }),
    ),
  },
  responses: { 201: json(v1Period, "Created"), 200: json(v1Period, "Existing, updated"), ...errorResponses },
});
const getPeriod = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/utilisation-periods/{periodId}",
  tags,
  summary: "One utilisation period with its users and invitations",
  request: { params: z.object({ periodId: pathId("periodId") }) },
  responses: { 200: json(v1Period), ...errorResponses },
});
const patchPeriod = defineApiRoute(WRITE, {
  method: "patch",
  path: "/api/v1/utilisation-periods/{periodId}",
  tags,
  summary: "Change a utilisation period (residents' live access follows at once)",
  request: { params: z.object({ periodId: pathId("periodId") }), body: body(periodBody) },
  responses: { 200: json(v1Period), ...errorResponses },
});
const checkIn = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/utilisation-periods/{periodId}/users",
  tags,
  summary: "Check a user into a utilisation period (by e-mail or userId); answers the period",
  request: {
    params: z.object({ periodId: pathId("periodId") }),
    body: body(
      z
        .object({ email: z.string().max(254).optional(), userId: z.string().max(128).optional() })
        .openapi({ example: { email: "anna@example.test" } }),
    ),
  },
  responses: { 200: json(v1Period), ...errorResponses },
});
const checkOut = defineApiRoute(WRITE, {
  method: "delete",
  path: "/api/v1/utilisation-periods/{periodId}/users/{userId}",
  tags,
  summary: "Check a user out of a utilisation period",
  request: { params: z.object({ periodId: pathId("periodId"), userId: pathId("userId") }) },
  responses: { 204: { description: "Checked out" }, ...errorResponses },
});
const userPeriods = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/users/{userId}/utilisation-periods",
  tags,
  summary: "Utilisation periods a user is checked into",
  request: { params: z.object({ userId: pathId("userId") }) },
  responses: { 200: json(envelope(v1Period)), ...errorResponses },
});

// ---- P1: users -----------------------------------------------------------------------------------

const userBody = z.object({
  email: z.string().trim().email().max(254).optional(),
  username: name.optional(),
  locale: z.string().max(10).optional(),
  plainPassword: z.string().min(8).max(256).optional(),
  externalId,
  creationContext: z.string().max(128).optional(),
});
const createUser = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/users",
  tags,
  summary: "Create a user (upsert by externalId); creationContext is the app (= customer) id",
  request: {
    body: body(
      userBody.extend({ email: z.string().trim().email().max(254), username: name }).openapi({
        example: {
          email: "anna@example.test",
          username: "Anna Keller",
          locale: "de_DE",
          externalId: "T-42",
          creationContext: "<app id>",
        },
      }),
    ),
  },
  responses: {
    201: json(v1User, "Created"),
    200: json(v1User, "Existing, updated"),
    409: json(z.unknown(), "E-mail taken"),
    ...errorResponses,
  },
});
const getUser = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/users/{userId}",
  tags,
  summary: "One user",
  request: { params: z.object({ userId: pathId("userId") }) },
  responses: { 200: json(v1User), ...errorResponses },
});
const patchUser = defineApiRoute(WRITE, {
  method: "patch",
  path: "/api/v1/users/{userId}",
  tags,
  summary: "Change a user",
  request: { params: z.object({ userId: pathId("userId") }), body: body(userBody) },
  responses: { 200: json(v1User), ...errorResponses },
});
const listUsers = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/users",
  tags,
  summary: "Users (filter: id, email (case-insensitive), externalId, username)",
  request: { query: listQuery },
  responses: { 200: json(envelope(v1User)), ...errorResponses },
});

// ---- P2: registration codes, id lookup -----------------------------------------------------------

const tenantBody = z
  .object({
    name: z.string().max(200).nullable().optional(),
    email: z.string().trim().email().max(254).nullable().optional(),
    phone: z.string().max(50).nullable().optional(),
  })
  .nullable()
  .optional();
const codeBody = z.object({
  code: z.string().max(80).optional(),
  utilisationPeriods: z.union([z.string().max(128), z.array(z.string().max(128)).max(50)]).optional(),
  tenantID: externalId,
  externalId,
  expiresAt: z.string().max(40).nullable().optional(),
  permanent: z.boolean().optional(),
  tenant: tenantBody,
});
const codeInput = (b: z.infer<typeof codeBody>): md.CodeInput => ({
  code: b.code === "" ? undefined : b.code,
  externalId: b.tenantID !== undefined ? b.tenantID : b.externalId,
  expiresAt: b.expiresAt,
  permanent: b.permanent,
  tenant: b.tenant,
});
const createCode = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/registration-codes",
  tags,
  summary: "Create a registration code for utilisation periods (code chosen by the ERP or generated)",
  request: {
    body: body(
      codeBody.openapi({
        example: { code: "ERP12345678", utilisationPeriods: ["<period id>"], tenantID: "T-42", permanent: false },
      }),
    ),
  },
  responses: { 201: json(v1Invitation, "Created"), ...errorResponses },
});
const patchCode = defineApiRoute(WRITE, {
  method: "patch",
  path: "/api/v1/registration-codes/{codeId}",
  tags,
  summary: "Change a registration code",
  request: { params: z.object({ codeId: pathId("codeId") }), body: body(codeBody) },
  responses: { 200: json(v1Invitation), ...errorResponses },
});
const getInvitation = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/invitations/{codeId}",
  tags,
  summary: "One registration code (invitation)",
  request: { params: z.object({ codeId: pathId("codeId") }) },
  responses: { 200: json(v1Invitation), ...errorResponses },
});
const deleteInvitation = defineApiRoute(WRITE, {
  method: "delete",
  path: "/api/v1/invitations/{codeId}",
  tags,
  summary: "Delete a registration code",
  request: { params: z.object({ codeId: pathId("codeId") }) },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});
const periodCode = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/utilisation-periods/{periodId}/registration-codes",
  tags,
  summary: "Create a registration code for one utilisation period",
  request: { params: z.object({ periodId: pathId("periodId") }), body: body(codeBody) },
  responses: { 201: json(v1Invitation, "Created"), ...errorResponses },
});
const idLookup = defineApiRoute(READ, {
  method: "post",
  path: "/api/v1/id-lookup/{appId}/{resource}",
  tags,
  summary: "Map external ids to ids (null when unknown)",
  request: {
    params: z.object({
      appId: pathId("appId"),
      resource: z.enum(md.LOOKUP_RESOURCES).openapi({ param: { name: "resource", in: "path" } }),
    }),
    body: body(
      z
        .object({
          externalIds: z.union([z.string().max(128), z.array(z.string().max(128)).max(1000)]),
          parentId: z.string().max(128).optional(),
        })
        .openapi({ example: { externalIds: ["P-1001", "P-9999"] } }),
    ),
  },
  responses: {
    200: json(z.record(z.string(), z.string().nullable()).openapi({ example: { "P-1001": "3f2c…", "P-9999": null } })),
    ...errorResponses,
  },
});

export const apiV1Routes = new OpenAPIHono<AppEnv>()
  .openapi(me, async (c) => {
    const actor = c.var.actor;
    if (!actor) throw new AppError("FORBIDDEN", "A client-credentials token has no account; use the password grant.");
    const u = await md.getUser(c.var.deps, customerOf(c), actor.userId);
    return c.json(userOut(u, { type: actor.isAdmin || actor.managedBuildingIds.size ? "customer" : null }), 200);
  })
  .openapi(getApp, async (c) => {
    ownApp(c, c.req.valid("param").appId);
    const cu = c.var.customer;
    const siteUrl =
      c.var.deps.config.environment === "development" && cu.slug === "demo"
        ? c.var.deps.config.publicOrigin
        : `https://${cu.slug}.${c.var.deps.config.appDomain}`;
    return c.json(
      {
        id: cu.id,
        name: cu.name,
        siteUrl,
        availableLocales: { "0": "de_DE", "1": "fr_FR", "2": "it_IT", "3": "en_US" },
      },
      200,
    );
  })
  .openapi(createApp, async () => {
    throw new AppError("FORBIDDEN", "Apps (customers) are onboarded by Quartier's operators.");
  })
  // Properties
  .openapi(createProperty, async (c) => {
    ownApp(c, c.req.valid("param").appId);
    const r = await md.createProperty(c.var.deps, customerOf(c), c.req.valid("json"));
    return c.json(propertyOut(r.row), r.created ? 201 : 200);
  })
  .openapi(getProperty, async (c) => {
    return c.json(propertyOut(await md.getProperty(c.var.deps, customerOf(c), c.req.valid("param").propertyId)), 200);
  })
  .openapi(patchProperty, async (c) => {
    const row = await md.updateProperty(
      c.var.deps,
      customerOf(c),
      c.req.valid("param").propertyId,
      c.req.valid("json"),
    );
    return c.json(propertyOut(row), 200);
  })
  .openapi(listProperties, async (c) => {
    const r = await md.listProperties(c.var.deps, customerOf(c), parseList(c.req.valid("query")));
    return c.json({ _embedded: { items: r.items.map(propertyOut) }, total: r.total }, 200);
  })
  // Groups
  .openapi(createGroup, async (c) => {
    const b = c.req.valid("json");
    const r = await md.createGroup(c.var.deps, customerOf(c), c.req.valid("param").propertyId, {
      ...groupInput(b),
      name: b.name,
    });
    const s = await md.groupStats(c.var.deps, customerOf(c), r.row.id);
    return c.json(groupOut(r.row, s), r.created ? 201 : 200);
  })
  .openapi(getGroup, async (c) => {
    const row = await md.getGroup(c.var.deps, customerOf(c), c.req.valid("param").groupId);
    return c.json(groupOut(row, await md.groupStats(c.var.deps, customerOf(c), row.id)), 200);
  })
  .openapi(patchGroup, async (c) => {
    const row = await md.updateGroup(
      c.var.deps,
      customerOf(c),
      c.req.valid("param").groupId,
      groupInput(c.req.valid("json")),
    );
    return c.json(groupOut(row, await md.groupStats(c.var.deps, customerOf(c), row.id)), 200);
  })
  .openapi(listGroups, async (c) => {
    const r = await md.listGroups(c.var.deps, customerOf(c), parseList(c.req.valid("query")));
    return c.json({ _embedded: { items: r.items.map((b) => groupOut(b)) }, total: r.total }, 200);
  })
  // Units
  .openapi(createUnit, async (c) => {
    const r = await md.createUnit(c.var.deps, customerOf(c), c.req.valid("param").groupId, c.req.valid("json"));
    return c.json(unitOut(r.row, await md.unitStats(c.var.deps, customerOf(c), r.row.id)), r.created ? 201 : 200);
  })
  .openapi(getUnit, async (c) => {
    const row = await md.getUnit(c.var.deps, customerOf(c), c.req.valid("param").unitId);
    return c.json(unitOut(row, await md.unitStats(c.var.deps, customerOf(c), row.id)), 200);
  })
  .openapi(patchUnit, async (c) => {
    const row = await md.updateUnit(c.var.deps, customerOf(c), c.req.valid("param").unitId, c.req.valid("json"));
    return c.json(unitOut(row, await md.unitStats(c.var.deps, customerOf(c), row.id)), 200);
  })
  .openapi(listUnits, async (c) => {
    const r = await md.listUnits(c.var.deps, customerOf(c), parseList(c.req.valid("query")));
    return c.json({ _embedded: { items: r.items.map((u) => unitOut(u)) }, total: r.total }, 200);
  })
  // Utilisation periods
  .openapi(createPeriod, async (c) => {
    const cus = customerOf(c);
    const r = await md.createPeriod(c.var.deps, cus, c.req.valid("param").unitId, c.req.valid("json"));
    return c.json(await periodView(c, cus, r.row.id), r.created ? 201 : 200);
  })
  .openapi(getPeriod, async (c) => {
    return c.json(await periodView(c, customerOf(c), c.req.valid("param").periodId), 200);
  })
  .openapi(patchPeriod, async (c) => {
    const cus = customerOf(c);
    const t = await md.updatePeriod(c.var.deps, cus, c.req.valid("param").periodId, c.req.valid("json"));
    return c.json(await periodView(c, cus, t.id), 200);
  })
  .openapi(checkIn, async (c) => {
    const cus = customerOf(c);
    const b = c.req.valid("json");
    if (!b.email && !b.userId) {
      throw new AppError("VALIDATION_FAILED", "The request is invalid.", [
        { path: "email", message: "email or userId is required" },
      ]);
    }
    const r = await md.checkIn(c.var.deps, cus, c.req.valid("param").periodId, b);
    return c.json(await periodView(c, cus, r.period.id), 200);
  })
  .openapi(checkOut, async (c) => {
    const p = c.req.valid("param");
    await md.checkOut(c.var.deps, customerOf(c), p.periodId, p.userId);
    return c.body(null, 204);
  })
  .openapi(userPeriods, async (c) => {
    const cus = customerOf(c);
    const rows = await md.userPeriods(c.var.deps, cus, c.req.valid("param").userId);
    const items = [];
    for (const t of rows) items.push(await periodView(c, cus, t.id));
    return c.json({ _embedded: { items }, total: items.length }, 200);
  })
  // Users
  .openapi(createUser, async (c) => {
    const b = c.req.valid("json");
    const cus = customerOf(c);
    if (b.creationContext !== undefined && b.creationContext !== cus) throw notFound("App");
    const r = await md.createUser(c.var.deps, cus, c.var.customer.locale, {
      email: b.email,
      username: b.username,
      locale: quartierLocale(b.locale),
      plainPassword: b.plainPassword,
      externalId: b.externalId,
    });
    return c.json(userOut(r.row), r.created ? 201 : 200);
  })
  .openapi(getUser, async (c) => {
    return c.json(userOut(await md.getUser(c.var.deps, customerOf(c), c.req.valid("param").userId)), 200);
  })
  .openapi(patchUser, async (c) => {
    const b = c.req.valid("json");
    const row = await md.updateUser(c.var.deps, customerOf(c), c.req.valid("param").userId, {
      email: b.email,
      username: b.username,
      locale: quartierLocale(b.locale),
      plainPassword: b.plainPassword,
      externalId: b.externalId,
    });
    return c.json(userOut(row), 200);
  })
  .openapi(listUsers, async (c) => {
    const r = await md.listUsers(c.var.deps, customerOf(c), parseList(c.req.valid("query")));
    return c.json({ _embedded: { items: r.items.map((u) => userOut(u)) }, total: r.total }, 200);
  })
  // Registration codes
  .openapi(createCode, async (c) => {
    const b = c.req.valid("json");
    const cus = customerOf(c);
    const periods = b.utilisationPeriods === undefined ? [] : [b.utilisationPeriods].flat();
    const row = await md.createRegistrationCode(c.var.deps, cus, { ...codeInput(b), utilisationPeriods: periods });
    return c.json(codeOut(row, [...new Set(periods)]), 201);
  })
  .openapi(patchCode, async (c) => {
    const cus = customerOf(c);
    const row = await md.updateRegistrationCode(
      c.var.deps,
      cus,
      c.req.valid("param").codeId,
      codeInput(c.req.valid("json")),
    );
    return c.json(await codeView(c, cus, row.id), 200);
  })
  .openapi(getInvitation, async (c) => {
    return c.json(await codeView(c, customerOf(c), c.req.valid("param").codeId), 200);
  })
  .openapi(deleteInvitation, async (c) => {
    await md.deleteRegistrationCode(c.var.deps, customerOf(c), c.req.valid("param").codeId);
    return c.body(null, 204);
  })
  .openapi(periodCode, async (c) => {
    const cus = customerOf(c);
    const periodId = c.req.valid("param").periodId;
    const row = await md.createRegistrationCode(c.var.deps, cus, {
      ...codeInput(c.req.valid("json")),
      utilisationPeriods: [periodId],
    });
    return c.json(codeOut(row, [periodId]), 201);
  })
  .openapi(idLookup, async (c) => {
    const p = c.req.valid("param");
    ownApp(c, p.appId);
    const b = c.req.valid("json");
    const out = await md.lookupIds(c.var.deps, customerOf(c), p.resource, [b.externalIds].flat(), b.parentId);
    return c.json(out, 200);
  });
