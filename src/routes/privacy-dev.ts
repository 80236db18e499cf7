import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, Deps } from "../app-env";
import { createDb } from "../db/client";
import { configFrom } from "../lib/config";
import { ALL_JURISDICTIONS, regionStores } from "../region";
import { runErasures } from "../services/erasure";
import { replayLedger } from "../services/erasure-replay";
import { defineRoute } from "./define";
import { errorResponses, json } from "./schemas";

/**
 * Development only (404 in production): the operator commands `npm run ops -- ledger replay` and
 * `erasures run` call these on the running `npm start`, because building rooms (Durable Objects) are
 * reachable only inside the Worker, not from Node. Both jurisdictions, counts only.
 */
const replay = defineRoute("dev", {
  method: "post",
  path: "/api/dev/privacy/ledger-replay",
  tags: ["Development"],
  summary: "Replay the erasure ledger of every jurisdiction after a restore of the local stores",
  responses: { 200: json(z.object({ reports: z.array(z.record(z.string(), z.unknown())) })), ...errorResponses },
});

const run = defineRoute("dev", {
  method: "post",
  path: "/api/dev/privacy/erasures/run",
  tags: ["Development"],
  summary: "Run the due erasure steps of every jurisdiction now (what the minute cron does)",
  responses: { 200: json(z.object({ reports: z.array(z.record(z.string(), z.unknown())) })), ...errorResponses },
});

const depsFor = (env: Env, j: (typeof ALL_JURISDICTIONS)[number]): Deps => {
  const stores = regionStores(env, j);
  return { db: createDb(stores.db), stores, now: () => new Date(), config: configFrom(env) };
};

export const privacyDevRoutes = new OpenAPIHono<AppEnv>()
  .openapi(replay, async (c) => {
    const reports = [];
    for (const j of ALL_JURISDICTIONS) reports.push({ jurisdiction: j, ...(await replayLedger(depsFor(c.env, j))) });
    return c.json({ reports }, 200);
  })
  .openapi(run, async (c) => {
    const reports = [];
    for (const j of ALL_JURISDICTIONS) reports.push({ jurisdiction: j, ...(await runErasures(depsFor(c.env, j))) });
    return c.json({ reports }, 200);
  });
