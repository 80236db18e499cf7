import type { Jurisdiction } from "./db/schema/customers";

/**
 * The region adapter: the only place that turns a jurisdiction into storage handles (D1, Durable
 * Object namespace, R2 bucket, access-log queue). Nothing else in the code chooses storage; a test
 * greps for direct use of the bindings elsewhere.
 *
 * Cloudflare has no Swiss storage jurisdiction: both `ch` and `eu` use the `eu` jurisdiction in
 * production, as separate databases, buckets and queues. This adapter is the seam where an
 * in-country Swiss store can be added later.
 */
export interface RegionStores {
  jurisdiction: Jurisdiction;
  db: D1Database;
  /** Resolved on use: only requests that reach a room pay for it (and workerd can run production checks). */
  rooms(): Env["BUILDING_ROOM"];
  files: R2Bucket;
  accessLog: Queue;
  /** Notification intents from the rooms to the Worker (src/shared/room-rpc.ts `NotifyIntent`). */
  notify: Queue;
}

const CLOUDFLARE_JURISDICTION: Record<Jurisdiction, DurableObjectJurisdiction> = { ch: "eu", eu: "eu" };

export function regionStores(env: Env, jurisdiction: Jurisdiction): RegionStores {
  const ch = jurisdiction === "ch";
  return {
    jurisdiction,
    db: ch ? env.DB_CH : env.DB_EU,
    rooms: () => roomNamespace(env, jurisdiction),
    files: ch ? env.FILES_CH : env.FILES_EU,
    accessLog: ch ? env.ACCESS_LOG_CH : env.ACCESS_LOG_EU,
    notify: ch ? env.NOTIFY_CH : env.NOTIFY_EU,
  };
}

function roomNamespace(env: Env, jurisdiction: Jurisdiction): Env["BUILDING_ROOM"] {
  // workerd (wrangler dev, vitest) throws on `.jurisdiction()`; only development emulates it, and the
  // production check refuses JURISDICTION_EMULATION in the production environment.
  if (env.ENVIRONMENT === "development" && env.JURISDICTION_EMULATION === "on") return env.BUILDING_ROOM;
  return env.BUILDING_ROOM.jurisdiction(CLOUDFLARE_JURISDICTION[jurisdiction]);
}

export const ALL_JURISDICTIONS: readonly Jurisdiction[] = ["ch", "eu"];
