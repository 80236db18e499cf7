import { and, desc, eq, isNull } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { Customer } from "../db/schema/customers";
import { staffInvitations } from "../db/schema/staff-invitations";
import { randomToken, sha256Hex } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import type { Actor } from "./actor";
import { INVITATION_VALIDITY_MS, invitationMail, staffScope } from "./staff-invitations";
import * as throttle from "./throttle";

/** The admin's side of staff invitations after sending: the list, resending and revoking (decision 0039). */

/** Open invitations of the customer (not accepted, not revoked; expired ones until the purge), newest first. */
export async function listStaffInvitations(deps: Deps, a: Actor) {
  return deps.db
    .select()
    .from(staffInvitations)
    .where(
      and(
        eq(staffInvitations.customerId, a.customerId),
        isNull(staffInvitations.acceptedAt),
        isNull(staffInvitations.revokedAt),
      ),
    )
    .orderBy(desc(staffInvitations.createdAt));
}

async function ownInvitation(deps: Deps, a: Actor, id: string) {
  const row = await deps.db.query.staffInvitations.findFirst({
    where: and(eq(staffInvitations.id, id), eq(staffInvitations.customerId, a.customerId)),
  });
  if (!row) throw notFound("Invitation");
  return row;
}

const ended = () => new AppError("INVITATION_ENDED", "This invitation was accepted or revoked.");

/**
 * Sends the invitation again with a new link, valid 7 days from now; the earlier link stops working
 * (only one hash is kept). Works for pending and expired invitations; 5 mails per invitation per hour.
 */
export async function resendStaffInvitation(deps: Deps, a: Actor, customer: Customer, origin: string, id: string) {
  const inv = await ownInvitation(deps, a, id);
  if (inv.acceptedAt || inv.revokedAt) throw ended();
  await throttle.consume(deps, throttle.MAIL_PER_ACCOUNT, `staff-invitation:${inv.id}`);
  const scope = await staffScope(deps, a, inv);
  const now = deps.now();
  const token = randomToken(32);
  const next = {
    ...inv,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(now.getTime() + INVITATION_VALIDITY_MS),
  };
  const mail = invitationMail(deps, customer, a, next, origin, token, scope.name);
  // One transaction: the new hash only if still open, the mail only if that hash was written.
  const [changed] = await deps.stores.db.batch([
    deps.stores.db
      .prepare(
        `UPDATE staff_invitations SET token_hash = ?3, expires_at = ?4, sent_at = ?5, send_count = send_count + 1
         WHERE id = ?1 AND customer_id = ?2 AND accepted_at IS NULL AND revoked_at IS NULL`,
      )
      .bind(inv.id, a.customerId, next.tokenHash, next.expiresAt.getTime(), now.getTime()),
    deps.stores.db
      .prepare(
        `INSERT INTO outbox (id, customer_id, user_id, to_address, template, locale, subject, body_text, created_at)
         SELECT ?3, ?4, NULL, ?5, ?6, ?7, ?8, ?9, ?10
         WHERE EXISTS (SELECT 1 FROM staff_invitations WHERE id = ?1 AND token_hash = ?2)`,
      )
      .bind(
        inv.id,
        next.tokenHash,
        mail.id,
        mail.customerId,
        mail.toAddress,
        mail.template,
        mail.locale,
        mail.subject,
        mail.bodyText,
        now.getTime(),
      ),
  ]);
  // Accepted or revoked between the read and the batch: nothing was written.
  if (!changed?.meta.changes) throw ended();
  return { ...next, sentAt: now, sendCount: inv.sendCount + 1 };
}

/** Revokes an invitation that was not accepted (its link stops working); revoking twice changes nothing. */
export async function revokeStaffInvitation(deps: Deps, a: Actor, id: string) {
  const inv = await ownInvitation(deps, a, id);
  if (inv.acceptedAt) throw ended();
  if (inv.revokedAt) return;
  const done = await deps.db
    .update(staffInvitations)
    .set({ revokedAt: deps.now() })
    .where(
      and(
        eq(staffInvitations.id, inv.id),
        eq(staffInvitations.customerId, a.customerId),
        isNull(staffInvitations.acceptedAt),
        isNull(staffInvitations.revokedAt),
      ),
    )
    .returning({ id: staffInvitations.id });
  if (done.length === 0) {
    const again = await ownInvitation(deps, a, id);
    if (again.acceptedAt) throw ended();
  }
}
