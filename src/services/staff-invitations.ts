import { and, eq, gt, isNull } from "drizzle-orm";
import type { Deps } from "../app-env";
import { outbox } from "../db/schema/auth";
import type { Customer, Locale } from "../db/schema/customers";
import { buildings, properties } from "../db/schema/estate";
import { type Role, users } from "../db/schema/people";
import { type StaffInvitation, staffInvitations } from "../db/schema/staff-invitations";
import { ROLE_NAMES, renderStaffMail, type StaffMailTemplate, WHOLE_CUSTOMER } from "../i18n/staff-invitation-mail";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { formatDate } from "../lib/format";
import { DAY } from "../lib/time";
import { normaliseEmail } from "./accounts";
import type { Actor } from "./actor";
import { grantRole } from "./role-grants";
import * as throttle from "./throttle";

/** Validity of an invitation link; a resend starts it again with a new link. */
export const INVITATION_VALIDITY_MS = 7 * DAY;
/** Against mail bombing from a hijacked admin session: invitations per admin per day. */
export const INVITES_PER_ADMIN: throttle.Limit = { name: "staff-invite", max: 50, windowMs: DAY };

export interface StaffInvitationInput {
  email: string;
  name?: string | undefined;
  role: Role;
  scopeType: "customer" | "property" | "building";
  scopeId?: string | undefined;
  language?: Locale | undefined;
}

export const invitationLink = (origin: string, token: string, locale: Locale) =>
  `${origin}/staff-invitation?token=${encodeURIComponent(token)}&lang=${locale}`;

/**
 * The scope of the role, checked against the customer (another customer's property is 404), with its
 * name for the mail. The same rules as `POST /api/roles`: an admin's scope is the customer, a
 * manager's one property or building.
 */
export async function staffScope(
  deps: Deps,
  a: Actor,
  g: Pick<StaffInvitationInput, "role" | "scopeType" | "scopeId">,
) {
  const invalid = (path: string, message: string) =>
    new AppError("VALIDATION_FAILED", "The role does not fit its scope.", [{ path, message }]);
  if (g.role === "customer_admin") {
    if (g.scopeType !== "customer") throw invalid("scopeType", "A customer admin's scope is the customer");
    return { scopeId: a.customerId, name: null };
  }
  if (g.scopeType === "customer") throw invalid("scopeType", "A property manager's scope is a property or a building");
  if (!g.scopeId) throw invalid("scopeId", "Required");
  const table = g.scopeType === "property" ? properties : buildings;
  const [found] = await deps.db
    .select({ id: table.id, name: table.name })
    .from(table)
    .where(and(eq(table.id, g.scopeId), eq(table.customerId, a.customerId)))
    .limit(1);
  if (!found) throw notFound(g.scopeType === "property" ? "Property" : "Building");
  return { scopeId: found.id, name: found.name };
}

/** The outbox row of an invitation mail (or of the notice of a direct grant), in the invitee's language. */
function staffMail(
  deps: Deps,
  customer: Customer,
  m: { to: string; userId: string | null; locale: Locale; template: StaffMailTemplate; vars: Record<string, string> },
  scope: { role: Role; name: string | null },
) {
  const { subject, body } = renderStaffMail(m.locale, m.template, {
    ...m.vars,
    app: customer.name,
    role: ROLE_NAMES[m.locale][scope.role],
    scope: scope.name ?? WHOLE_CUSTOMER[m.locale],
  });
  const row: typeof outbox.$inferInsert & { createdAt: Date; userId: string | null } = {
    id: newId(),
    customerId: customer.id,
    userId: m.userId,
    toAddress: m.to,
    template: m.template,
    locale: m.locale,
    subject,
    bodyText: body,
    createdAt: deps.now(),
  };
  return row;
}

export type InvitationOutcome =
  | { outcome: "invited"; invitation: StaffInvitation }
  | { outcome: "granted"; role: Awaited<ReturnType<typeof grantRole>> };

/**
 * Invites a new manager or admin by e-mail (customer admins only). An address that already has an
 * active account of this customer gets the role at once (and a notice); accounts of other customers
 * are never looked at (decision 0001), so their addresses are invited like any new one. Otherwise a
 * single-use link valid for 7 days is mailed in the invitee's language; only its hash is stored. The
 * invitation and its mail are written in one batch.
 */
export async function inviteStaff(
  deps: Deps,
  a: Actor,
  customer: Customer,
  origin: string,
  input: StaffInvitationInput,
): Promise<InvitationOutcome> {
  const scope = await staffScope(deps, a, input);
  const email = normaliseEmail(input.email);
  const account = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, a.customerId), eq(users.email, email)),
  });
  await throttle.consume(deps, INVITES_PER_ADMIN, a.userId);
  if (account?.status === "active") {
    const role = await grantRole(deps, a, {
      email,
      role: input.role,
      scopeType: input.scopeType,
      scopeId: scope.scopeId,
    });
    const notice = staffMail(
      deps,
      customer,
      {
        to: account.email,
        userId: account.id,
        locale: account.locale,
        template: "staff-role-granted",
        vars: { name: account.name, inviter: a.name, link: `${origin}/?lang=${account.locale}` },
      },
      { role: input.role, name: scope.name },
    );
    await deps.db.insert(outbox).values(notice);
    return { outcome: "granted", role };
  }
  const now = deps.now();
  const [pending] = await deps.db
    .select({ id: staffInvitations.id })
    .from(staffInvitations)
    .where(
      and(
        eq(staffInvitations.customerId, a.customerId),
        eq(staffInvitations.email, email),
        eq(staffInvitations.role, input.role),
        eq(staffInvitations.scopeType, input.scopeType),
        eq(staffInvitations.scopeId, scope.scopeId),
        ...pendingAt(now),
      ),
    )
    .limit(1);
  if (pending) {
    throw new AppError("INVITATION_PENDING", "This person already has a pending invitation for this role.", {
      invitationId: pending.id,
    });
  }
  const locale = input.language ?? customer.locale;
  const token = randomToken(32);
  const row: StaffInvitation = {
    id: newId(),
    customerId: a.customerId,
    email,
    name: input.name ?? null,
    locale,
    role: input.role,
    scopeType: input.scopeType,
    scopeId: scope.scopeId,
    tokenHash: await sha256Hex(token),
    invitedBy: a.userId,
    expiresAt: new Date(now.getTime() + INVITATION_VALIDITY_MS),
    sentAt: now,
    sendCount: 1,
    revokedAt: null,
    acceptedAt: null,
    userId: null,
    roleAssignmentId: null,
    createdAt: now,
  };
  await deps.db.batch([
    deps.db.insert(staffInvitations).values(row),
    deps.db.insert(outbox).values(invitationMail(deps, customer, a, row, origin, token, scope.name)),
  ]);
  return { outcome: "invited", invitation: row };
}

export function invitationMail(
  deps: Deps,
  customer: Customer,
  a: Actor,
  inv: StaffInvitation,
  origin: string,
  token: string,
  scopeName: string | null,
) {
  return staffMail(
    deps,
    customer,
    {
      to: inv.email,
      userId: null,
      locale: inv.locale,
      template: "staff-invitation",
      vars: {
        name: inv.name ?? "",
        inviter: a.name,
        link: invitationLink(origin, token, inv.locale),
        expires: formatDate(inv.expiresAt, inv.locale, customer.jurisdiction),
      },
    },
    { role: inv.role, name: scopeName },
  );
}

/** Not accepted, not revoked, not expired at `now`. */
export const pendingAt = (now: Date) => [
  isNull(staffInvitations.acceptedAt),
  isNull(staffInvitations.revokedAt),
  gt(staffInvitations.expiresAt, now),
];
