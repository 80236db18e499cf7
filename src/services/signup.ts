import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { Customer, Locale } from "../db/schema/customers";
import { users } from "../db/schema/people";
import { formatCode } from "../lib/codes";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { hashPassword } from "../lib/password";
import { HOUR } from "../lib/time";
import { normaliseEmail } from "./accounts";
import { claimStatements, codeDestination, findRedeemableCode } from "./codes";
import { queueMail } from "./mail";
import * as throttle from "./throttle";

/** What a valid code leads to, shown before signing up. Counts as an attempt (same limits). */
export async function checkCode(deps: Deps, customerId: string, ip: string, input: string) {
  const code = await findRedeemableCode(deps, customerId, ip, input);
  const places = await codeDestination(deps, code.id);
  return { code: formatCode(code.code), permanent: code.permanent, expiresAt: code.expiresAt, places };
}

export interface SignupInput {
  code: string;
  name: string;
  email: string;
  password: string;
  locale?: Locale | undefined;
}

type Claim = ReturnType<typeof claimStatements>;

/** Runs the batch; undefined if the address was taken in the meantime (unique index on users). */
async function runOnce(db: D1Database, statements: D1PreparedStatement[]) {
  try {
    return await db.batch(statements);
  } catch (e) {
    const text = String(e instanceof Error ? (e.cause ?? e.message) : e);
    if (text.includes("UNIQUE") && text.includes("users.")) return undefined;
    throw e;
  }
}

/**
 * Creates the pending account, or takes over a pending (never confirmed) one with this address:
 * nobody has proven it yet. As with registering again, its earlier verification links die with the
 * password they were sent for.
 */
function accountStatements(
  s: Claim,
  a: {
    userId: string;
    customerId: string;
    email: string;
    locale: Locale;
    passwordHash: string;
    input: SignupInput;
    pending: boolean;
  },
) {
  if (a.pending) {
    return [
      s.guarded(
        "UPDATE users SET name = ?4, password_hash = ?5, locale = ?6, updated_at = ?2 WHERE id = ?3",
        a.userId,
        a.input.name,
        a.passwordHash,
        a.locale,
      ),
      s.guarded(
        "UPDATE auth_tokens SET used_at = ?2 WHERE user_id = ?3 AND purpose = 'verify-email' AND used_at IS NULL",
        a.userId,
      ),
    ];
  }
  return [
    s.guarded(
      `INSERT INTO users (id, customer_id, email, name, password_hash, locale, status, created_at, updated_at)
       SELECT ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?2, ?2 WHERE 1`,
      a.userId,
      a.customerId,
      a.email,
      a.input.name,
      a.passwordHash,
      a.locale,
    ),
  ];
}

/**
 * Sign-up with a code (R-A1, R-A2): a new, unverified account checked into the code's tenancies in
 * one all-or-nothing batch, then the verification mail. The account has access once the address is
 * confirmed (with the password chosen here). An address that already has an account gets a mail to
 * log in and add the code there, and the code stays unused; the answer and the hashing work are the
 * same either way, so neither tells whether the address has an account.
 */
export async function signUpWithCode(deps: Deps, customer: Customer, origin: string, ip: string, input: SignupInput) {
  const code = await findRedeemableCode(deps, customer.id, ip, input.code);
  const email = normaliseEmail(input.email);
  await throttle.consume(deps, throttle.MAIL_PER_ACCOUNT, `${customer.id}:${email}`);
  const passwordHash = hashPassword(input.password);
  const existing = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, customer.id), eq(users.email, email)),
  });
  const locale = input.locale ?? customer.locale;
  const link = `${origin}/signup?code=${encodeURIComponent(formatCode(code.code))}`;
  if (existing && existing.status !== "pending") {
    await queueMail(deps, {
      customerId: customer.id,
      userId: existing.id,
      to: email,
      locale: existing.locale,
      template: "code-account-exists",
      vars: { app: customer.name, name: existing.name, link },
    });
    return;
  }
  const userId = existing?.id ?? newId();
  const now = deps.now();
  const token = randomToken(32);
  const s = claimStatements(deps.stores.db, code.id, userId, now);
  const account = accountStatements(s, {
    userId,
    customerId: customer.id,
    email,
    locale,
    passwordHash,
    input,
    pending: !!existing,
  });
  const results = await runOnce(deps.stores.db, [
    ...account,
    s.checkInEvents,
    s.checkIn,
    s.guarded(
      `INSERT INTO auth_tokens (id, customer_id, user_id, purpose, token_hash, expires_at, created_at)
       SELECT ?3, ?4, ?5, 'verify-email', ?6, ?7, ?2 WHERE 1`,
      newId(),
      customer.id,
      userId,
      await sha256Hex(token),
      now.getTime() + 24 * HOUR,
    ),
    s.claim,
  ]);
  // A concurrent sign-up of the same new address (another isolate) inserted first: it mails the
  // link; this one answers the same, and its batch (code claim included) was rolled back.
  if (!results) return;
  if (!results.at(-1)?.meta.changes)
    throw new AppError("CODE_INVALID", "This code is not valid. Check it or ask your property manager.");
  await queueMail(deps, {
    customerId: customer.id,
    userId,
    to: email,
    locale,
    template: "verify-email",
    vars: { app: customer.name, name: input.name, link: `${origin}/verify-email?token=${encodeURIComponent(token)}` },
  });
}
