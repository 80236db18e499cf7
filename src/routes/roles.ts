import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ROLES, SCOPE_TYPES } from "../db/schema/people";
import * as roles from "../services/roles";
import { actorOf, defineRoute } from "./define";
import { errorResponses, id, isoDate, json, jsonBody, pick } from "./schemas";

const tag = ["Staff"];
const roleSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    role: z.enum(ROLES),
    scopeType: z.enum(SCOPE_TYPES),
    scopeId: z.string(),
    startsOn: z.string(),
    endsOn: z.string().nullable(),
  })
  .openapi("RoleAssignment");
const ROLE_KEYS = ["id", "userId", "role", "scopeType", "scopeId", "startsOn", "endsOn"] as const;
const toRole = <T extends Record<(typeof ROLE_KEYS)[number], unknown>>(row: T) =>
  pick(row, ROLE_KEYS) as z.infer<typeof roleSchema>;

const list = defineRoute("admin", {
  method: "get",
  path: "/api/roles",
  tags: tag,
  summary: "Staff roles of the customer, with who holds them",
  responses: {
    200: json(z.array(roleSchema.extend({ name: z.string(), email: z.string() }))),
    ...errorResponses,
  },
});
const patch = defineRoute("admin", {
  method: "patch",
  path: "/api/roles/{roleId}",
  tags: tag,
  summary: "Set the last day of a staff role (the day before today ends it now; 409 LAST_ADMIN)",
  request: {
    params: z.object({ roleId: id("roleId") }),
    body: jsonBody(z.strictObject({ endsOn: isoDate.nullable() })),
  },
  responses: { 200: json(roleSchema), 409: json(z.unknown(), "Last admin"), ...errorResponses },
});

export const roleRoutes = new OpenAPIHono<AppEnv>()
  .openapi(list, async (c) => {
    const rows = await roles.listRoles(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => ({ ...toRole(r), name: r.name, email: r.email })),
      200,
    );
  })
  .openapi(patch, async (c) => {
    const row = await roles.setRoleEnd(c.var.deps, actorOf(c), c.req.valid("param").roleId, c.req.valid("json").endsOn);
    return c.json(toRole(row), 200);
  });
