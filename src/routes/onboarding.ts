import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import * as requests from "../services/access-requests";
import { redeemCode } from "../services/codes";
import { checkCode, signUpWithCode } from "../services/signup";
import { defineRoute } from "./define";
import { meSchema, toMe } from "./me";
import { email, errorResponses, json, jsonBody, locale, password } from "./schemas";

const tag = ["Onboarding"];
const codeInput = z.string().trim().min(4).max(64);
const accepted = z.object({ status: z.literal("accepted") });
const placeSchema = z.object({
  buildingId: z.string(),
  buildingName: z.string(),
  street: z.string(),
  postalCode: z.string(),
  city: z.string(),
  unitName: z.string(),
});

const check = defineRoute("public", {
  method: "post",
  path: "/api/onboarding/code",
  tags: tag,
  summary: "Check an activation code and see where it leads (attempt limits per client, per code, per customer)",
  request: { body: jsonBody(z.strictObject({ code: codeInput })) },
  responses: {
    200: json(
      z
        .object({ code: z.string(), permanent: z.boolean(), expiresAt: z.string(), places: z.array(placeSchema) })
        .openapi("CodeCheck"),
    ),
    ...errorResponses,
  },
});

const signup = defineRoute("public", {
  method: "post",
  path: "/api/onboarding/signup",
  tags: tag,
  summary: "Sign up with a code: a new account checked into the code's tenancies once its e-mail is confirmed",
  request: {
    body: jsonBody(
      z.strictObject({
        code: codeInput,
        name: z.string().trim().min(1).max(120),
        email,
        password,
        locale: locale.optional(),
      }),
    ),
  },
  responses: { 202: json(accepted), ...errorResponses },
});

const redeem = defineRoute("session", {
  method: "post",
  path: "/api/onboarding/redeem",
  tags: tag,
  summary: "Add a home to the logged-in account with a code",
  request: { body: jsonBody(z.strictObject({ code: codeInput })) },
  responses: { 200: json(meSchema), ...errorResponses },
});

const search = defineRoute("public", {
  method: "get",
  path: "/api/onboarding/buildings",
  tags: tag,
  summary: "Find your building by address (at most 10 results)",
  request: { query: z.object({ q: z.string().trim().min(3).max(100) }) },
  responses: {
    200: json(
      z.array(
        z.object({ id: z.string(), name: z.string(), street: z.string(), postalCode: z.string(), city: z.string() }),
      ),
    ),
    ...errorResponses,
  },
});

const createRequest = defineRoute("public", {
  method: "post",
  path: "/api/access-requests",
  tags: tag,
  summary: "Ask for access without a code; a confirmation link is mailed first",
  request: {
    body: jsonBody(
      z.strictObject({
        buildingId: z.string().min(1).max(64),
        unit: z.string().trim().min(1).max(120),
        name: z.string().trim().min(1).max(120),
        email,
        locale: locale.optional(),
      }),
    ),
  },
  responses: { 202: json(accepted), ...errorResponses },
});

const verifyRequest = defineRoute("public", {
  method: "post",
  path: "/api/access-requests/verify",
  tags: tag,
  summary: "Confirm the e-mail address of an access request; it then reaches the managers",
  request: { body: jsonBody(z.strictObject({ token: z.string().min(10).max(128) })) },
  responses: { 204: { description: "Confirmed" }, ...errorResponses },
});

const ipOf = (c: { req: { header: (n: string) => string | undefined } }) =>
  c.req.header("cf-connecting-ip") ?? "unknown";

export const onboardingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(check, async (c) => {
    const r = await checkCode(c.var.deps, c.var.customer.id, ipOf(c), c.req.valid("json").code);
    return c.json(
      { ...r, expiresAt: r.expiresAt.toISOString(), places: r.places.map(({ tenancyId: _, ...p }) => p) },
      200,
    );
  })
  .openapi(signup, async (c) => {
    const app = c.var.app;
    if (!app) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
    await signUpWithCode(c.var.deps, c.var.customer, app.origin, ipOf(c), c.req.valid("json"));
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(redeem, async (c) => {
    const actor = c.var.actor;
    if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
    await redeemCode(c.var.deps, actor, ipOf(c), c.req.valid("json").code);
    return c.json(await toMe(c.var.deps, c.var.customer, c.var.sessionToken ?? ""), 200);
  })
  .openapi(search, async (c) =>
    c.json(await requests.searchBuildings(c.var.deps, c.var.customer.id, c.req.valid("query").q), 200),
  )
  .openapi(createRequest, async (c) => {
    const app = c.var.app;
    if (!app) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
    await requests.requestAccess(c.var.deps, c.var.customer, app.origin, ipOf(c), c.req.valid("json"));
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(verifyRequest, async (c) => {
    await requests.verifyAccessRequest(c.var.deps, c.var.customer.id, c.req.valid("json").token);
    return c.body(null, 204);
  });
