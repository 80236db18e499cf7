import { createApp } from "./app";
import { createDb } from "./db/client";
import { configFrom } from "./lib/config";
import { ALL_JURISDICTIONS, regionStores } from "./region";
import { type AccessLogEntry, jurisdictionOfQueue, writeAccessLogBatch } from "./services/access-log";
import { purgeRegion } from "./services/purge";

export { BuildingRoom } from "../durable-objects/building-room";

const app = createApp();

export default {
  fetch: app.fetch,

  /** Access-log consumer: one queue per jurisdiction, written to that jurisdiction's bucket. */
  async queue(batch, env) {
    const jurisdiction = jurisdictionOfQueue(batch.queue);
    if (!jurisdiction) {
      batch.retryAll();
      return;
    }
    const entries = batch.messages.map((m) => m.body as AccessLogEntry);
    await writeAccessLogBatch(regionStores(env, jurisdiction).files, entries);
    batch.ackAll();
  },

  /** Retention purges per jurisdiction (counts only in the log). */
  async scheduled(controller, env) {
    for (const j of ALL_JURISDICTIONS) {
      const stores = regionStores(env, j);
      const deps = {
        db: createDb(stores.db),
        stores,
        now: () => new Date(controller.scheduledTime),
        config: configFrom(env),
      };
      console.log(JSON.stringify({ purge: await purgeRegion(deps) }));
    }
  },
} satisfies ExportedHandler<Env>;
