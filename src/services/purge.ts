import { and, inArray, lt, lte } from "drizzle-orm";
import type { Deps } from "../app-env";
import { authTokens, outbox, sessions, throttles } from "../db/schema/auth";
import { DAY } from "../lib/time";
import { ACCESS_LOG_PREFIX } from "./access-log";

export const ACCESS_LOG_RETENTION_DAYS = 90;
const OUTBOX_RETENTION_MS = 7 * DAY;
const BATCH = 500;

export interface PurgeReport {
  jurisdiction: string;
  sessions: number;
  authTokens: number;
  outbox: number;
  throttles: number;
  accessLogObjects: number;
}

/** Deletes up to BATCH ids per statement through the indexed time column; repeats until done. */
async function drain(run: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const n = await run();
    total += n;
    if (n < BATCH) break;
  }
  return total;
}

/**
 * The retention purge of one jurisdiction (cron). Bounded, indexed batches; safe to run twice;
 * reports counts only. The privacy issue adds accounts of ended tenancies and legal holds.
 */
export async function purgeRegion(deps: Deps): Promise<PurgeReport> {
  const { db } = deps;
  const now = deps.now();
  const ids = <T extends { id: string }>(rows: T[]) => rows.map((r) => r.id);
  const sessionsDone = await drain(async () => {
    const rows = await db.select({ id: sessions.id }).from(sessions).where(lt(sessions.expiresAt, now)).limit(BATCH);
    if (rows.length) await db.delete(sessions).where(inArray(sessions.id, ids(rows)));
    return rows.length;
  });
  const tokensDone = await drain(async () => {
    const rows = await db
      .select({ id: authTokens.id })
      .from(authTokens)
      .where(lt(authTokens.expiresAt, now))
      .limit(BATCH);
    if (rows.length) await db.delete(authTokens).where(inArray(authTokens.id, ids(rows)));
    return rows.length;
  });
  const outboxDone = await drain(async () => {
    const cutoff = new Date(now.getTime() - OUTBOX_RETENTION_MS);
    const rows = await db.select({ id: outbox.id }).from(outbox).where(lt(outbox.createdAt, cutoff)).limit(BATCH);
    if (rows.length) await db.delete(outbox).where(inArray(outbox.id, ids(rows)));
    return rows.length;
  });
  const throttlesDone = await drain(async () => {
    const cutoff = new Date(now.getTime() - DAY);
    const rows = await db
      .select({ key: throttles.key })
      .from(throttles)
      .where(lte(throttles.windowStart, cutoff))
      .limit(BATCH);
    if (rows.length)
      await db.delete(throttles).where(
        and(
          inArray(
            throttles.key,
            rows.map((r) => r.key),
          ),
        ),
      );
    return rows.length;
  });
  const accessLogObjects = await purgeAccessLog(deps.stores.files, now);
  return {
    jurisdiction: deps.stores.jurisdiction,
    sessions: sessionsDone,
    authTokens: tokensDone,
    outbox: outboxDone,
    throttles: throttlesDone,
    accessLogObjects,
  };
}

/** Deletes access-log objects of hours that ended more than 90 days ago (keys sort by time). */
export async function purgeAccessLog(bucket: R2Bucket, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - ACCESS_LOG_RETENTION_DAYS * DAY).toISOString();
  const cutoffKey = `${ACCESS_LOG_PREFIX}${cutoff.slice(0, 4)}/${cutoff.slice(5, 7)}/${cutoff.slice(8, 10)}/${cutoff.slice(11, 13)}/`;
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: ACCESS_LOG_PREFIX, limit: 1000, ...(cursor ? { cursor } : {}) });
    const old = page.objects.map((o) => o.key).filter((k) => k < cutoffKey);
    if (old.length) await bucket.delete(old);
    deleted += old.length;
    // Keys are in time order: once a page holds a key at or after the cutoff, the rest is newer.
    if (old.length < page.objects.length) break;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
