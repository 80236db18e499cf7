import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { MASTER_DATA_ENTITIES } from "../db/schema/changes";
import { ATTEMPT_OUTCOMES, WEBHOOK_DELIVERY_STATES, type WebhookEndpoint } from "../db/schema/webhooks";
import { AppError } from "../lib/errors";
import * as webhooks from "../services/webhooks";
import { actorOf, defineApiRoute, defineRoute } from "./define";
import { errorResponses, id, isoOrNull, json, jsonBody } from "./schemas";

const tags = ["Webhooks"];
export const WEBHOOK_SIGNATURE_DOC =
  "Deliveries are POSTs of a thin JSON payload {type, timestamp, data:{entity, action, id, externalId, relatedId?}} " +
  "signed the Standard Webhooks way: headers webhook-id (the message id; dedupe on it, retries keep it), " +
  "webhook-timestamp (Unix seconds) and webhook-signature: space-separated `v1,<base64 HMAC-SHA256>` over " +
  '"<webhook-id>.<webhook-timestamp>.<raw body>" with the base64-decoded part of the endpoint secret `whsec_<base64>` ' +
  "(two signatures for 24 hours after a rotation). Reject timestamps older than 5 minutes. Answer 2xx within 10 s; " +
  "redirects are not followed. Failed messages are retried after 1 min, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h " +
  "(8 attempts, about 28 h); an endpoint whose message failed for good with no success since that message's first " +
  "attempt is disabled. Restricted or erased people are never sent. Fetch details through the API.";

const entity = z.enum(MASTER_DATA_ENTITIES);
const url = z.string().trim().min(1).max(2048).openapi({ example: "https://erp.example.com/hooks/quartier" });
const fields = {
  url,
  description: z.string().trim().max(200).nullable().optional(),
  entities: z.array(entity).min(1).max(MASTER_DATA_ENTITIES.length),
  enabled: z.boolean().optional(),
};
const createInput = z.strictObject(fields);
const patchInput = z.strictObject({ ...fields, url: url.optional(), entities: fields.entities.optional() });

const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    entities: z.array(entity),
    enabled: z.boolean(),
    disabledReason: z.enum(["failing", "manual"]).nullable(),
    failingSince: z.string().nullable(),
    previousSecretValidUntil: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Webhook");
const withSecret = webhookSchema
  .extend({ secret: z.string().openapi({ description: "Shown once: whsec_<base64 of 32 bytes>" }) })
  .openapi("WebhookWithSecret");
const deliverySchema = z
  .object({
    id: z.string().openapi({ description: "The webhook-id header of the message" }),
    changeId: z.string(),
    type: z.string().openapi({ example: "unit.updated" }),
    state: z.enum(WEBHOOK_DELIVERY_STATES),
    attempts: z.number(),
    lastStatus: z.number().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
    log: z.array(
      z.object({
        attempt: z.number(),
        outcome: z.enum(ATTEMPT_OUTCOMES),
        status: z.number().nullable(),
        durationMs: z.number(),
        attemptedAt: z.string(),
      }),
    ),
  })
  .openapi("WebhookDelivery");

const toDto = (r: WebhookEndpoint): z.infer<typeof webhookSchema> => ({
  id: r.id,
  url: r.url,
  description: r.description,
  entities: webhooks.entitiesOf(r),
  enabled: r.enabled,
  disabledReason: r.disabledReason,
  failingSince: isoOrNull(r.failingSince),
  previousSecretValidUntil: r.previousSecret ? isoOrNull(r.previousSecretExpiresAt) : null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});
type DeliveryRow = Awaited<ReturnType<typeof webhooks.listDeliveries>>[number];
const toDelivery = (d: DeliveryRow): z.infer<typeof deliverySchema> => ({
  id: d.id,
  changeId: d.changeId,
  type: `${d.entity}.${d.action}`,
  state: d.state,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  nextAttemptAt: d.state === "pending" ? d.nextAttemptAt.toISOString() : null,
  createdAt: d.createdAt.toISOString(),
  completedAt: isoOrNull(d.completedAt),
  log: d.log.map((a) => ({
    attempt: a.attempt,
    outcome: a.outcome,
    status: a.status,
    durationMs: a.durationMs,
    attemptedAt: a.attemptedAt.toISOString(),
  })),
});

const param = z.object({ webhookId: id("webhookId") });

/** The five operations, once for customer admins (/api/webhooks) and once for integrators (/api/v1/webhooks). */
function routesAt(base: string, define: <R extends Parameters<typeof defineRoute>[1]>(config: R) => R) {
  const item = `${base}/{webhookId}`;
  return {
    list: define({
      method: "get",
      path: base,
      tags,
      summary: "Webhook endpoints (secrets are never listed)",
      description: WEBHOOK_SIGNATURE_DOC,
      responses: { 200: json(z.array(webhookSchema)), ...errorResponses },
    }),
    create: define({
      method: "post",
      path: base,
      tags,
      summary: "Subscribe an endpoint to master-data changes; the signing secret is shown once",
      description: `Production targets must be https on a public host name (no IP literals, localhost or local names). ${WEBHOOK_SIGNATURE_DOC}`,
      request: { body: jsonBody(createInput) },
      responses: { 201: json(withSecret, "Created"), ...errorResponses },
    }),
    update: define({
      method: "patch",
      path: item,
      tags,
      summary: "Change URL, description, entities or enabled (enabling restarts a disabled endpoint)",
      request: { params: param, body: jsonBody(patchInput) },
      responses: { 200: json(webhookSchema), ...errorResponses },
    }),
    remove: define({
      method: "delete",
      path: item,
      tags,
      summary: "Delete an endpoint with its delivery log",
      request: { params: param },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    rotate: define({
      method: "post",
      path: `${item}/secret`,
      tags,
      summary: "Rotate the signing secret (shown once); the old one also signs for 24 hours",
      request: { params: param },
      responses: { 200: json(withSecret), ...errorResponses },
    }),
    deliveries: define({
      method: "get",
      path: `${item}/deliveries`,
      tags,
      summary: "The 50 most recent deliveries with every attempt (status and duration; no bodies)",
      request: { params: param },
      responses: { 200: json(z.array(deliverySchema)), ...errorResponses },
    }),
  };
}

function mount(r: ReturnType<typeof routesAt>, ownerOf: (c: Context<AppEnv>) => webhooks.WebhookOwner) {
  return new OpenAPIHono<AppEnv>()
    .openapi(r.list, async (c) => c.json((await webhooks.listEndpoints(c.var.deps, ownerOf(c))).map(toDto), 200))
    .openapi(r.create, async (c) => {
      const { endpoint, secret } = await webhooks.createEndpoint(c.var.deps, ownerOf(c), c.req.valid("json"));
      return c.json({ ...toDto(endpoint), secret }, 201);
    })
    .openapi(r.update, async (c) => {
      const row = await webhooks.updateEndpoint(
        c.var.deps,
        ownerOf(c),
        c.req.valid("param").webhookId,
        c.req.valid("json"),
      );
      return c.json(toDto(row), 200);
    })
    .openapi(r.remove, async (c) => {
      await webhooks.deleteEndpoint(c.var.deps, ownerOf(c), c.req.valid("param").webhookId);
      return c.body(null, 204);
    })
    .openapi(r.rotate, async (c) => {
      const { endpoint, secret } = await webhooks.rotateSecret(c.var.deps, ownerOf(c), c.req.valid("param").webhookId);
      return c.json({ ...toDto(endpoint), secret }, 200);
    })
    .openapi(r.deliveries, async (c) => {
      const rows = await webhooks.listDeliveries(c.var.deps, ownerOf(c), c.req.valid("param").webhookId);
      return c.json(rows.map(toDelivery), 200);
    });
}

/** Customer admins manage every endpoint of their customer (R-I3). */
export const webhookRoutes = mount(
  routesAt("/api/webhooks", (config) => defineRoute("admin", config) as typeof config),
  (c) => ({ customerId: actorOf(c).customerId }),
);

/** Integrator clients manage the endpoints they registered themselves. */
export const apiV1WebhookRoutes = mount(
  routesAt(
    "/api/v1/webhooks",
    (config) => defineApiRoute({ scope: "master-data:read", staff: true }, config) as typeof config,
  ),
  (c) => {
    const client = c.var.apiClient;
    if (!client) throw new AppError("UNAUTHENTICATED", "A valid bearer token is required.");
    return { customerId: client.customerId, clientId: client.clientId };
  },
);
