import { and, desc, eq, inArray, type SQL } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { MasterDataEntity } from "../db/schema/changes";
import { type WebhookEndpoint, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema/webhooks";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { DAY } from "../lib/time";
import { newWebhookSecret } from "./webhook-signing";
import { checkWebhookUrl } from "./webhook-url";

/** After a rotation the previous secret keeps signing for a day, so receivers can switch without loss. */
export const PREVIOUS_SECRET_GRACE_MS = DAY;
/** A customer has at most this many endpoints (each one costs a fan-out query per minute). */
export const MAX_ENDPOINTS_PER_CUSTOMER = 20;

/**
 * Whose endpoints a caller manages: a customer admin every endpoint of the customer; an integrator
 * client only those it registered itself (clientId set).
 */
export interface WebhookOwner {
  customerId: string;
  clientId?: string;
}

export interface EndpointInput {
  url: string;
  description?: string | null;
  entities: MasterDataEntity[];
  enabled?: boolean;
}

function ownedBy(owner: WebhookOwner, id?: string): SQL | undefined {
  return and(
    eq(webhookEndpoints.customerId, owner.customerId),
    owner.clientId === undefined ? undefined : eq(webhookEndpoints.clientId, owner.clientId),
    id === undefined ? undefined : eq(webhookEndpoints.id, id),
  );
}

async function getOwned(deps: Deps, owner: WebhookOwner, id: string): Promise<WebhookEndpoint> {
  const [row] = await deps.db.select().from(webhookEndpoints).where(ownedBy(owner, id));
  if (!row) throw notFound("Webhook");
  return row;
}

export async function listEndpoints(deps: Deps, owner: WebhookOwner): Promise<WebhookEndpoint[]> {
  return deps.db.select().from(webhookEndpoints).where(ownedBy(owner)).orderBy(webhookEndpoints.createdAt);
}

/** Creates an endpoint; the returned secret is shown this once. Only changes after now are sent. */
export async function createEndpoint(deps: Deps, owner: WebhookOwner, input: EndpointInput) {
  const url = checkWebhookUrl(input.url, deps.config).toString();
  const existing = await deps.db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.customerId, owner.customerId));
  if (existing.length >= MAX_ENDPOINTS_PER_CUSTOMER) {
    throw new AppError("VALIDATION_FAILED", `At most ${MAX_ENDPOINTS_PER_CUSTOMER} webhook endpoints per customer.`);
  }
  const now = deps.now();
  const secret = newWebhookSecret();
  const [row] = await deps.db
    .insert(webhookEndpoints)
    .values({
      id: newId(),
      customerId: owner.customerId,
      clientId: owner.clientId ?? null,
      url,
      description: input.description ?? null,
      entities: JSON.stringify([...new Set(input.entities)]),
      enabled: input.enabled ?? true,
      disabledReason: input.enabled === false ? "manual" : null,
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      cursorAt: now,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { endpoint: row as WebhookEndpoint, secret };
}

/**
 * Changes URL, description, entities or enabled. Enabling clears the failure streak; deliveries that
 * waited while the endpoint was disabled are sent again, and changes since are fanned out.
 */
export async function updateEndpoint(deps: Deps, owner: WebhookOwner, id: string, patch: Partial<EndpointInput>) {
  const current = await getOwned(deps, owner, id);
  const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: deps.now() };
  if (patch.url !== undefined) set.url = checkWebhookUrl(patch.url, deps.config).toString();
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.entities !== undefined) set.entities = JSON.stringify([...new Set(patch.entities)]);
  if (patch.enabled === true && !current.enabled)
    Object.assign(set, { enabled: true, disabledReason: null, failingSince: null });
  if (patch.enabled === false && current.enabled) Object.assign(set, { enabled: false, disabledReason: "manual" });
  const [row] = await deps.db.update(webhookEndpoints).set(set).where(ownedBy(owner, id)).returning();
  if (!row) throw notFound("Webhook");
  return row;
}

/** Deletes an endpoint with its deliveries and their log, in one transaction. */
export async function deleteEndpoint(deps: Deps, owner: WebhookOwner, id: string) {
  const current = await getOwned(deps, owner, id);
  const { db } = deps;
  await db.batch([
    db.delete(webhookAttempts).where(eq(webhookAttempts.endpointId, current.id)),
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, current.id)),
    db.delete(webhookEndpoints).where(ownedBy(owner, current.id)),
  ]);
}

/** A new secret (shown once); the old one keeps signing as a second signature for a day. */
export async function rotateSecret(deps: Deps, owner: WebhookOwner, id: string) {
  const current = await getOwned(deps, owner, id);
  const now = deps.now();
  const secret = newWebhookSecret();
  const [row] = await deps.db
    .update(webhookEndpoints)
    .set({
      secret,
      previousSecret: current.secret,
      previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS),
      updatedAt: now,
    })
    .where(and(ownedBy(owner, id), eq(webhookEndpoints.secret, current.secret)))
    .returning();
  if (!row) throw notFound("Webhook");
  return { endpoint: row, secret };
}

/** The most recent deliveries of an endpoint with the log of their attempts (no bodies are kept). */
export async function listDeliveries(deps: Deps, owner: WebhookOwner, id: string, limit = 50) {
  const endpoint = await getOwned(deps, owner, id);
  const deliveries = await deps.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.customerId, owner.customerId)))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
  const ids = deliveries.map((d) => d.id);
  const attempts = ids.length
    ? await deps.db
        .select()
        .from(webhookAttempts)
        .where(and(inArray(webhookAttempts.deliveryId, ids), eq(webhookAttempts.customerId, owner.customerId)))
        .orderBy(webhookAttempts.attempt)
    : [];
  return deliveries.map((d) => ({ ...d, log: attempts.filter((a) => a.deliveryId === d.id) }));
}

export const entitiesOf = (row: Pick<WebhookEndpoint, "entities">) => JSON.parse(row.entities) as MasterDataEntity[];
