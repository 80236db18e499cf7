import { count, inArray, lte, or, type SQL } from "drizzle-orm";
import type { Deps } from "../app-env";
import { staffInvitations } from "../db/schema/staff-invitations";
import { DAY } from "../lib/time";
import { BATCH, drain } from "./purge-steps";

/**
 * Staff invitations that can no longer be used (accepted, revoked, expired) are kept 30 days for the
 * admin's overview and the record of who was invited, then deleted with their address and name.
 */
export const STAFF_INVITATION_RETENTION_MS = 30 * DAY;

export interface StaffInvitationPurgeReport {
  staffInvitations: number;
}

function spent(now: Date): SQL {
  const before = new Date(now.getTime() - STAFF_INVITATION_RETENTION_MS);
  return or(
    lte(staffInvitations.acceptedAt, before),
    lte(staffInvitations.revokedAt, before),
    lte(staffInvitations.expiresAt, before),
  ) as SQL;
}

export async function purgeStaffInvitations(deps: Deps, now: Date): Promise<StaffInvitationPurgeReport> {
  const { db } = deps;
  const done = await drain(() => {
    const batch = db.select({ id: staffInvitations.id }).from(staffInvitations).where(spent(now)).limit(BATCH);
    return db.delete(staffInvitations).where(inArray(staffInvitations.id, batch)).run();
  });
  return { staffInvitations: done };
}

/** The dry run's count, with the same condition. */
export async function countStaffInvitationPurge(deps: Deps, now: Date): Promise<StaffInvitationPurgeReport> {
  const [r] = await deps.db.select({ n: count() }).from(staffInvitations).where(spent(now));
  return { staffInvitations: r?.n ?? 0 };
}
