import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { users } from "../db/schema/people";
import { openErasure, runErasures } from "./erasure";
import { readLedger } from "./erasure-ledger";

/**
 * Re-applies the erasure ledger of the jurisdiction after a backup restore (decision 0025): every
 * entry re-opens its erasure request with every step pending (the restore may have brought back
 * what a step had erased), closes the account again and runs the steps now. A store that fails stays
 * open and is retried by the minute cron, as for any erasure. Entries of accounts that the restored
 * copy does not have yet are skipped: nothing of them exists there. Counts only.
 */
export async function replayLedger(deps: Deps) {
  const { entries, unreadable } = await readLedger(deps.stores.files);
  const report = {
    entries: entries.length,
    unreadable,
    replayed: 0,
    skipped: 0,
    stepsDone: 0,
    stepsFailed: 0,
    stepsHeld: 0,
  };
  for (const e of entries) {
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
  return report;
}
