import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ROLES } from "../db/schema/people";
import { grantRole } from "../services/role-grants";
import { actorOf, defineRoute } from "./define";
import { email, errorResponses, isoDate, json, jsonBody, pick } from "./schemas";

/** Customer admin: give an account of the customer a staff role (listing and ending: routes/roles.ts). */
const granted = z
  .object({
    id: z.string(),
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    scopeType: z.enum(["customer", "property", "building"]),
    scopeId: z.string(),
    startsOn: z.string(),
    endsOn: z.string().nullable(),
  })
  .openapi("GrantedRole");
const KEYS = ["id", "userId", "name", "email", "role", "scopeType", "scopeId", "startsOn", "endsOn"] as const;

const grant = defineRoute("admin", {
  method: "post",
  path: "/api/roles",
  tags: ["Staff"],
  summary: "Give an account of the customer a staff role: admin of the customer, manager of a property or building",
  request: {
    body: jsonBody(
      z.strictObject({
        email,
        role: z.enum(ROLES),
        scopeType: z.enum(["customer", "property", "building"]),
        scopeId: z.string().min(1).max(64).optional(),
        startsOn: isoDate.optional(),
        endsOn: isoDate.nullable().optional(),
      }),
    ),
  },
  responses: { 201: json(granted, "Granted"), ...errorResponses },
});

export const adminRoleRoutes = new OpenAPIHono<AppEnv>().openapi(grant, async (c) => {
  const row = await grantRole(c.var.deps, actorOf(c), c.req.valid("json"));
  return c.json(pick(row, KEYS), 201);
});
