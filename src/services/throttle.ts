import { sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { throttles } from "../db/schema/auth";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";

export interface Limit {
  name: string;
  max: number;
  windowMs: number;
}

/** Exact limits (fixed windows), counted in D1 so every isolate sees the same counter. */
export const LOGIN_PER_IP: Limit = { name: "login-ip", max: 30, windowMs: 15 * 60_000 };
export const LOGIN_FAILURES_PER_ACCOUNT: Limit = { name: "login-account", max: 10, windowMs: 15 * 60_000 };
export const MAIL_PER_ACCOUNT: Limit = { name: "mail-account", max: 5, windowMs: 60 * 60_000 };

async function keyOf(limit: Limit, subject: string) {
  return sha256Hex(`${limit.name}:${subject}`);
}

/** Current count in the window (0 when the window has passed). */
export async function peek(deps: Deps, limit: Limit, subject: string) {
  const key = await keyOf(limit, subject);
  const now = deps.now().getTime();
  const row = await deps.db.query.throttles.findFirst({ where: (t, { eq }) => eq(t.key, key) });
  if (!row || row.windowStart.getTime() + limit.windowMs <= now) return { count: 0, retryAfterS: 0 };
  return { count: row.count, retryAfterS: Math.ceil((row.windowStart.getTime() + limit.windowMs - now) / 1000) };
}

/** Adds one (or `amount`, e.g. bytes) to the counter in a single atomic statement and returns the new count. */
export async function hit(deps: Deps, limit: Limit, subject: string, amount = 1): Promise<number> {
  const key = await keyOf(limit, subject);
  const now = deps.now().getTime();
  const expired = now - limit.windowMs;
  const [row] = await deps.db
    .insert(throttles)
    .values({ key, windowStart: new Date(now), count: amount })
    .onConflictDoUpdate({
      target: throttles.key,
      set: {
        count: sql`CASE WHEN ${throttles.windowStart} <= ${expired} THEN ${amount} ELSE ${throttles.count} + ${amount} END`,
        windowStart: sql`CASE WHEN ${throttles.windowStart} <= ${expired} THEN ${now} ELSE ${throttles.windowStart} END`,
      },
    })
    .returning({ count: throttles.count });
  return row?.count ?? 1;
}

/** Gives back one counted attempt (e.g. a code that turned out valid is no failure). */
export async function refund(deps: Deps, limit: Limit, subject: string) {
  const key = await keyOf(limit, subject);
  await deps.db
    .update(throttles)
    .set({ count: sql`max(${throttles.count} - 1, 0)` })
    .where(sql`${throttles.key} = ${key}`);
}

export async function reset(deps: Deps, limit: Limit, subject: string) {
  const key = await keyOf(limit, subject);
  await deps.db.delete(throttles).where(sql`${throttles.key} = ${key}`);
}

/** Counts an attempt and throws 429 once the limit is passed. */
export async function consume(deps: Deps, limit: Limit, subject: string) {
  const count = await hit(deps, limit, subject);
  if (count > limit.max) {
    const { retryAfterS } = await peek(deps, limit, subject);
    throw rateLimited(retryAfterS);
  }
}

export function rateLimited(retryAfterS: number) {
  return new AppError(
    "RATE_LIMITED",
    "Too many attempts. Try again later.",
    { retryAfterSeconds: retryAfterS },
    {
      "retry-after": String(Math.max(1, retryAfterS)),
    },
  );
}
