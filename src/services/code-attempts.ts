import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { activationCodes } from "../db/schema/onboarding";
import { normaliseCode } from "../lib/codes";
import { AppError } from "../lib/errors";
import { isRedeemable } from "./codes";
import * as throttle from "./throttle";

/**
 * Attempt limits for code entry (exact, counted in D1 before any lookup):
 * - per client (IP): 10 failed attempts per 15 minutes;
 * - per code value: 20 attempts per hour, whether or not the code exists (a leaked letter cannot be
 *   hammered, and the limit reveals nothing);
 * - per customer: 300 failed attempts per hour, against guessing spread over many clients.
 * Wrong, expired, used and revoked codes get the same answer.
 */
export const CODE_FAILURES_PER_CLIENT: throttle.Limit = { name: "code-ip", max: 10, windowMs: 15 * 60_000 };
export const CODE_ATTEMPTS_PER_CODE: throttle.Limit = { name: "code-value", max: 20, windowMs: 60 * 60_000 };
export const CODE_FAILURES_PER_CUSTOMER: throttle.Limit = { name: "code-customer", max: 300, windowMs: 60 * 60_000 };

export const codeInvalid = () =>
  new AppError("CODE_INVALID", "This code is not valid. Check it or ask your property manager.");

/**
 * Finds a redeemable code, counting the attempt against every limit; throws CODE_INVALID or 429.
 * Every attempt is first counted as a failure, in the same atomic statement that checks the limit,
 * and given back once the code turns out valid: checking the failure count first and adding to it
 * after the lookup let parallel guesses all pass the check (25 at once were all answered).
 */
export async function findRedeemableCode(deps: Deps, customerId: string, ip: string, input: string) {
  const code = normaliseCode(input);
  const failures = [
    [CODE_FAILURES_PER_CLIENT, `${customerId}:${ip}`],
    [CODE_FAILURES_PER_CUSTOMER, customerId],
  ] as const;
  for (const [limit, subject] of failures) await throttle.consume(deps, limit, subject);
  await throttle.consume(deps, CODE_ATTEMPTS_PER_CODE, `${customerId}:${code}`);
  const row = code
    ? await deps.db.query.activationCodes.findFirst({
        where: and(eq(activationCodes.customerId, customerId), eq(activationCodes.code, code)),
      })
    : undefined;
  if (!row || !isRedeemable(row, deps.now())) throw codeInvalid();
  for (const [limit, subject] of failures) await throttle.refund(deps, limit, subject);
  return row;
}
