import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, Deps } from "../app-env";
import {
  DSR_CHANNELS,
  DSR_REJECTION_REASONS,
  DSR_VERIFICATION_METHODS,
  RECTIFICATION_FIELDS,
} from "../db/schema/dsr-details";
import { DSR_KINDS, RESTRICTION_KINDS } from "../db/schema/privacy";
import { clearSessionCookie } from "../middleware/session";
import type { Actor } from "../services/actor";
import {
  actOnStaffRequest,
  decideIdentity,
  dsrEvents,
  listDsrs,
  openStaffExport,
  recordStaffRequest,
  retryDsr,
} from "../services/dsr";
import { requestErasure } from "../services/erasure";
import { subjectOf } from "../services/privacy-data";
import { lift, myRequests, myRestrictions, restrict } from "../services/privacy-requests";
import { restrictionToRooms } from "../services/rooms";
import { actorOf, defineRoute } from "./define";
import { errorResponses, errorSchema, id, isoOrNull, json, jsonBody } from "./schemas";

/** Erasure of one's account (R-P4) and the admins' queue of data subject requests (R-P15). */
const stepSchema = z.object({ store: z.string(), state: z.string(), attempts: z.number() });
const erasureSchema = z
  .object({ requestId: z.string(), state: z.string(), dueAt: z.string(), steps: z.array(stepSchema) })
  .openapi("ErasureRequest");

const dsrSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: z.string(),
    origin: z.string(),
    state: z.string(),
    needsPerson: z.boolean(),
    channel: z.string().nullable(),
    verificationMethod: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    receivedAt: z.string(),
    dueAt: z.string(),
    doneAt: z.string().nullable(),
    steps: z.object({ total: z.number(), done: z.number(), failed: z.number(), held: z.number() }),
  })
  .openapi("DataSubjectRequest");

const eventSchema = z.object({
  at: z.string(),
  action: z.string(),
  store: z.string().nullable(),
  actorId: z.string().nullable(),
});

const postErasure = defineRoute("session", {
  method: "post",
  path: "/api/me/erasure",
  tags: ["Privacy"],
  summary:
    "Erase your account and everything held about you (enter your password again). The account closes at once; " +
    "the erasure completes store by store",
  request: { body: jsonBody(z.strictObject({ password: z.string().min(1).max(256) })) },
  responses: {
    202: json(erasureSchema, "Accepted: the account is closed, erasure in progress or done"),
    ...errorResponses,
    409: {
      description: "LAST_ADMIN: appoint another admin first",
      content: { "application/json": { schema: errorSchema } },
    },
  },
});

const getDsrs = defineRoute("admin", {
  method: "get",
  path: "/api/dsr",
  tags: ["Privacy"],
  summary: "Data subject requests of your customer, those needing a person first, then by due date",
  request: { query: z.object({ open: z.enum(["true", "false"]).optional() }) },
  responses: { 200: json(z.object({ requests: z.array(dsrSchema) })), ...errorResponses },
});

const getDsrEvents = defineRoute("admin", {
  method: "get",
  path: "/api/dsr/{requestId}/events",
  tags: ["Privacy"],
  summary: "Audit trail of one request (ids and actions only)",
  request: { params: z.object({ requestId: id("requestId") }) },
  responses: { 200: json(z.object({ events: z.array(eventSchema) })), ...errorResponses },
});

const postRetry = defineRoute("admin", {
  method: "post",
  path: "/api/dsr/{requestId}/retry",
  tags: ["Privacy"],
  summary: "Retry the failed steps of an open erasure now",
  request: { params: z.object({ requestId: id("requestId") }) },
  responses: { 200: json(z.object({ rearmed: z.number() })), ...errorResponses },
});

const postStaffRequest = defineRoute("admin", {
  method: "post",
  path: "/api/dsr",
  tags: ["Privacy"],
  summary:
    "Record a request that reached you outside the app (letter, call, e-mail, in person) for one account of your " +
    "customer: received now (or at receivedAt), identity still to be checked, due in one month (EU) or 30 days (CH)",
  request: {
    body: jsonBody(
      z.strictObject({
        userId: id("userId"),
        kind: z.enum(DSR_KINDS),
        channel: z.enum(DSR_CHANNELS).exclude(["app"]),
        receivedAt: z.iso.datetime().optional(),
      }),
    ),
  },
  responses: {
    201: json(z.object({ id: z.string(), state: z.string(), dueAt: z.string() }), "Recorded"),
    ...errorResponses,
  },
});

const postIdentity = defineRoute("admin", {
  method: "post",
  path: "/api/dsr/{requestId}/identity",
  tags: ["Privacy"],
  summary: "Decide the identity check of a request you recorded: verified (how, as a code) or rejected (why, a code)",
  request: {
    params: z.object({ requestId: id("requestId") }),
    body: jsonBody(
      z.discriminatedUnion("verified", [
        z.strictObject({ verified: z.literal(true), method: z.enum(DSR_VERIFICATION_METHODS) }),
        z.strictObject({ verified: z.literal(false), reason: z.enum(DSR_REJECTION_REASONS) }),
      ]),
    ),
  },
  responses: { 200: json(z.object({ state: z.enum(["verified", "rejected"]) })), ...errorResponses },
});

const postAct = defineRoute("admin", {
  method: "post",
  path: "/api/dsr/{requestId}/act",
  tags: ["Privacy"],
  summary:
    "Fulfil a verified request you recorded: access/export build the ZIP, erasure starts the erasure, restriction " +
    "and objection take effect, rectification records the corrected fields. IDENTITY_NOT_VERIFIED before the check",
  request: {
    params: z.object({ requestId: id("requestId") }),
    body: jsonBody(
      z.strictObject({
        fields: z.array(z.enum(RECTIFICATION_FIELDS)).min(1).max(RECTIFICATION_FIELDS.length).optional(),
        objection: z.enum(["objection-marketing", "objection-legitimate-interest"]).optional(),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({
        state: z.string(),
        exportId: z.string().optional(),
        erasure: z.object({ steps: z.number(), done: z.number() }).optional(),
      }),
    ),
    ...errorResponses,
  },
});

const getStaffExport = defineRoute("admin", {
  method: "get",
  path: "/api/dsr/{requestId}/export",
  tags: ["Privacy"],
  summary: "Download the ZIP built for an access or export request you recorded, to hand it over (7 days)",
  request: { params: z.object({ requestId: id("requestId") }) },
  responses: {
    200: {
      description: "The ZIP",
      content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    410: { description: "Expired", content: { "application/json": { schema: errorSchema } } },
    ...errorResponses,
  },
});

const myRequestSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    state: z.string(),
    receivedAt: z.string(),
    dueAt: z.string(),
    doneAt: z.string().nullable(),
    /** Rectification: the corrected fields as codes (never values). */
    fields: z.array(z.string()),
  })
  .openapi("MyPrivacyRequest");
const restrictionsSchema = z
  .object({ restrictions: z.array(z.object({ kind: z.enum(RESTRICTION_KINDS), since: z.string() })) })
  .openapi("MyRestrictions");

const getMyRequests = defineRoute("session", {
  method: "get",
  path: "/api/me/privacy-requests",
  tags: ["Privacy"],
  summary: "Your data subject requests with their state and due date",
  responses: { 200: json(z.object({ requests: z.array(myRequestSchema) })), ...errorResponses },
});

const getRestrictions = defineRoute("session", {
  method: "get",
  path: "/api/me/restrictions",
  tags: ["Privacy"],
  summary: "Your active restriction of processing and objections",
  responses: { 200: json(restrictionsSchema), ...errorResponses },
});

const postRestriction = defineRoute("session", {
  method: "post",
  path: "/api/me/restrictions",
  tags: ["Privacy"],
  summary:
    "Restrict processing of your data (kind restriction), or object to direct marketing (objection-marketing) or " +
    "to processing based on legitimate interest (objection-legitimate-interest); active: false lifts it. At once",
  request: { body: jsonBody(z.strictObject({ kind: z.enum(RESTRICTION_KINDS), active: z.boolean() })) },
  responses: { 200: json(restrictionsSchema), ...errorResponses },
});

const restrictionsOf = async (deps: Deps, actor: Actor) => {
  const rows = await myRestrictions(deps, subjectOf(actor, deps));
  return { restrictions: rows.map((r) => ({ kind: r.kind, since: r.since.toISOString() })) };
};

export const privacyRequestRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getMyRequests, async (c) => {
    const deps = c.var.deps;
    const rows = await myRequests(deps, subjectOf(actorOf(c), deps));
    const requests = rows.map((r) => ({
      ...r,
      receivedAt: r.receivedAt.toISOString(),
      dueAt: r.dueAt.toISOString(),
      doneAt: isoOrNull(r.doneAt),
    }));
    return c.json({ requests }, 200);
  })
  .openapi(getRestrictions, async (c) => c.json(await restrictionsOf(c.var.deps, actorOf(c)), 200))
  .openapi(postRestriction, async (c) => {
    const deps = c.var.deps;
    const { kind, active } = c.req.valid("json");
    const subject = subjectOf(actorOf(c), deps);
    if (active) await restrict(deps, subject, kind);
    else await lift(deps, subject, kind);
    await restrictionToRooms(deps, subject, kind);
    return c.json(await restrictionsOf(deps, actorOf(c)), 200);
  })
  .openapi(postErasure, async (c) => {
    const deps = c.var.deps;
    const { password } = c.req.valid("json");
    const r = await requestErasure(deps, subjectOf(actorOf(c), deps), password);
    clearSessionCookie(c);
    return c.json({ ...r, dueAt: r.dueAt.toISOString() }, 202);
  })
  .openapi(getDsrs, async (c) => {
    const { open } = c.req.valid("query");
    const rows = await listDsrs(c.var.deps, actorOf(c).customerId, { open: open === "true" });
    const requests = rows.map((r) => ({
      ...r,
      receivedAt: r.receivedAt.toISOString(),
      dueAt: r.dueAt.toISOString(),
      doneAt: isoOrNull(r.doneAt),
    }));
    return c.json({ requests }, 200);
  })
  .openapi(getDsrEvents, async (c) => {
    const { requestId } = c.req.valid("param");
    const rows = await dsrEvents(c.var.deps, actorOf(c).customerId, requestId);
    return c.json({ events: rows.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
  })
  .openapi(postStaffRequest, async (c) => {
    const body = c.req.valid("json");
    const actor = actorOf(c);
    const deps = c.var.deps;
    const r = await recordStaffRequest(deps, actor.customerId, actor.userId, {
      userId: body.userId,
      kind: body.kind,
      channel: body.channel,
      ...(body.receivedAt ? { receivedAt: new Date(body.receivedAt) } : {}),
    });
    return c.json({ id: r.id, state: "received", dueAt: r.dueAt.toISOString() }, 201);
  })
  .openapi(postIdentity, async (c) => {
    const { requestId } = c.req.valid("param");
    const actor = actorOf(c);
    return c.json(
      await decideIdentity(c.var.deps, actor.customerId, requestId, actor.userId, c.req.valid("json")),
      200,
    );
  })
  .openapi(postAct, async (c) => {
    const { requestId } = c.req.valid("param");
    const body = c.req.valid("json");
    const actor = actorOf(c);
    const r = await actOnStaffRequest(c.var.deps, actor.customerId, requestId, actor.userId, {
      ...(body.fields ? { fields: body.fields } : {}),
      ...(body.objection ? { objection: body.objection } : {}),
    });
    return c.json(r, 200);
  })
  .openapi(getStaffExport, async (c) => {
    const { requestId } = c.req.valid("param");
    const file = await openStaffExport(c.var.deps, actorOf(c).customerId, requestId);
    const day = file.createdAt.toISOString().slice(0, 10);
    return c.body(file.body, 200, {
      "content-type": "application/zip",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename="quartier-export-${day}.zip"`,
      "cache-control": "no-store",
    });
  })
  .openapi(postRetry, async (c) => {
    const { requestId } = c.req.valid("param");
    const actor = actorOf(c);
    return c.json(await retryDsr(c.var.deps, actor.customerId, requestId, actor.userId), 200);
  });
