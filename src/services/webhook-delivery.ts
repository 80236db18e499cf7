import { eq, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { masterDataChanges } from "../db/schema/changes";
import {
  type AttemptOutcome,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from "../db/schema/webhooks";
import { newId } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { HOUR, MINUTE } from "../lib/time";
import { fanOut, liveEndpoint } from "./webhook-fan-out";
import { payloadOf } from "./webhook-payload";
import { webhookHeaders } from "./webhook-signing";
import { checkWebhookUrl } from "./webhook-url";

/**
 * Waits after failed attempt n (1-based): 8 attempts over about 28 hours, each wait ±10 % jitter.
 * Attempt 1 runs at the first minute cron after the change.
 */
export const RETRY_DELAYS_MS = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Per receiver call; no redirects are followed (a 3xx counts as a failure). */
export const ATTEMPT_TIMEOUT_MS = 10_000;
const SEND_LIMIT = 50;
const SEND_CONCURRENCY = 8;
/** A claimed delivery is due again after this long if its run died before recording the attempt. */
const CLAIM_LEASE_MS = 2 * MINUTE;

/** The outbound call (a network boundary): `fetch` in production, a capturing receiver in tests. */
export type WebhookSender = (request: Request) => Promise<Response>;

export interface WebhookRunReport {
  queued: number;
  attempted: number;
  delivered: number;
  failed: number;
  skipped: number;
  disabled: number;
}

/** The minute's webhook work of one jurisdiction: fan new changes out, then send what is due. */
export async function runWebhooks(deps: Deps, send: WebhookSender = (r) => fetch(r)): Promise<WebhookRunReport> {
  const queued = await fanOut(deps);
  return { queued, ...(await sendDue(deps, send)) };
}

/**
 * Claims due deliveries of enabled endpoints (one UPDATE … RETURNING: overlapping cron runs never take
 * the same one) and sends them with bounded concurrency.
 */
async function sendDue(deps: Deps, send: WebhookSender) {
  const { db } = deps;
  const now = deps.now().getTime();
  const d = webhookDeliveries;
  const claimed = await db.all<{ id: string }>(sql`
    UPDATE ${d} SET next_attempt_at = ${now + CLAIM_LEASE_MS}
     WHERE id IN (
       SELECT dd.id FROM ${d} dd JOIN ${webhookEndpoints} ON ${webhookEndpoints.id} = dd.endpoint_id
        WHERE dd.state = 'pending' AND dd.next_attempt_at <= ${now} AND ${liveEndpoint}
        ORDER BY dd.next_attempt_at LIMIT ${SEND_LIMIT})
    RETURNING id`);
  const report = { attempted: 0, delivered: 0, failed: 0, skipped: 0, disabled: 0 };
  const queue = [...claimed.map((r) => r.id)];
  const endpoints = new Map<string, Promise<WebhookEndpoint | undefined>>();
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const [delivery] = await db.select().from(d).where(eq(d.id, id));
      if (!delivery) continue;
      if (!endpoints.has(delivery.endpointId)) {
        endpoints.set(
          delivery.endpointId,
          db
            .select()
            .from(webhookEndpoints)
            .where(eq(webhookEndpoints.id, delivery.endpointId))
            .then((r) => r[0]),
        );
      }
      const endpoint = await endpoints.get(delivery.endpointId);
      if (!endpoint) continue;
      const outcome = await deliverOne(deps, send, endpoint, delivery);
      report[outcome]++;
      if (outcome !== "skipped") report.attempted++;
      if (outcome === "failed" && (await disableIfExhausted(deps, endpoint, delivery))) report.disabled++;
    }
  };
  await Promise.all(Array.from({ length: SEND_CONCURRENCY }, worker));
  return report;
}

type Result = "delivered" | "failed" | "skipped";

/** One attempt: build the thin payload fresh (or skip it), sign, send, log, schedule the retry. */
async function deliverOne(
  deps: Deps,
  send: WebhookSender,
  endpoint: WebhookEndpoint,
  delivery: WebhookDelivery,
): Promise<Result> {
  const { db } = deps;
  const [change] = await db.select().from(masterDataChanges).where(eq(masterDataChanges.id, delivery.changeId));
  const payload = change ? await payloadOf(deps, change) : null;
  const now = deps.now();
  if (!payload) {
    await db
      .update(webhookDeliveries)
      .set({ state: "skipped", completedAt: now })
      .where(eq(webhookDeliveries.id, delivery.id));
    return "skipped";
  }
  const attempt = delivery.attempts + 1;
  const started = Date.now();
  const { outcome, status } = await attemptSend(deps, send, endpoint, delivery.id, payload);
  const durationMs = Date.now() - started;
  const ok = outcome === "delivered";
  const final = ok || attempt >= MAX_ATTEMPTS;
  const retryAt = now.getTime() + jittered(RETRY_DELAYS_MS[attempt - 1] ?? 0);
  await db.batch([
    db.insert(webhookAttempts).values({
      id: newId(),
      customerId: delivery.customerId,
      deliveryId: delivery.id,
      endpointId: endpoint.id,
      attempt,
      outcome,
      status,
      durationMs,
      attemptedAt: now,
    }),
    db
      .update(webhookDeliveries)
      .set({
        state: ok ? "delivered" : final ? "failed" : "pending",
        attempts: attempt,
        lastStatus: status,
        nextAttemptAt: new Date(final ? now.getTime() : retryAt),
        completedAt: final ? now : null,
      })
      .where(eq(webhookDeliveries.id, delivery.id)),
    ok
      ? db.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id))
      : db
          .update(webhookEndpoints)
          .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.getTime()})` })
          .where(eq(webhookEndpoints.id, endpoint.id)),
  ]);
  return ok ? "delivered" : "failed";
}

async function attemptSend(
  deps: Deps,
  send: WebhookSender,
  endpoint: WebhookEndpoint,
  messageId: string,
  body: string,
): Promise<{ outcome: AttemptOutcome; status: number | null }> {
  let url: URL;
  try {
    // Checked again at send time: the configuration may be stricter than when the endpoint was saved.
    url = checkWebhookUrl(endpoint.url, deps.config);
  } catch (e) {
    if (e instanceof AppError) return { outcome: "refused", status: null };
    throw e;
  }
  const now = deps.now();
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(endpoint.previousSecret);
  }
  const headers = await webhookHeaders(secrets, messageId, Math.floor(now.getTime() / 1000), body);
  try {
    const res = await send(
      new Request(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": "Quartier-Webhooks/1" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      }),
    );
    // The receiver's body is never read into our logs; cancel it so the connection is freed.
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { outcome: "delivered", status: res.status };
    return { outcome: res.status >= 300 && res.status < 400 ? "redirect" : "http-error", status: res.status };
  } catch (e) {
    const timeout = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    return { outcome: timeout ? "timeout" : "network", status: null };
  }
}

function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}

/**
 * The disabling rule (decision 0019): when a message has failed for good (all 8 attempts, about 28
 * hours) and no attempt to the endpoint has succeeded since that message's first attempt, the
 * endpoint is disabled (`disabled_reason = 'failing'`). An admin re-enables it; what waited is sent.
 */
async function disableIfExhausted(deps: Deps, endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<boolean> {
  const { db } = deps;
  const [state] = await db
    .select({ state: webhookDeliveries.state })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, delivery.id));
  if (state?.state !== "failed") return false;
  const first = await db.get<{ at: number | null }>(
    sql`SELECT min(attempted_at) AS at FROM ${webhookAttempts} WHERE delivery_id = ${delivery.id}`,
  );
  if (first?.at == null) return false;
  const done = await db.run(sql`
    UPDATE ${webhookEndpoints} SET enabled = 0, disabled_reason = 'failing', updated_at = ${deps.now().getTime()}
     WHERE id = ${endpoint.id} AND enabled = 1 AND failing_since IS NOT NULL AND failing_since <= ${first.at}`);
  return done.meta.changes > 0;
}
