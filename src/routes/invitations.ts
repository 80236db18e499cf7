import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import * as requests from "../services/access-requests";
import { inviteNeighbour, listMyInvitations, withdrawInvitation } from "../services/invitations";
import { codeSchema, toCodeDto } from "./codes";
import { actorOf, defineRoute } from "./define";
import { email, errorResponses, id, json, jsonBody } from "./schemas";

const create = defineRoute("session", {
  method: "post",
  path: "/api/invitations",
  tags: ["Invitations"],
  summary: "Invite a flatmate or family member into your home (5 per day; the customer can switch it off)",
  request: {
    body: jsonBody(
      z.strictObject({
        email,
        name: z.string().trim().min(1).max(120).optional(),
        tenancyId: z.string().min(1).max(64).optional(),
      }),
    ),
  },
  responses: { 201: json(codeSchema, "Sent"), ...errorResponses },
});
const list = defineRoute("session", {
  method: "get",
  path: "/api/invitations",
  tags: ["Invitations"],
  summary: "Your pending invitations",
  responses: { 200: json(z.array(codeSchema)), ...errorResponses },
});
const withdraw = defineRoute("session", {
  method: "delete",
  path: "/api/invitations/{codeId}",
  tags: ["Invitations"],
  summary: "Withdraw a pending invitation",
  request: { params: z.object({ codeId: id("codeId") }) },
  responses: { 204: { description: "Withdrawn" }, ...errorResponses },
});

const requestSchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    unit: z.string(),
    name: z.string(),
    email: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi("AccessRequest");
const queue = defineRoute("staff", {
  method: "get",
  path: "/api/access-requests",
  tags: ["Onboarding"],
  summary: "Open access requests for the buildings you manage, oldest first",
  responses: { 200: json(z.array(requestSchema)), ...errorResponses },
});
const approve = defineRoute("staff", {
  method: "post",
  path: "/api/access-requests/{requestId}/approve",
  tags: ["Onboarding"],
  summary: "Approve: choose the tenancy; the requester gets a code by e-mail",
  request: {
    params: z.object({ requestId: id("requestId") }),
    body: jsonBody(z.strictObject({ tenancyId: z.string().min(1).max(64) })),
  },
  responses: { 200: json(z.object({ requestId: z.string(), codeId: z.string() })), ...errorResponses },
});
const reject = defineRoute("staff", {
  method: "post",
  path: "/api/access-requests/{requestId}/reject",
  tags: ["Onboarding"],
  summary: "Reject with a reason that is mailed to the requester",
  request: {
    params: z.object({ requestId: id("requestId") }),
    body: jsonBody(z.strictObject({ reason: z.string().trim().min(1).max(1000) })),
  },
  responses: { 204: { description: "Rejected" }, ...errorResponses },
});

const originOf = (c: { var: { app: { origin: string } | undefined } }) => c.var.app?.origin ?? "";

export const invitationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(create, async (c) => {
    const code = await inviteNeighbour(c.var.deps, actorOf(c), c.var.customer, originOf(c), c.req.valid("json"));
    return c.json(toCodeDto(code, c.var.deps.now()), 201);
  })
  .openapi(list, async (c) => {
    const rows = await listMyInvitations(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => toCodeDto(r, c.var.deps.now())),
      200,
    );
  })
  .openapi(withdraw, async (c) => {
    await withdrawInvitation(c.var.deps, actorOf(c), c.req.valid("param").codeId);
    return c.body(null, 204);
  })
  .openapi(queue, async (c) => {
    const rows = await requests.listOpenRequests(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => ({
        id: r.id,
        buildingId: r.buildingId,
        unit: r.unitText,
        name: r.name,
        email: r.email,
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt.toISOString(),
      })),
      200,
    );
  })
  .openapi(approve, async (c) => {
    const { requestId } = c.req.valid("param");
    return c.json(
      await requests.approveAccessRequest(
        c.var.deps,
        actorOf(c),
        c.var.customer,
        originOf(c),
        requestId,
        c.req.valid("json").tenancyId,
      ),
      200,
    );
  })
  .openapi(reject, async (c) => {
    await requests.rejectAccessRequest(
      c.var.deps,
      actorOf(c),
      c.var.customer,
      c.req.valid("param").requestId,
      c.req.valid("json").reason,
    );
    return c.body(null, 204);
  });
