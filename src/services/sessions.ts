import { and, eq, lt } from "drizzle-orm";
import type { Deps } from "../app-env";
import { type Session, sessions } from "../db/schema/auth";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { DAY, MINUTE } from "../lib/time";

/** Absolute lifetime and idle timeout of a session (documented in README). */
export const SESSION_MAX_AGE_MS = 30 * DAY;
export const SESSION_IDLE_MS = 7 * DAY;
/** `last_seen_at` is refreshed at most this often, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 5 * MINUTE;

/** Starts a session; returns the raw token (only its hash is stored). */
export async function createSession(deps: Deps, customerId: string, userId: string) {
  const token = randomToken(32);
  const now = deps.now();
  await deps.db.insert(sessions).values({
    id: newId(),
    customerId,
    userId,
    tokenHash: await sha256Hex(token),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_MS),
  });
  return token;
}

/** The session of a token, bound to the customer of the app it is used on; null if unknown or expired. */
export async function findSession(deps: Deps, customerId: string, token: string) {
  const [s] = await deps.db
    .select()
    .from(sessions)
    .where(sessionOfToken(customerId, await sha256Hex(token)));
  return s && (await keepAlive(deps, s)) ? s : null;
}

export function sessionOfToken(customerId: string, tokenHash: string) {
  return and(eq(sessions.tokenHash, tokenHash), eq(sessions.customerId, customerId));
}

/** Ends a session past its lifetime or idle timeout (false); refreshes `last_seen_at` now and then (true). */
export async function keepAlive(deps: Deps, s: Session): Promise<boolean> {
  const now = deps.now().getTime();
  if (s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + SESSION_IDLE_MS <= now) {
    await deps.db.delete(sessions).where(eq(sessions.id, s.id));
    return false;
  }
  if (now - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await deps.db
      .update(sessions)
      .set({ lastSeenAt: new Date(now) })
      .where(eq(sessions.id, s.id));
  }
  return true;
}

export async function endSession(deps: Deps, sessionId: string) {
  await deps.db.delete(sessions).where(eq(sessions.id, sessionId));
}

export async function endAllSessions(deps: Deps, userId: string) {
  await deps.db.delete(sessions).where(eq(sessions.userId, userId));
}

/** Purge helper: removes sessions past their absolute lifetime. */
export async function purgeExpiredSessions(deps: Deps) {
  await deps.db.delete(sessions).where(lt(sessions.expiresAt, deps.now()));
}
