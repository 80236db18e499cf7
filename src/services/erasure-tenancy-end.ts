import { sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { DAY } from "../lib/time";
import { openErasure } from "./erasure";

/**
 * R-P10 / R-A6: accounts whose every tenancy ended more than the grace period ago are anonymised —
 * by the same erasure job as a resident's own request (origin `tenancy-end`), so every store is
 * reached and legal holds apply. Staff with a current role and people with a current or future
 * tenancy are never picked. The hourly purge opens the requests (bounded); the minute cron runs them.
 */
export const TENANCY_END_GRACE_DAYS = 30;
const BATCH = 50;

export async function openTenancyEndErasures(deps: Deps, graceDays = TENANCY_END_GRACE_DAYS): Promise<number> {
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  // `ends_on` is the last day of access: it ended more than the grace period ago when it is before this day.
  const cutoff = new Date(now.getTime() - graceDays * DAY).toISOString().slice(0, 10);
  const rows = await deps.db.all<{ id: string; customer_id: string }>(sql`
    SELECT u.id, u.customer_id FROM users u
     WHERE u.status = 'active'
       AND EXISTS (SELECT 1 FROM tenancy_members m WHERE m.user_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM tenancy_members m JOIN tenancies t ON t.id = m.tenancy_id
                        WHERE m.user_id = u.id AND (t.ends_on IS NULL OR t.ends_on >= ${cutoff}))
       AND NOT EXISTS (SELECT 1 FROM role_assignments r
                        WHERE r.user_id = u.id AND (r.ends_on IS NULL OR r.ends_on >= ${today}))
       AND NOT EXISTS (SELECT 1 FROM privacy_requests p
                        WHERE p.user_id = u.id AND p.kind = 'erasure' AND p.state IN ('received', 'verified'))
     LIMIT ${BATCH}`);
  for (const r of rows) {
    await openErasure(
      deps,
      { customerId: r.customer_id, userId: r.id, jurisdiction: deps.stores.jurisdiction },
      { origin: "tenancy-end" },
    );
  }
  return rows.length;
}
