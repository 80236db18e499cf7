import { and, eq, inArray, lt, lte, or } from "drizzle-orm";
import type { Deps } from "../app-env";
import { authTokens, outbox, sessions, throttles } from "../db/schema/auth";
import { dataExports } from "../db/schema/exports";
import { moderationLog, moderationReports } from "../db/schema/moderation";
import { notificationItems } from "../db/schema/notifications";
import { accessRequests, activationCodes, activationCodeTenancies } from "../db/schema/onboarding";
import { DAY } from "../lib/time";
import { ACCESS_LOG_PREFIX, hourPrefix } from "./access-log";
import { purgeLedger } from "./erasure-ledger";
import { openTenancyEndErasures } from "./erasure-tenancy-end";
import { purgeFiles } from "./files";
import { countHeldExports, notHeld } from "./holds";
import { type IntegrationPurgeReport, purgeIntegrationRecords } from "./integration-purge";
import { type NewsletterPurgeReport, purgeNewsletter } from "./newsletter-purge";
import { purgeRefreshTokens } from "./oauth";
import { BATCH, deleteKeysBefore, drain } from "./purge-steps";
import { SESSION_IDLE_MS } from "./sessions";
import { purgeStaffInvitations, type StaffInvitationPurgeReport } from "./staff-invitation-purge";

/**
 * Access-log hours are deleted once 89 days old. The purge runs every hour and deletes whole hours, so
 * no log line is ever older than 89 days + 2 hours — within the promised 90 days (R-P9).
 */
export const ACCESS_LOG_RETENTION_DAYS = 89;
/** Codes that can no longer be used (revoked, used up, expired) are kept 30 days for the manager's overview. */
export const SPENT_CODE_RETENTION_MS = 30 * DAY;
export const OUTBOX_RETENTION_MS = 7 * DAY;
export const THROTTLE_RETENTION_MS = DAY;
/** Notification items (sent, dropped, or stuck) are references for coalescing and digests only. */
export const NOTIFICATION_RETENTION_MS = 30 * DAY;
export const CLOSED_REPORT_RETENTION_MS = 180 * DAY;
export const MODERATION_LOG_RETENTION_MS = 2 * 365 * DAY;

export interface PurgeReport extends IntegrationPurgeReport, NewsletterPurgeReport, StaffInvitationPurgeReport {
  jurisdiction: string;
  sessions: number;
  authTokens: number;
  outbox: number;
  throttles: number;
  accessLogObjects: number;
  activationCodes: number;
  accessRequests: number;
  notificationItems: number;
  moderationReports: number;
  moderationLog: number;
  dataExports: number;
  /** Uploads never attached within a day, and R2 objects of files erased through the data map (issue 8). */
  files: number;
  /** OAuth2 refresh tokens past expiry or revoked (issue 7). */
  oauthRefreshTokens: number;
  /** Expired data exports kept because their person is under a legal hold (R-P14). */
  heldExports: number;
  /** Erasure ledger entries past the restore window (decision 0025). */
  erasureLedger: number;
  /** Erasures opened for accounts whose tenancies all ended past the grace period (R-P10; the minute cron runs them). */
  tenancyEndErasures: number;
}

/**
 * The retention purge of one jurisdiction (cron). Bounded, indexed batches; safe to run twice;
 * reports counts only. The privacy issue adds accounts of ended tenancies and legal holds.
 *
 * Each batch is one `DELETE … WHERE key IN (SELECT key … LIMIT n)`: the ids never travel as bound
 * parameters, because D1 refuses statements with more than 100 of them.
 */
export async function purgeRegion(deps: Deps): Promise<PurgeReport> {
  const { db } = deps;
  const now = deps.now();
  const at = (ms: number) => new Date(now.getTime() - ms);
  // Expired as `findSession` sees it: past the absolute lifetime or idle for too long.
  const sessionsDone = await drain(() => {
    const expired = or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, at(SESSION_IDLE_MS)));
    const batch = db.select({ id: sessions.id }).from(sessions).where(expired).limit(BATCH);
    return db.delete(sessions).where(inArray(sessions.id, batch)).run();
  });
  const tokensDone = await drain(() => {
    const batch = db.select({ id: authTokens.id }).from(authTokens).where(lte(authTokens.expiresAt, now)).limit(BATCH);
    return db.delete(authTokens).where(inArray(authTokens.id, batch)).run();
  });
  const outboxDone = await drain(() => {
    const old = lt(outbox.createdAt, at(OUTBOX_RETENTION_MS));
    const batch = db.select({ id: outbox.id }).from(outbox).where(old).limit(BATCH);
    return db.delete(outbox).where(inArray(outbox.id, batch)).run();
  });
  const throttlesDone = await drain(() => {
    const old = lte(throttles.windowStart, at(THROTTLE_RETENTION_MS));
    const batch = db.select({ key: throttles.key }).from(throttles).where(old).limit(BATCH);
    return db.delete(throttles).where(inArray(throttles.key, batch)).run();
  });
  const codesDone = await drain(async () => {
    const spentBefore = at(SPENT_CODE_RETENTION_MS);
    const spent = or(
      lte(activationCodes.expiresAt, spentBefore),
      lte(activationCodes.revokedAt, spentBefore),
      and(eq(activationCodes.permanent, false), lte(activationCodes.usedAt, spentBefore)),
    );
    const batch = () =>
      db.select({ id: activationCodes.id }).from(activationCodes).where(spent).orderBy(activationCodes.id).limit(BATCH);
    // Links first (explicitly, so `changes` counts codes only), then the same codes, in one transaction.
    const [, codes] = await db.batch([
      db.delete(activationCodeTenancies).where(inArray(activationCodeTenancies.codeId, batch())),
      db.delete(activationCodes).where(inArray(activationCodes.id, batch())),
    ]);
    return codes;
  });
  // Unverified requests after a day, unhandled ones after 30 days, decided ones 30 days after the decision.
  const requestsDone = await drain(() => {
    const batch = db
      .select({ id: accessRequests.id })
      .from(accessRequests)
      .where(lte(accessRequests.expiresAt, now))
      .limit(BATCH);
    return db.delete(accessRequests).where(inArray(accessRequests.id, batch)).run();
  });
  const itemsDone = await drain(() => {
    const old = lt(notificationItems.createdAt, at(NOTIFICATION_RETENTION_MS));
    const batch = db.select({ id: notificationItems.id }).from(notificationItems).where(old).limit(BATCH);
    return db.delete(notificationItems).where(inArray(notificationItems.id, batch)).run();
  });
  const reportsDone = await drain(() => {
    const old = lt(moderationReports.closedAt, at(CLOSED_REPORT_RETENTION_MS));
    const batch = db.select({ id: moderationReports.id }).from(moderationReports).where(old).limit(BATCH);
    return db.delete(moderationReports).where(inArray(moderationReports.id, batch)).run();
  });
  const logDone = await drain(() => {
    const old = lt(moderationLog.createdAt, at(MODERATION_LOG_RETENTION_MS));
    const batch = db.select({ id: moderationLog.id }).from(moderationLog).where(old).limit(BATCH);
    return db.delete(moderationLog).where(inArray(moderationLog.id, batch)).run();
  });
  const accessLogObjects = await purgeAccessLog(deps.stores.files, now);
  const exportsDone = await purgeExports(deps, now);
  const heldExports = await countHeldExports(deps, now);
  const filesDone = await purgeFiles(deps, now);
  const integrations = await purgeIntegrationRecords(deps, now);
  const refreshTokensDone = await purgeRefreshTokens(deps, now, BATCH);
  const ledgerDone = await purgeLedger(deps.stores.files, now);
  const tenancyEnd = await openTenancyEndErasures(deps);
  const newsletter = await purgeNewsletter(deps, now);
  const staffInvitationsDone = await purgeStaffInvitations(deps, now);
  return {
    jurisdiction: deps.stores.jurisdiction,
    sessions: sessionsDone,
    authTokens: tokensDone,
    outbox: outboxDone,
    throttles: throttlesDone,
    accessLogObjects,
    activationCodes: codesDone,
    accessRequests: requestsDone,
    notificationItems: itemsDone,
    moderationReports: reportsDone,
    moderationLog: logDone,
    dataExports: exportsDone,
    heldExports,
    files: filesDone,
    oauthRefreshTokens: refreshTokensDone,
    erasureLedger: ledgerDone,
    tenancyEndErasures: tenancyEnd,
    ...integrations,
    ...newsletter,
    ...staffInvitationsDone,
  };
}

/**
 * Listing pages of the access-log step per jurisdiction and run: ≤ 20 list + 200 bulk-delete calls
 * (≤ 20,000 hour objects, i.e. two million log lines at the consumer's 100 per object), well inside
 * the 1,000 subrequests per invocation for both jurisdictions together; a larger backlog is finished
 * by the next hourly runs (bench/access-log-purge.mjs, decision 0042).
 */
export const ACCESS_LOG_MAX_PAGES = 20;

/**
 * Deletes access-log objects of hours that ended more than ACCESS_LOG_RETENTION_DAYS ago (keys sort by
 * time, so it lists only the expired keys plus one page and never reads an object's body).
 */
export async function purgeAccessLog(bucket: R2Bucket, now: Date, maxPages = ACCESS_LOG_MAX_PAGES): Promise<number> {
  // The hour that contains the cutoff instant has not ended yet at the cutoff; every earlier hour has.
  const cutoffKey = hourPrefix(new Date(now.getTime() - ACCESS_LOG_RETENTION_DAYS * DAY).toISOString());
  return deleteKeysBefore(bucket, ACCESS_LOG_PREFIX, cutoffKey, maxPages);
}

/** D1 refuses statements with more than 100 bound parameters; export ids are bound below. */
const EXPORT_BATCH = 90;

/**
 * Deletes expired data exports (R-P2: 7 days): the object first, then its row, batch by batch. A run
 * that stops in between leaves a row whose object is gone, which the next run finishes; never an
 * object without a row. Deleting a missing object is a no-op, so concurrent runs are safe. Exports of
 * a person under an active legal hold (files or every store) are kept and counted (`heldExports`).
 */
export async function purgeExports(deps: Deps, now: Date): Promise<number> {
  const { db } = deps;
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const rows = await db
      .select({ id: dataExports.id, objectKey: dataExports.objectKey })
      .from(dataExports)
      .where(and(lte(dataExports.expiresAt, now), notHeld(dataExports.userId, now)))
      .limit(EXPORT_BATCH);
    if (rows.length === 0) break;
    await deps.stores.files.delete(rows.map((r) => r.objectKey));
    const done = await db
      .delete(dataExports)
      .where(
        and(
          inArray(
            dataExports.id,
            rows.map((r) => r.id),
          ),
          lte(dataExports.expiresAt, now),
        ),
      )
      .run();
    total += done.meta.changes;
    if (rows.length < EXPORT_BATCH) break;
  }
  return total;
}
