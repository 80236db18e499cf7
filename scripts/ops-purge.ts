import { parseArgs } from "node:util";
import { createDb } from "../src/db/client";
import type { Jurisdiction } from "../src/db/schema/customers";
import { configFrom } from "../src/lib/config";
import { ALL_JURISDICTIONS, regionStores } from "../src/region";
import { purgeDryRun } from "../src/services/purge-dry-run";
import { openStores } from "./ops-privacy";

/**
 * `npm run ops -- purge --dry-run [--jurisdiction ch|eu]`: what the hourly retention purge would
 * delete now, per jurisdiction, as counts (no personal values); nothing is deleted. The purge itself
 * runs from the cron of the Worker.
 */
export const PURGE_USAGE = "       npm run ops -- purge --dry-run [--jurisdiction ch|eu]";

export async function purgeCommand(args: string[]): Promise<boolean> {
  const { values } = parseArgs({
    args,
    options: { "dry-run": { type: "boolean", default: false }, jurisdiction: { type: "string" } },
  });
  if (!values["dry-run"]) return false;
  const only = values.jurisdiction;
  if (only !== undefined && !ALL_JURISDICTIONS.includes(only as Jurisdiction)) return false;
  const { env, dispose } = await openStores();
  try {
    const reports = [];
    for (const j of only ? [only as Jurisdiction] : ALL_JURISDICTIONS) {
      const stores = regionStores(env, j);
      reports.push(
        await purgeDryRun({ db: createDb(stores.db), stores, now: () => new Date(), config: configFrom(env) }),
      );
    }
    console.log(JSON.stringify(reports, null, 2));
  } finally {
    await dispose();
  }
  return true;
}
