import { createApp } from "./app";
import { createDb } from "./db/client";
import type { Jurisdiction } from "./db/schema/customers";
import { configFrom } from "./lib/config";
import { ALL_JURISDICTIONS, regionStores } from "./region";
import { jurisdictionOfQueue, toAccessLogEntry, writeAccessLogBatch } from "./services/access-log";
import { purgeRegion } from "./services/purge";

export { BuildingRoom } from "../durable-objects/building-room";
export { EchoRoom } from "../durable-objects/echo-room";

const app = createApp();
/** Must match the hourly entry of `[triggers] crons` in wrangler.toml. */
const PURGE_CRON = "17 * * * *";

export default {
  fetch: app.fetch,

  /** Access-log consumer: one queue per jurisdiction, written to that jurisdiction's bucket. */
  async queue(batch, env) {
    const jurisdiction = jurisdictionOfQueue(batch.queue);
    if (!jurisdiction) {
      batch.retryAll();
      return;
    }
    const entries = batch.messages.map((m) => toAccessLogEntry(m.body, new Date(m.timestamp)));
    await writeAccessLogBatch(regionStores(env, jurisdiction).files, entries);
    batch.ackAll();
  },

  /**
   * Retention purges per jurisdiction (counts only in the log). A failing jurisdiction does not stop
   * the other; the invocation still fails afterwards so the cron shows the error.
   */
  async scheduled(controller, env) {
    // The minute cron (scheduled announcements, delivery retries, digests) comes with issue 4's
    // announcements; the hourly one purges.
    if (controller.cron !== PURGE_CRON) return;
    const failed: Jurisdiction[] = [];
    for (const j of ALL_JURISDICTIONS) {
      const stores = regionStores(env, j);
      const deps = {
        db: createDb(stores.db),
        stores,
        now: () => new Date(controller.scheduledTime),
        config: configFrom(env),
      };
      try {
        console.log(JSON.stringify({ purge: await purgeRegion(deps) }));
      } catch (e) {
        failed.push(j);
        console.error(JSON.stringify({ purgeFailed: j, error: e instanceof Error ? e.name : "unknown" }));
      }
    }
    if (failed.length) throw new Error(`purge failed for ${failed.join(", ")}`);
  },
} satisfies ExportedHandler<Env>;
