import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { apiClients } from "../db/schema/api-clients";
import { masterDataChanges } from "../db/schema/changes";
import { webhookDeliveries, webhookEndpoints } from "../db/schema/webhooks";
import { MINUTE } from "../lib/time";

/** Changes are re-read this far behind the watermark: a change's batch may commit after its timestamp. */
const FAN_OUT_OVERLAP_MS = 5 * MINUTE;
const FAN_OUT_LIMIT = 500;

/**
 * An endpoint receives deliveries while it is enabled and, if an integrator client registered it,
 * while that client is not revoked: revoking a client stops its webhooks at once.
 */
export const liveEndpoint = and(
  eq(webhookEndpoints.enabled, true),
  or(
    isNull(webhookEndpoints.clientId),
    inArray(
      webhookEndpoints.clientId,
      sql`(SELECT ${apiClients.id} FROM ${apiClients} WHERE ${apiClients.revokedAt} IS NULL)`,
    ),
  ),
);

/**
 * Creates one pending delivery per (enabled endpoint, new change of a subscribed entity), straight from
 * the outbox with INSERT … SELECT. The unique (endpoint, change) index and NOT EXISTS make re-reading
 * the overlap window harmless; the watermark moves to now once the backlog is drained.
 */
export async function fanOut(deps: Deps): Promise<number> {
  const { db } = deps;
  const now = deps.now();
  const endpoints = await db.select().from(webhookEndpoints).where(liveEndpoint).limit(1000);
  let queued = 0;
  for (const e of endpoints) {
    // Never before the endpoint existed: a new endpoint gets the changes after its creation only.
    const since = new Date(Math.max(e.cursorAt.getTime() - FAN_OUT_OVERLAP_MS, e.createdAt.getTime()));
    const c = masterDataChanges;
    const inserted = await db.run(sql`
        INSERT OR IGNORE INTO ${webhookDeliveries}
          (id, customer_id, endpoint_id, change_id, entity, action, state, attempts, next_attempt_at, created_at)
        SELECT 'msg_' || lower(hex(randomblob(16))), ${c.customerId}, ${e.id}, ${c.id}, ${c.entity}, ${c.action},
               'pending', 0, ${now.getTime()}, ${now.getTime()}
          FROM ${c}
         WHERE ${c.customerId} = ${e.customerId}
           AND ${c.occurredAt} > ${since.getTime()}
           AND ${c.entity} IN (SELECT value FROM json_each(${e.entities}))
           AND NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} d WHERE d.endpoint_id = ${e.id} AND d.change_id = ${c.id})
         ORDER BY ${c.occurredAt}
         LIMIT ${FAN_OUT_LIMIT}`);
    const n = inserted.meta.changes;
    queued += n;
    // A full batch means more may wait: keep the watermark, the next run continues (NOT EXISTS skips the done).
    if (n < FAN_OUT_LIMIT) {
      await db
        .update(webhookEndpoints)
        .set({ cursorAt: now })
        .where(and(eq(webhookEndpoints.id, e.id), eq(webhookEndpoints.cursorAt, e.cursorAt)));
    }
  }
  return queued;
}
