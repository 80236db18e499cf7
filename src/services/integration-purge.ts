import { inArray, lte } from "drizzle-orm";
import type { Deps } from "../app-env";
import { masterDataChanges } from "../db/schema/changes";
import { idempotencyKeys } from "../db/schema/idempotency";
import { webhookAttempts, webhookDeliveries } from "../db/schema/webhooks";
import { DAY } from "../lib/time";
import { BATCH, drain } from "./purge-steps";

/** The master-data outbox: webhooks fan out within minutes; 30 days leave room for a disabled endpoint. */
export const CHANGE_RETENTION_MS = 30 * DAY;
/** Webhook deliveries and their attempt log (statuses and durations, for the admin's troubleshooting). */
export const WEBHOOK_LOG_RETENTION_MS = 30 * DAY;

export interface IntegrationPurgeReport {
  masterDataChanges: number;
  idempotencyKeys: number;
  webhookDeliveries: number;
  webhookAttempts: number;
}

/**
 * Retention of the integrator API's records (R-I3): a row goes once it reaches its age — changes,
 * deliveries and attempts at 30 days, idempotency keys at their expiry (24 hours after the request).
 * Bounded, indexed batches; safe to run twice.
 */
export async function purgeIntegrationRecords(deps: Deps, now: Date): Promise<IntegrationPurgeReport> {
  const { db } = deps;
  const at = (ms: number) => new Date(now.getTime() - ms);
  const changes = await drain(() => {
    const old = lte(masterDataChanges.occurredAt, at(CHANGE_RETENTION_MS));
    const ids = db.select({ id: masterDataChanges.id }).from(masterDataChanges).where(old).limit(BATCH);
    return db.delete(masterDataChanges).where(inArray(masterDataChanges.id, ids)).run();
  });
  const keys = await drain(() => {
    const ids = db
      .select({ id: idempotencyKeys.id })
      .from(idempotencyKeys)
      .where(lte(idempotencyKeys.expiresAt, now))
      .limit(BATCH);
    return db.delete(idempotencyKeys).where(inArray(idempotencyKeys.id, ids)).run();
  });
  const attempts = await drain(() => {
    const old = lte(webhookAttempts.attemptedAt, at(WEBHOOK_LOG_RETENTION_MS));
    const ids = db.select({ id: webhookAttempts.id }).from(webhookAttempts).where(old).limit(BATCH);
    return db.delete(webhookAttempts).where(inArray(webhookAttempts.id, ids)).run();
  });
  const deliveries = await drain(() => {
    const old = lte(webhookDeliveries.createdAt, at(WEBHOOK_LOG_RETENTION_MS));
    const ids = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(old).limit(BATCH);
    return db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, ids)).run();
  });
  return {
    masterDataChanges: changes,
    idempotencyKeys: keys,
    webhookDeliveries: deliveries,
    webhookAttempts: attempts,
  };
}
