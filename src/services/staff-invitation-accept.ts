import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { Locale } from "../db/schema/customers";
import { buildings, properties } from "../db/schema/estate";
import { users } from "../db/schema/people";
import { type StaffInvitation, staffInvitations } from "../db/schema/staff-invitations";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { hashPassword } from "../lib/password";
import { isoDay } from "../lib/time";
import { reviseRoomAccess } from "./access-revision";
import { SESSION_MAX_AGE_MS } from "./sessions";

/** Why a link no longer works; the page tells the person which (they hold the link, nobody else). */
export type EndedState = "accepted" | "revoked" | "expired";

/**
 * What the account for the invited address is: none yet (`new`), registered but never confirmed
 * (`pending`: the link proves the mailbox, so accepting completes it), `existing` (the role is added;
 * the password stays), or `closing` (an erasure is running: the address cannot be used now).
 */
export type AccountKind = "new" | "pending" | "existing" | "closing";

export interface OpenInvitation {
  invitation: StaffInvitation;
  account: AccountKind;
  accountId: string | null;
}

const MAX_TOKEN = 128;

/**
 * The invitation of a link, bound to the customer of the app it is opened on: a token of another
 * customer is unknown here (404). Ended links throw INVITATION_ENDED with the reason in `details`.
 */
export async function openInvitation(deps: Deps, customerId: string, token: string): Promise<OpenInvitation> {
  const unknown = new AppError("NOT_FOUND", "This invitation link is not valid.");
  if (!token || token.length > MAX_TOKEN) throw unknown;
  const inv = await deps.db.query.staffInvitations.findFirst({
    where: and(eq(staffInvitations.tokenHash, await sha256Hex(token)), eq(staffInvitations.customerId, customerId)),
  });
  if (!inv) throw unknown;
  const state: EndedState | null = inv.acceptedAt
    ? "accepted"
    : inv.revokedAt
      ? "revoked"
      : inv.expiresAt.getTime() <= deps.now().getTime()
        ? "expired"
        : null;
  if (state) throw new AppError("INVITATION_ENDED", "This invitation link no longer works.", { state });
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, customerId), eq(users.email, inv.email)),
  });
  const account: AccountKind = !user
    ? "new"
    : user.status === "pending"
      ? "pending"
      : user.status === "active"
        ? "existing"
        : "closing";
  return { invitation: inv, account, accountId: user?.id ?? null };
}

export interface AcceptInput {
  /** Required unless the address already has an active account. */
  name?: string | undefined;
  password?: string | undefined;
  locale: Locale;
}

export interface Accepted {
  userId: string;
  /** A session token when the acceptance set the password (new or completed account). */
  session: string | null;
  account: AccountKind;
}

/**
 * Accepts an invitation (decision 0039). Opening the link proves the mailbox, so a new account is
 * active and verified at once. One D1 batch claims the invitation with a fresh marker (the id of the
 * role it grants) and writes the account, the role and the session only if that marker is there: a
 * second or concurrent use finds the invitation taken and writes nothing. The token is checked before
 * the password is hashed (a made-up link costs no KDF run).
 */
export async function acceptInvitation(deps: Deps, customerId: string, token: string, input: AcceptInput) {
  for (let attempt = 0; ; attempt++) {
    const open = await openInvitation(deps, customerId, token);
    try {
      return await claim(deps, open, input);
    } catch (e) {
      // The address was registered between the read and the batch (the batch rolled back): read again.
      const text = String(e instanceof Error ? (e.cause ?? e.message) : e);
      if (attempt > 0 || !(text.includes("UNIQUE") && text.includes("users."))) throw e;
    }
  }
}

async function claim(deps: Deps, open: OpenInvitation, input: AcceptInput): Promise<Accepted> {
  const { invitation: inv, account } = open;
  if (account === "closing") throw new AppError("EMAIL_TAKEN", "This address cannot be used right now.");
  const db = deps.stores.db;
  const now = deps.now().getTime();
  const roleId = newId();
  const userId = open.accountId ?? newId();
  const marker = `EXISTS (SELECT 1 FROM staff_invitations WHERE id = ?1 AND role_assignment_id = ?2)`;
  const guarded = (q: string, ...params: unknown[]) => db.prepare(`${q} AND ${marker}`).bind(inv.id, roleId, ...params);
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `UPDATE staff_invitations SET accepted_at = ?3, role_assignment_id = ?2
         WHERE id = ?1 AND customer_id = ?4 AND token_hash = ?5
           AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?3`,
      )
      .bind(inv.id, roleId, now, inv.customerId, inv.tokenHash),
  ];
  let sessionToken: string | null = null;
  let sessionAt = -1;
  if (account !== "existing") {
    const name = input.name?.trim();
    if (!name || !input.password) {
      throw new AppError("VALIDATION_FAILED", "Name and password are required.", [
        { path: name ? "password" : "name", message: "Required" },
      ]);
    }
    const passwordHash = hashPassword(input.password);
    statements.push(
      account === "new"
        ? guarded(
            `INSERT INTO users (id, customer_id, email, name, password_hash, locale, status, email_verified_at, created_at, updated_at)
             SELECT ?3, ?4, ?5, ?6, ?7, ?8, 'active', ?9, ?9, ?9 WHERE 1`,
            userId,
            inv.customerId,
            inv.email,
            name,
            passwordHash,
            input.locale,
            now,
          )
        : guarded(
            `UPDATE users SET name = ?3, password_hash = ?4, locale = ?5, status = 'active', email_verified_at = ?6, updated_at = ?6
             WHERE id = ?7 AND customer_id = ?8 AND status = 'pending'`,
            name,
            passwordHash,
            input.locale,
            now,
            userId,
            inv.customerId,
          ),
      // Links of the earlier, unconfirmed registration die with its password.
      guarded(
        "UPDATE auth_tokens SET used_at = ?3 WHERE user_id = ?4 AND purpose = 'verify-email' AND used_at IS NULL",
        now,
        userId,
      ),
    );
    sessionToken = randomToken(32);
    sessionAt = statements.length;
    // Logged in only if this batch set the password (not if the account was confirmed meanwhile).
    statements.push(
      guarded(
        `INSERT INTO sessions (id, customer_id, user_id, token_hash, created_at, last_seen_at, expires_at)
         SELECT ?3, ?4, ?5, ?6, ?7, ?7, ?8 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?5 AND password_hash = ?9)`,
        newId(),
        inv.customerId,
        userId,
        await sha256Hex(sessionToken),
        now,
        now + SESSION_MAX_AGE_MS,
        passwordHash,
      ),
    );
  }
  statements.push(
    guarded("UPDATE staff_invitations SET user_id = ?3 WHERE id = ?1", userId),
    guarded(
      `INSERT INTO role_assignments (id, customer_id, user_id, role, scope_type, scope_id, starts_on, ends_on, created_at)
       SELECT ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9 WHERE 1`,
      inv.customerId,
      userId,
      inv.role,
      inv.scopeType,
      inv.scopeId,
      isoDay(new Date(now)),
      now,
    ),
  );
  const results = await db.batch(statements);
  if (!results[0]?.meta.changes) {
    throw new AppError("INVITATION_ENDED", "This invitation link no longer works.", { state: "accepted" });
  }
  const sessionWritten = sessionAt >= 0 && (results[sessionAt]?.meta.changes ?? 0) > 0;
  // An existing account's open live connections reconnect with the new rights.
  if (account === "existing") await reviseRoomAccess(deps, inv.customerId, userId, { reconnect: true });
  return { userId, session: sessionWritten ? sessionToken : null, account };
}

/** What the page shows about an open invitation: who invited, and the property's or building's name. */
export async function invitationContext(deps: Deps, inv: StaffInvitation) {
  const inviter = inv.invitedBy
    ? await deps.db.query.users.findFirst({
        where: and(eq(users.id, inv.invitedBy), eq(users.customerId, inv.customerId)),
        columns: { name: true },
      })
    : undefined;
  let scopeName: string | null = null;
  if (inv.scopeType !== "customer") {
    const table = inv.scopeType === "property" ? properties : buildings;
    const [found] = await deps.db
      .select({ name: table.name })
      .from(table)
      .where(and(eq(table.id, inv.scopeId), eq(table.customerId, inv.customerId)))
      .limit(1);
    scopeName = found?.name ?? null;
  }
  return { inviter: inviter?.name ?? "", scopeName };
}
