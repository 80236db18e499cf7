import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import {
  confirmSubscription,
  createTopic,
  listTopics,
  myNewsletter,
  preferencesOf,
  setPreferences,
  subscribe,
  unsubscribeMe,
} from "../services/newsletter";
import { listIssues, sendIssue, subscriberCounts } from "../services/newsletter-send";
import { actorOf, defineRoute } from "./define";
import { errorResponses, json, jsonBody } from "./schemas";

/** The newsletter (R-P8, decision 0030): residents' double opt-in, the preference centre, the admin's issues. */
const token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "Not a link token");
const topicIds = z.array(z.string().min(1).max(64)).max(50);
const topicState = z.object({ id: z.string(), name: z.string(), subscribed: z.boolean() });
const mineSchema = z
  .object({
    status: z.enum(["none", "pending", "confirmed", "ended"]),
    confirmedAt: z.string().nullable(),
    receiving: z.boolean(),
    blockedBy: z.enum(["restriction", "objection", "consent-withdrawn"]).nullable(),
    topics: z.array(topicState),
  })
  .openapi("MyNewsletter");
const prefsSchema = z.object({ status: z.enum(["pending", "confirmed", "ended"]), topicIds: z.array(z.string()) });

const getMine = defineRoute("session", {
  method: "get",
  path: "/api/me/newsletter",
  tags: ["Privacy"],
  summary: "Your newsletter subscription: status, topics, and whether anything stops it (objection, restriction)",
  responses: { 200: json(mineSchema), ...errorResponses },
});
const postMine = defineRoute("session", {
  method: "post",
  path: "/api/me/newsletter",
  tags: ["Privacy"],
  summary: "Subscribe to topics: a confirmation mail is sent (double opt-in); a confirmed subscription changes topics",
  request: {
    body: jsonBody(
      z.strictObject({
        topicIds: topicIds.min(1),
        textVersion: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, "A version label such as 2026-11 or v3"),
      }),
    ),
  },
  responses: {
    202: json(z.object({ status: z.enum(["pending", "confirmed"]) }), "Pending confirmation, or topics changed"),
    ...errorResponses,
  },
});
const deleteMine = defineRoute("session", {
  method: "delete",
  path: "/api/me/newsletter",
  tags: ["Privacy"],
  summary: "Unsubscribe from every topic: the subscription ends and the newsletter consent is withdrawn",
  responses: { 204: { description: "Unsubscribed" }, ...errorResponses },
});
const postConfirm = defineRoute("public", {
  method: "post",
  path: "/api/newsletter/confirm",
  tags: ["Privacy"],
  summary: "Confirm a subscription with the token of the confirmation mail (single use, 48 hours)",
  request: { body: jsonBody(z.strictObject({ token })) },
  responses: { 204: { description: "Confirmed" }, ...errorResponses },
});
const postPreferences = defineRoute("public", {
  method: "post",
  path: "/api/newsletter/preferences",
  tags: ["Privacy"],
  summary:
    "Preference centre (no login: the token of a newsletter mail): set topics; none is unsubscribing from all. " +
    "The page's form may send one `topic-<id>: on` field per chosen topic instead of topicIds.",
  request: {
    body: jsonBody(
      z
        .object({ token, topicIds: topicIds.optional() })
        .catchall(z.literal("on"))
        .refine((b) => Object.keys(b).every((k) => k === "token" || k === "topicIds" || k.startsWith("topic-")), {
          message: "Unknown field",
        }),
    ),
  },
  responses: { 200: json(prefsSchema), ...errorResponses },
});
const postUnsubscribe = defineRoute("public", {
  method: "post",
  path: "/api/newsletter/unsubscribe",
  tags: ["Privacy"],
  summary: "Unsubscribe from all topics with the token of a newsletter mail (no login); withdraws the consent",
  request: { body: jsonBody(z.strictObject({ token })) },
  responses: { 200: json(prefsSchema), ...errorResponses },
});

const issueSchema = z
  .object({
    id: z.string(),
    topicId: z.string(),
    subject: z.string(),
    recipients: z.number().int().describe("Eligible subscribers enqueued so far (all of them once planned)"),
    sent: z.number().int().describe("Mails written so far"),
    skipped: z.number().int().describe("Planned recipients no longer eligible when their batch ran"),
    state: z
      .enum(["planning", "sending", "sent"])
      .describe("planning: not every recipient enqueued yet (goes on by itself); sending: batches running"),
    sentAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("NewsletterIssue");
const adminSchema = z
  .object({
    topics: z.array(z.object({ id: z.string(), name: z.string(), subscribers: z.number().int() })),
    issues: z.array(issueSchema),
  })
  .openapi("NewsletterAdmin");
const getAdmin = defineRoute("admin", {
  method: "get",
  path: "/api/admin/newsletter",
  tags: ["Admin"],
  summary: "Newsletter topics with their number of confirmed subscribers, and the issues sent",
  responses: { 200: json(adminSchema), ...errorResponses },
});
const postTopic = defineRoute("admin", {
  method: "post",
  path: "/api/admin/newsletter/topics",
  tags: ["Admin"],
  summary: "Add a newsletter topic",
  request: { body: jsonBody(z.strictObject({ name: z.string().trim().min(1).max(80) })) },
  responses: { 201: json(z.object({ id: z.string(), name: z.string() }), "Created"), ...errorResponses },
});
const postIssue = defineRoute("admin", {
  method: "post",
  path: "/api/admin/newsletter/issues",
  tags: ["Admin"],
  summary:
    "Send an issue of a topic: only to confirmed subscribers with consent, not restricted, not objecting to marketing. " +
    "The mails are written by a queue in batches (202); each recipient is checked again when their batch runs",
  request: {
    body: jsonBody(
      z.strictObject({
        topicId: z.string().min(1).max(64),
        subject: z.string().trim().min(1).max(150),
        body: z.string().trim().min(1).max(20_000),
      }),
    ),
  },
  responses: {
    202: json(
      issueSchema,
      "Accepted: queued, or still planning (goes on by itself); progress in GET /api/admin/newsletter",
    ),
    ...errorResponses,
  },
});

const ipOf = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "unknown";
function originOf(c: Context<AppEnv>) {
  const app = c.var.app;
  if (!app) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
  return app.origin;
}

export const newsletterRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getMine, async (c) => c.json(await myNewsletter(c.var.deps, actorOf(c)), 200))
  .openapi(postMine, async (c) => {
    const r = await subscribe(c.var.deps, actorOf(c), c.req.valid("json"), ipOf(c), originOf(c));
    return c.json(r, 202);
  })
  .openapi(deleteMine, async (c) => {
    await unsubscribeMe(c.var.deps, actorOf(c));
    return c.body(null, 204);
  })
  .openapi(postConfirm, async (c) => {
    await confirmSubscription(c.var.deps, c.var.customer.id, c.req.valid("json").token, ipOf(c));
    return c.body(null, 204);
  })
  .openapi(postPreferences, async (c) => {
    const body = c.req.valid("json");
    const fromForm = Object.keys(body)
      .filter((k) => k.startsWith("topic-"))
      .map((k) => k.slice("topic-".length));
    const ids = [...(body.topicIds ?? []), ...fromForm];
    return c.json(await setPreferences(c.var.deps, c.var.customer.id, body.token, ids), 200);
  })
  .openapi(postUnsubscribe, async (c) => {
    const { token: t } = c.req.valid("json");
    const prefs = await preferencesOf(c.var.deps, c.var.customer.id, t);
    if (prefs.status !== "confirmed") return c.json({ status: prefs.status, topicIds: [] }, 200);
    return c.json(await setPreferences(c.var.deps, c.var.customer.id, t, []), 200);
  })
  .openapi(getAdmin, async (c) => {
    const deps = c.var.deps;
    const customerId = actorOf(c).customerId;
    const counts = await subscriberCounts(deps, customerId);
    const topics = (await listTopics(deps, customerId)).map((t) => ({ ...t, subscribers: counts.get(t.id) ?? 0 }));
    return c.json({ topics, issues: await listIssues(deps, customerId) }, 200);
  })
  .openapi(postTopic, async (c) => {
    return c.json(await createTopic(c.var.deps, actorOf(c).customerId, c.req.valid("json").name), 201);
  })
  .openapi(postIssue, async (c) => {
    return c.json(await sendIssue(c.var.deps, actorOf(c).customerId, c.req.valid("json"), originOf(c)), 202);
  });
