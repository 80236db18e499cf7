import { createApp } from "./app";
import type { Deps } from "./app-env";
import { createDb } from "./db/client";
import type { Jurisdiction } from "./db/schema/customers";
import { configFrom } from "./lib/config";
import { ALL_JURISDICTIONS, regionStores } from "./region";
import { jurisdictionOfQueue, toAccessLogEntry, writeAccessLogBatch } from "./services/access-log";
import { deliverDue, publishDue } from "./services/announcement-delivery";
import { runErasures } from "./services/erasure";
import { consumeNewsletterMessages } from "./services/newsletter-queue";
import { resumePlanning } from "./services/newsletter-send";
import { sendDueNotifications } from "./services/notification-mails";
import { consumeNotifyBatch } from "./services/notify-queue";
import { purgeRegion } from "./services/purge";
import { runWebhooks } from "./services/webhook-delivery";

export { BuildingRoom } from "../durable-objects/building-room";
export { EchoRoom } from "../durable-objects/echo-room";

const app = createApp();
/** Must match the entries of `[triggers] crons` in wrangler.toml. */
const PURGE_CRON = "17 * * * *";
const MINUTE_CRON = "* * * * *";

/** The services' dependencies outside a request (queue, cron), on the given clock. */
function depsOf(env: Env, jurisdiction: Jurisdiction, now: () => Date): Deps {
  const stores = regionStores(env, jurisdiction);
  return { db: createDb(stores.db), stores, now, config: configFrom(env) };
}

/** The minute's work of one jurisdiction: due publications, room deliveries (and retries), due mails. */
async function minute(deps: Deps) {
  const published = await publishDue(deps);
  const delivery = await deliverDue(deps);
  const mail = await sendDueNotifications(deps);
  // Erasure steps that failed (back-off) or whose legal hold ended.
  const erasure = await runErasures(deps);
  // Master-data changes to webhook deliveries, then the due sends and retries (R-I3).
  const webhooks = await runWebhooks(deps);
  // Newsletter issues whose planning stopped midway (queue refused, request budget): go on (decision 0038).
  const newsletter = await resumePlanning(deps);
  return { published, ...delivery, ...mail, ...erasure, webhooks, ...newsletter };
}

export default {
  fetch: app.fetch,

  /**
   * Queue consumers, by queue name: the access logs (written to the jurisdiction's bucket) and the
   * notify queues (notification items and mails in the jurisdiction's D1). A queue of no known
   * jurisdiction is retried, never guessed.
   */
  async queue(batch, env) {
    const jurisdiction = jurisdictionOfQueue(batch.queue);
    if (!jurisdiction) {
      batch.retryAll();
      return;
    }
    if (batch.queue.includes("-notify-")) {
      const deps = depsOf(env, jurisdiction, () => new Date());
      // Newsletter sends (decision 0038) share the notify queue as their own message kind.
      const rest = await consumeNewsletterMessages(deps, batch.messages);
      await consumeNotifyBatch(deps, rest);
      return;
    }
    const entries = batch.messages.map((m) => toAccessLogEntry(m.body, new Date(m.timestamp)));
    await writeAccessLogBatch(regionStores(env, jurisdiction).files, entries);
    batch.ackAll();
  },

  /**
   * Every minute: scheduled announcements, delivery retries, due notification mails and erasure retries; hourly: the
   * retention purges. Per jurisdiction, counts only in the log. A failing jurisdiction does not stop
   * the other; the invocation still fails afterwards so the cron shows the error.
   */
  async scheduled(controller, env) {
    const job = controller.cron === PURGE_CRON ? "purge" : controller.cron === MINUTE_CRON ? "minute" : null;
    if (!job) return;
    const failed: Jurisdiction[] = [];
    for (const j of ALL_JURISDICTIONS) {
      const deps = depsOf(env, j, () => new Date(controller.scheduledTime));
      try {
        const report = job === "purge" ? await purgeRegion(deps) : { jurisdiction: j, ...(await minute(deps)) };
        console.log(JSON.stringify({ [job]: report }));
      } catch (e) {
        failed.push(j);
        console.error(JSON.stringify({ [`${job}Failed`]: j, error: e instanceof Error ? e.name : "unknown" }));
      }
    }
    if (failed.length) throw new Error(`${job} failed for ${failed.join(", ")}`);
  },
} satisfies ExportedHandler<Env>;
