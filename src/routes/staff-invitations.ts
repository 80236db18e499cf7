import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ROLES } from "../db/schema/people";
import { STAFF_SCOPE_TYPES, type StaffInvitation } from "../db/schema/staff-invitations";
import {
  listStaffInvitations,
  resendStaffInvitation,
  revokeStaffInvitation,
} from "../services/staff-invitation-manage";
import { inviteStaff } from "../services/staff-invitations";
import { actorOf, defineRoute } from "./define";
import { email, errorResponses, id, json, jsonBody, locale, pick } from "./schemas";

/** Customer admin: invite new managers by e-mail, list, resend and revoke (decision 0039). */
const tag = ["Staff"];
const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    language: locale,
    role: z.enum(ROLES),
    scopeType: z.enum(STAFF_SCOPE_TYPES),
    scopeId: z.string(),
    status: z.enum(["pending", "expired"]),
    expiresAt: z.string(),
    sentAt: z.string(),
    sendCount: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("StaffInvitation");
const grantedSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    scopeType: z.enum(STAFF_SCOPE_TYPES),
    scopeId: z.string(),
    startsOn: z.string(),
    endsOn: z.string().nullable(),
  })
  .openapi("StaffRoleGranted");
const GRANT_KEYS = ["id", "userId", "name", "email", "role", "scopeType", "scopeId", "startsOn", "endsOn"] as const;

/** Never the token or its hash: the link exists only in the mail. */
function toDto(r: StaffInvitation, now: Date): z.infer<typeof invitationSchema> {
  return {
    ...pick(r, ["id", "email", "name", "role", "scopeType", "scopeId", "sendCount"]),
    language: r.locale,
    status: r.expiresAt.getTime() > now.getTime() ? "pending" : "expired",
    expiresAt: r.expiresAt.toISOString(),
    sentAt: r.sentAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
  };
}

const name = z.string().trim().min(1).max(120);
const create = defineRoute("admin", {
  method: "post",
  path: "/api/staff-invitations",
  tags: tag,
  summary:
    "Invite a manager or admin by e-mail (a single-use link valid 7 days); an address with an active account of the customer gets the role at once",
  request: {
    body: jsonBody(
      z.strictObject({
        email,
        name: name.optional(),
        role: z.enum(ROLES),
        scopeType: z.enum(STAFF_SCOPE_TYPES),
        scopeId: z.string().min(1).max(64).optional(),
        language: locale.optional(),
      }),
    ),
  },
  responses: {
    201: json(z.object({ outcome: z.literal("invited"), invitation: invitationSchema }), "Invitation mailed"),
    200: json(z.object({ outcome: z.literal("granted"), role: grantedSchema }), "Existing account: role given"),
    409: json(z.unknown(), "A pending invitation for this address, role and scope (INVITATION_PENDING)"),
    ...errorResponses,
  },
});
const list = defineRoute("admin", {
  method: "get",
  path: "/api/staff-invitations",
  tags: tag,
  summary: "Open staff invitations of the customer (pending and expired), newest first",
  responses: { 200: json(z.array(invitationSchema)), ...errorResponses },
});
const params = { params: z.object({ invitationId: id("invitationId") }) };
const resend = defineRoute("admin", {
  method: "post",
  path: "/api/staff-invitations/{invitationId}/resend",
  tags: tag,
  summary: "Mail the invitation again with a new link valid 7 days (the earlier link stops working)",
  request: params,
  responses: {
    200: json(invitationSchema),
    410: json(z.unknown(), "Accepted or revoked (INVITATION_ENDED)"),
    ...errorResponses,
  },
});
const revoke = defineRoute("admin", {
  method: "delete",
  path: "/api/staff-invitations/{invitationId}",
  tags: tag,
  summary: "Revoke an invitation; its link stops working",
  request: params,
  responses: {
    204: { description: "Revoked" },
    410: json(z.unknown(), "Already accepted (INVITATION_ENDED)"),
    ...errorResponses,
  },
});

const originOf = (c: { var: { app: { origin: string } | undefined } }) => c.var.app?.origin ?? "";

export const staffInvitationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(create, async (c) => {
    const r = await inviteStaff(c.var.deps, actorOf(c), c.var.customer, originOf(c), c.req.valid("json"));
    if (r.outcome === "granted") return c.json({ outcome: r.outcome, role: pick(r.role, GRANT_KEYS) }, 200);
    return c.json({ outcome: r.outcome, invitation: toDto(r.invitation, c.var.deps.now()) }, 201);
  })
  .openapi(list, async (c) => {
    const rows = await listStaffInvitations(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => toDto(r, c.var.deps.now())),
      200,
    );
  })
  .openapi(resend, async (c) => {
    const { invitationId } = c.req.valid("param");
    const row = await resendStaffInvitation(c.var.deps, actorOf(c), c.var.customer, originOf(c), invitationId);
    return c.json(toDto(row, c.var.deps.now()), 200);
  })
  .openapi(revoke, async (c) => {
    await revokeStaffInvitation(c.var.deps, actorOf(c), c.req.valid("param").invitationId);
    return c.body(null, 204);
  });
