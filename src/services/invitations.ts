import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { Customer } from "../db/schema/customers";
import { type ActivationCode, activationCodes } from "../db/schema/onboarding";
import { formatCode } from "../lib/codes";
import { AppError, notFound } from "../lib/errors";
import { formatDate } from "../lib/format";
import { DAY } from "../lib/time";
import { type Actor, currentMemberships } from "./actor";
import { codeDestination, insertCode, isRedeemable, managedCode, revokedEvent } from "./codes";
import { queueMail } from "./mail";
import * as throttle from "./throttle";

export const signupLink = (origin: string, code: string) =>
  `${origin}/signup?code=${encodeURIComponent(formatCode(code))}`;

/**
 * Sends (or resends) a code by e-mail with the personal link (R-A1). The manager sees it as "sent";
 * at most 5 mails per code per hour.
 */
export async function sendCode(
  deps: Deps,
  actor: Actor,
  customer: Customer,
  origin: string,
  codeId: string,
  to: { email?: string | undefined; name?: string | undefined },
) {
  const { code, places } = await managedCode(deps, actor, codeId);
  if (!isRedeemable(code, deps.now())) throw new AppError("CODE_INVALID", "This code can no longer be used.");
  const email = (to.email ?? code.recipientEmail ?? "").trim().toLowerCase();
  if (!email)
    throw new AppError("VALIDATION_FAILED", "Whom should the code go to?", [{ path: "email", message: "Required" }]);
  await throttle.consume(deps, throttle.MAIL_PER_ACCOUNT, `code:${code.id}`);
  const name = to.name ?? code.recipientName ?? "";
  const place = places[0];
  await queueMail(deps, {
    customerId: customer.id,
    userId: null,
    to: email,
    locale: customer.locale,
    template: "code-invitation",
    vars: {
      app: customer.name,
      name,
      building: place ? `${place.buildingName}, ${place.postalCode} ${place.city}` : "",
      unit: place?.unitName ?? "",
      code: formatCode(code.code),
      link: signupLink(origin, code.code),
      expires: formatDate(code.expiresAt, customer.locale, customer.jurisdiction),
    },
  });
  const now = deps.now();
  await deps.db
    .update(activationCodes)
    .set({
      recipientEmail: email,
      recipientName: name || null,
      sentAt: now,
      sendCount: sql`${activationCodes.sendCount} + 1`,
    })
    .where(eq(activationCodes.id, code.id));
}

export const INVITES_PER_RESIDENT: throttle.Limit = { name: "neighbour-invite", max: 5, windowMs: DAY };
const INVITATION_VALIDITY_DAYS = 14;

/**
 * A resident invites a flatmate or family member into their own unit (R-A3): a single-use code for
 * the resident's current tenancy, mailed with a personal link. The customer can switch this off;
 * 5 invitations per resident per day.
 */
export async function inviteNeighbour(
  deps: Deps,
  actor: Actor,
  customer: Customer,
  origin: string,
  input: { email: string; name?: string | undefined; tenancyId?: string | undefined },
) {
  if (!customer.allowNeighbourInvites) throw new AppError("INVITES_DISABLED", "Invitations are switched off.");
  const homes = currentMemberships(actor);
  const home = input.tenancyId ? homes.find((h) => h.tenancyId === input.tenancyId) : homes[0];
  if (!home) throw new AppError("NO_TENANCY", "You can invite people into a home you currently live in.");
  await throttle.consume(deps, INVITES_PER_RESIDENT, actor.userId);
  const code = await insertCode(
    deps,
    actor.customerId,
    [home.tenancyId],
    "neighbour",
    actor.userId,
    { recipientEmail: input.email, recipientName: input.name },
    INVITATION_VALIDITY_DAYS,
  );
  const [place] = await codeDestination(deps, code.id);
  await queueMail(deps, {
    customerId: customer.id,
    userId: null,
    to: input.email.trim().toLowerCase(),
    locale: customer.locale,
    template: "neighbour-invitation",
    vars: {
      app: customer.name,
      inviter: actor.name,
      building: place ? `${place.buildingName}, ${place.postalCode} ${place.city}` : "",
      code: formatCode(code.code),
      link: signupLink(origin, code.code),
      expires: formatDate(code.expiresAt, customer.locale, customer.jurisdiction),
    },
  });
  const now = deps.now();
  await deps.db.update(activationCodes).set({ sentAt: now, sendCount: 1 }).where(eq(activationCodes.id, code.id));
  return { ...code, sentAt: now, sendCount: 1 };
}

/** The resident's pending invitations (not used, not withdrawn, not expired). */
export async function listMyInvitations(deps: Deps, actor: Actor): Promise<ActivationCode[]> {
  return deps.db
    .select()
    .from(activationCodes)
    .where(
      and(
        eq(activationCodes.customerId, actor.customerId),
        eq(activationCodes.createdBy, actor.userId),
        eq(activationCodes.source, "neighbour"),
        isNull(activationCodes.usedAt),
        isNull(activationCodes.revokedAt),
        gt(activationCodes.expiresAt, deps.now()),
      ),
    )
    .orderBy(desc(activationCodes.createdAt));
}

/** Withdraws one of the resident's own pending invitations. */
export async function withdrawInvitation(deps: Deps, actor: Actor, codeId: string) {
  const own = and(
    eq(activationCodes.id, codeId),
    eq(activationCodes.customerId, actor.customerId),
    eq(activationCodes.createdBy, actor.userId),
    eq(activationCodes.source, "neighbour"),
    isNull(activationCodes.revokedAt),
    isNull(activationCodes.usedAt),
  );
  const [mine] = await deps.db.select({ id: activationCodes.id }).from(activationCodes).where(own);
  if (!mine) throw notFound("Invitation");
  // The webhook outbox row (R-I3) in the same batch, written only if the code is still unrevoked.
  const [, rows] = await deps.db.batch([
    revokedEvent(deps, mine.id),
    deps.db.update(activationCodes).set({ revokedAt: deps.now() }).where(own).returning({ id: activationCodes.id }),
  ]);
  if (rows.length === 0) throw notFound("Invitation");
}
