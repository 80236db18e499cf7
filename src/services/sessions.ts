import { and, eq, lt } from "drizzle-orm";
import type { Deps } from "../app-env";
import { sessions } from "../db/schema/auth";
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
  const hash = await sha256Hex(token);
  const [s] = await deps.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, hash), eq(sessions.customerId, customerId)));
  if (!s) return null;
  const now = deps.now().getTime();
  if (s.expiresAt.getTime() <= now || s.lastSeenAt.getTime() + SESSION_IDLE_MS <= now) {
    await deps.db.delete(sessions).where(eq(sessions.id, s.id));
    return null;
  }
  if (now - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await deps.db
      .update(sessions)
      .set({ lastSeenAt: new Date(now) })
      .where(eq(sessions.id, s.id));
  }
  return s;
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
