import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, Deps } from "../app-env";
import { RESTRICTION_KINDS } from "../db/schema/privacy";
import { clearSessionCookie } from "../middleware/session";
import type { Actor } from "../services/actor";
import { dsrEvents, listDsrs, retryDsr } from "../services/dsr";
import { requestErasure } from "../services/erasure";
import { subjectOf } from "../services/privacy-data";
import { lift, myRequests, myRestrictions, restrict } from "../services/privacy-requests";
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

const myRequestSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    state: z.string(),
    receivedAt: z.string(),
    dueAt: z.string(),
    doneAt: z.string().nullable(),
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
  .openapi(postRetry, async (c) => {
    const { requestId } = c.req.valid("param");
    const actor = actorOf(c);
    return c.json(await retryDsr(c.var.deps, actor.customerId, requestId, actor.userId), 200);
  });
