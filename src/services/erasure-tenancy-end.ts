import { sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { openErasure } from "./erasure";

/**
 * R-P10 / R-A6: accounts whose every tenancy ended more than the customer's grace period ago
 * (`customers.tenancy_end_grace_days`, default 30, 0–365, set by customer admins; decision 0031) are anonymised —
 * by the same erasure job as a resident's own request (origin `tenancy-end`), so every store is
 * reached and legal holds apply. Staff with a current role and people with a current or future
 * tenancy are never picked. The hourly purge opens the requests (bounded); the minute cron runs them.
 */
export const TENANCY_END_GRACE_DAYS = 30;
export const MAX_GRACE_DAYS = 365;
const BATCH = 50;

export async function openTenancyEndErasures(deps: Deps): Promise<number> {
  const rows = await tenancyEndCandidates(deps, BATCH);
  for (const r of rows) {
    await openErasure(
      deps,
      { customerId: r.customer_id, userId: r.id, jurisdiction: deps.stores.jurisdiction },
      { origin: "tenancy-end" },
    );
  }
  return rows.length;
}

/** Accounts due for anonymisation now (at most `limit`); the purge's dry run counts them too. */
export function tenancyEndCandidates(deps: Deps, limit: number) {
  const today = deps.now().toISOString().slice(0, 10);
  // `ends_on` is the last day of access: it ended more than the grace period ago when it is before
  // the customer's cutoff day (today minus its grace days).
  return deps.db.all<{ id: string; customer_id: string }>(sql`
    SELECT u.id, u.customer_id FROM users u JOIN customers c ON c.id = u.customer_id
     WHERE u.status = 'active'
       AND EXISTS (SELECT 1 FROM tenancy_members m WHERE m.user_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM tenancy_members m JOIN tenancies t ON t.id = m.tenancy_id
                        WHERE m.user_id = u.id
                          AND (t.ends_on IS NULL OR t.ends_on >= date(${today}, '-' || c.tenancy_end_grace_days || ' days')))
       AND NOT EXISTS (SELECT 1 FROM role_assignments r
                        WHERE r.user_id = u.id AND (r.ends_on IS NULL OR r.ends_on >= ${today}))
       AND NOT EXISTS (SELECT 1 FROM privacy_requests p
                        WHERE p.user_id = u.id AND p.kind = 'erasure' AND p.state IN ('received', 'verified'))
     LIMIT ${limit}`);
}
