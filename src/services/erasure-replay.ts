import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { users } from "../db/schema/people";
import { openErasure, runErasures } from "./erasure";
import { LEDGER_PREFIX, readLedgerPage } from "./erasure-ledger";

/**
 * Re-applies the erasure ledger of the jurisdiction after a backup restore (decision 0025): every
 * entry re-opens its erasure request with every step pending (the restore may have brought back
 * what a step had erased), closes the account again and runs the steps now. A store that fails stays
 * open and is retried by the minute cron, as for any erasure. Entries of accounts that the restored
 * copy does not have yet are skipped: nothing of them exists there. Counts only.
 *
 * One implementation for every caller: `replayLedgerPage` does a bounded part (resumable after the
 * returned key), `replayLedger` runs pages to the end. The local `npm run ops -- ledger replay`
 * (development route) and the production operator route (`POST /ops/erasure-ledger/replay`,
 * decision 0038) both end here. Replaying twice is harmless: every step is idempotent.
 */
export interface ReplayReport {
  entries: number;
  unreadable: number;
  replayed: number;
  skipped: number;
  stepsDone: number;
  stepsFailed: number;
  stepsHeld: number;
}

const emptyReport = (): ReplayReport => ({
  entries: 0,
  unreadable: 0,
  replayed: 0,
  skipped: 0,
  stepsDone: 0,
  stepsFailed: 0,
  stepsHeld: 0,
});

/** A ledger object key of this jurisdiction's bucket (what a resume cursor may name). */
export const isLedgerKey = (key: string) =>
  key.startsWith(LEDGER_PREFIX) && /^[A-Za-z0-9:._-]{1,200}\.ndjson$/.test(key.slice(LEDGER_PREFIX.length));

/** Replays up to `limit` ledger objects after the key `after`; `next` is where to resume (null: done). */
export async function replayLedgerPage(
  deps: Deps,
  o: { after?: string; limit: number },
): Promise<ReplayReport & { next: string | null }> {
  const page = await readLedgerPage(deps.stores.files, o);
  const report = emptyReport();
  report.entries = page.entries.length;
  report.unreadable = page.unreadable;
  for (const e of page.entries) {
    if (e.jurisdiction !== deps.stores.jurisdiction) {
      report.skipped++;
      continue;
    }
    const user = await deps.db.query.users.findFirst({
      where: and(eq(users.id, e.userId), eq(users.customerId, e.customerId)),
      columns: { id: true },
    });
    if (!user) {
      report.skipped++;
      continue;
    }
    const subject = { customerId: e.customerId, userId: e.userId, jurisdiction: e.jurisdiction };
    const requestId = await openErasure(deps, subject, {
      origin: "replay",
      requestId: e.requestId,
      receivedAt: new Date(e.requestedAt),
      stores: e.stores,
    });
    const run = await runErasures(deps, { requestId });
    report.replayed++;
    report.stepsDone += run.erasureStepsDone;
    report.stepsFailed += run.erasureStepsFailed;
    report.stepsHeld += run.erasureStepsHeld;
  }
  return { ...report, next: page.lastKey };
}

/** The whole ledger of the jurisdiction, page by page. */
export async function replayLedger(deps: Deps): Promise<ReplayReport> {
  const total = emptyReport();
  let after: string | undefined;
  do {
    const { next, ...page } = await replayLedgerPage(deps, { ...(after ? { after } : {}), limit: 100 });
    for (const k of Object.keys(total) as (keyof ReplayReport)[]) total[k] += page[k];
    after = next ?? undefined;
  } while (after);
  return total;
}
