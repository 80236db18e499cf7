import { and, eq, gt, isNull } from "drizzle-orm";
import type { Deps } from "../app-env";
import { authTokens } from "../db/schema/auth";
import type { Customer, Locale } from "../db/schema/customers";
import { users } from "../db/schema/people";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "../lib/password";
import { HOUR, MINUTE } from "../lib/time";
import { queueMail } from "./mail";
import { disconnectFromRooms } from "./rooms";
import { createSession, endAllSessions } from "./sessions";
import * as throttle from "./throttle";

const VERIFY_TTL_MS = 24 * HOUR;
const RESET_TTL_MS = 30 * MINUTE;

export function normaliseEmail(email: string) {
  return email.trim().toLowerCase();
}

type Purpose = "verify-email" | "reset-password";

async function issueToken(deps: Deps, customerId: string, userId: string, purpose: Purpose, ttlMs: number) {
  const token = randomToken(32);
  const now = deps.now();
  await deps.db.insert(authTokens).values({
    id: newId(),
    customerId,
    userId,
    purpose,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(now.getTime() + ttlMs),
    createdAt: now,
  });
  return token;
}

/** Marks a token used in one conditional statement, so two concurrent uses cannot both succeed. */
async function takeToken(deps: Deps, customerId: string, token: string, purpose: Purpose) {
  const now = deps.now();
  const [row] = await deps.db
    .update(authTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(authTokens.tokenHash, await sha256Hex(token)),
        eq(authTokens.customerId, customerId),
        eq(authTokens.purpose, purpose),
        isNull(authTokens.usedAt),
        gt(authTokens.expiresAt, now),
      ),
    )
    .returning({ userId: authTokens.userId });
  if (!row) throw new AppError("TOKEN_INVALID", "This link is invalid, used or expired.");
  return row.userId;
}

function link(origin: string, page: string, token: string) {
  return `${origin}/${page}?token=${encodeURIComponent(token)}`;
}

export interface RegisterInput {
  name: string;
  email: string;
  password: string;
  locale?: Locale | undefined;
}

/**
 * Registration (R-A2). The answer is the same whether or not the address is known: a known address
 * gets a mail saying an account exists instead of a second account. The same hashing work runs on
 * both paths.
 */
export async function register(deps: Deps, customer: Customer, origin: string, input: RegisterInput) {
  const email = normaliseEmail(input.email);
  const locale = input.locale ?? customer.locale;
  // Throttled before hashing (the answer to a throttled request does not depend on the address).
  await throttle.consume(deps, throttle.MAIL_PER_ACCOUNT, `${customer.id}:${email}`);
  const passwordHash = hashPassword(input.password);
  const existing = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, customer.id), eq(users.email, email)),
  });
  const vars = { app: customer.name, name: input.name };
  if (existing && existing.status !== "pending") {
    const token = await issueToken(deps, customer.id, existing.id, "reset-password", RESET_TTL_MS);
    await queueMail(deps, {
      customerId: customer.id,
      userId: existing.id,
      to: email,
      locale: existing.locale,
      template: "account-exists",
      vars: { ...vars, name: existing.name, link: link(origin, "reset-password", token) },
    });
    return;
  }
  const now = deps.now();
  const userId = existing?.id ?? newId();
  if (existing) {
    // A pending account registered again: the latest name and password win (nobody has verified yet).
    // Earlier links die with the password they were sent for, so an older mail's link cannot
    // activate the account with a password set by someone else afterwards.
    await deps.db.batch([
      deps.db.update(users).set({ name: input.name, passwordHash, locale, updatedAt: now }).where(eq(users.id, userId)),
      deps.db
        .update(authTokens)
        .set({ usedAt: now })
        .where(and(eq(authTokens.userId, userId), eq(authTokens.purpose, "verify-email"), isNull(authTokens.usedAt))),
    ]);
  } else {
    const [inserted] = await deps.db
      .insert(users)
      .values({
        id: userId,
        customerId: customer.id,
        email,
        name: input.name,
        passwordHash,
        locale,
        status: "pending",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: users.id });
    // A concurrent registration of the same address (another isolate) inserted first: it mails the
    // link; this one answers the same without a second account, instead of failing on the unique index.
    if (!inserted) return;
  }
  const token = await issueToken(deps, customer.id, userId, "verify-email", VERIFY_TTL_MS);
  await queueMail(deps, {
    customerId: customer.id,
    userId,
    to: email,
    locale,
    template: "verify-email",
    vars: { ...vars, link: link(origin, "verify-email", token) },
  });
}

/**
 * Confirms the e-mail address. The current password is required with the link: whoever registered an
 * address last sets the pending account's password, so activation needs both the mailbox and that
 * password — someone who registered a stranger's address cannot get it activated by the owner's click.
 */
export async function verifyEmail(deps: Deps, customerId: string, token: string, password: string) {
  const now = deps.now();
  const pending = await deps.db
    .select({ userId: authTokens.userId, passwordHash: users.passwordHash, email: users.email })
    .from(authTokens)
    .innerJoin(users, eq(users.id, authTokens.userId))
    .where(
      and(
        eq(authTokens.tokenHash, await sha256Hex(token)),
        eq(authTokens.customerId, customerId),
        eq(authTokens.purpose, "verify-email"),
        isNull(authTokens.usedAt),
        gt(authTokens.expiresAt, now),
      ),
    );
  const row = pending[0];
  if (!row) throw new AppError("TOKEN_INVALID", "This link is invalid, used or expired.");
  const account = `${customerId}:${row.email}`;
  await throttle.consume(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  if (!verifyPassword(password, row.passwordHash)) {
    throw new AppError("INVALID_CREDENTIALS", "The password does not match the one chosen at sign-up.");
  }
  await throttle.reset(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  const userId = await takeToken(deps, customerId, token, "verify-email");
  await deps.db
    .update(users)
    .set({ status: "active", emailVerifiedAt: now, updatedAt: now })
    .where(and(eq(users.id, userId), eq(users.status, "pending")));
}

/**
 * Login. Limits are checked before any hash is computed: per IP (every attempt) and per account
 * (attempts since the last correct password). The account attempt is counted in the same atomic
 * statement that checks the limit, before the KDF: counting only after a failed verification let
 * parallel requests all pass the check and run more KDFs than the limit allows. Unknown addresses
 * run the same KDF against a dummy hash and get the same answer.
 */
export async function login(deps: Deps, customerId: string, ip: string, email: string, password: string) {
  const account = `${customerId}:${normaliseEmail(email)}`;
  await throttle.consume(deps, throttle.LOGIN_PER_IP, ip);
  await throttle.consume(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);

  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, customerId), eq(users.email, normaliseEmail(email))),
  });
  const ok = verifyPassword(password, user?.passwordHash ?? dummyHash());
  if (!user || !ok || user.status === "disabled" || user.status === "erased") {
    throw new AppError("INVALID_CREDENTIALS", "E-mail or password is wrong.");
  }
  await throttle.reset(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  if (user.status === "pending") throw new AppError("EMAIL_NOT_VERIFIED", "Please confirm your e-mail address first.");
  if (needsRehash(user.passwordHash)) {
    await deps.db
      .update(users)
      .set({ passwordHash: hashPassword(password) })
      .where(eq(users.id, user.id));
  }
  return { user, token: await createSession(deps, customerId, user.id) };
}

/** Always answers the same; sends a reset link only to an existing, not erased account. */
export async function requestPasswordReset(deps: Deps, customer: Customer, origin: string, email: string) {
  const addr = normaliseEmail(email);
  await throttle.consume(deps, throttle.MAIL_PER_ACCOUNT, `${customer.id}:${addr}`);
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, customer.id), eq(users.email, addr)),
  });
  if (!user || user.status === "erased" || user.status === "disabled") return;
  const token = await issueToken(deps, customer.id, user.id, "reset-password", RESET_TTL_MS);
  await queueMail(deps, {
    customerId: customer.id,
    userId: user.id,
    to: user.email,
    locale: user.locale,
    template: "reset-password",
    vars: { app: customer.name, name: user.name, link: link(origin, "reset-password", token) },
  });
}

/**
 * Sets a new password from a reset link; ends every session. A pending account becomes verified.
 * The token is checked before the password is hashed: this route is public and unthrottled, so a
 * made-up token must not cost a KDF run.
 */
export async function confirmPasswordReset(deps: Deps, customerId: string, token: string, password: string) {
  const userId = await takeToken(deps, customerId, token, "reset-password");
  const passwordHash = hashPassword(password);
  const now = deps.now();
  const user = await deps.db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user || user.status === "erased" || user.status === "disabled") {
    throw new AppError("TOKEN_INVALID", "This link is invalid, used or expired.");
  }
  await deps.db
    .update(users)
    .set({ passwordHash, status: "active", emailVerifiedAt: user.emailVerifiedAt ?? now, updatedAt: now })
    .where(eq(users.id, userId));
  await endAllSessions(deps, userId);
  await disconnectFromRooms(deps, user.customerId, userId);
  // A new password ends a lock-out caused by failed logins with the old one.
  await throttle.reset(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, `${customerId}:${user.email}`);
}

/** Changes the password after checking the current one; ends all sessions and starts a new one. */
export async function changePassword(
  deps: Deps,
  customer: Customer,
  origin: string,
  userId: string,
  current: string,
  next: string,
) {
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.id, userId), eq(users.customerId, customer.id)),
  });
  if (!user) throw new AppError("UNAUTHENTICATED", "Please log in.");
  await throttle.consume(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, `${customer.id}:${user.email}`);
  if (!verifyPassword(current, user.passwordHash)) {
    throw new AppError("INVALID_CREDENTIALS", "The current password is wrong.");
  }
  await throttle.reset(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, `${customer.id}:${user.email}`);
  await deps.db
    .update(users)
    .set({ passwordHash: hashPassword(next), updatedAt: deps.now() })
    .where(eq(users.id, userId));
  await endAllSessions(deps, userId);
  await disconnectFromRooms(deps, user.customerId, userId);
  const token = await issueToken(deps, customer.id, userId, "reset-password", RESET_TTL_MS);
  await queueMail(deps, {
    customerId: customer.id,
    userId,
    to: user.email,
    locale: user.locale,
    template: "password-changed",
    vars: { app: customer.name, name: user.name, link: link(origin, "reset-password", token) },
  });
  return createSession(deps, customer.id, userId);
}
