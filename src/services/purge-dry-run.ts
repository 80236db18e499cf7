import { and, count, eq, lt, lte, ne, or, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import { oauthRefreshTokens } from "../db/schema/api-clients";
import { authTokens, outbox, sessions, throttles } from "../db/schema/auth";
import { masterDataChanges } from "../db/schema/changes";
import { dataExports } from "../db/schema/exports";
import { files } from "../db/schema/files";
import { idempotencyKeys } from "../db/schema/idempotency";
import { moderationLog, moderationReports } from "../db/schema/moderation";
import { notificationItems } from "../db/schema/notifications";
import { accessRequests, activationCodes } from "../db/schema/onboarding";
import { webhookAttempts, webhookDeliveries } from "../db/schema/webhooks";
import { DAY } from "../lib/time";
import { ACCESS_LOG_PREFIX, hourPrefix } from "./access-log";
import { LEDGER_PREFIX, LEDGER_RETENTION_DAYS } from "./erasure-ledger";
import { tenancyEndCandidates } from "./erasure-tenancy-end";
import { countHeldExports, notHeld } from "./holds";
import { CHANGE_RETENTION_MS, WEBHOOK_LOG_RETENTION_MS } from "./integration-purge";
import { countNewsletterPurge } from "./newsletter-purge";
import {
  ACCESS_LOG_RETENTION_DAYS,
  CLOSED_REPORT_RETENTION_MS,
  MODERATION_LOG_RETENTION_MS,
  NOTIFICATION_RETENTION_MS,
  OUTBOX_RETENTION_MS,
  type PurgeReport,
  SPENT_CODE_RETENTION_MS,
  THROTTLE_RETENTION_MS,
} from "./purge";
import { SESSION_IDLE_MS } from "./sessions";
import { countStaffInvitationPurge } from "./staff-invitation-purge";

/**
 * The purge's dry run (`npm run ops -- purge --dry-run`): what `purgeRegion` would delete now, as the
 * same report, counted with the same conditions and nothing written. A test runs both on the same data
 * and compares the reports, so the two cannot drift apart unnoticed. Counts are totals: the real purge
 * may need several hourly runs for very large backlogs (each step stops after 100 batches), and it
 * opens at most 50 tenancy-end erasures a run, as counted here.
 */
/** Pending uploads never attached are deleted after a day (src/services/files.ts `purgeFiles`). */
const FILE_PENDING_MS = DAY;
const TENANCY_END_BATCH = 50;

async function rows(deps: Deps, table: SQLiteTable, where: SQL | undefined): Promise<number> {
  const [r] = await deps.db.select({ n: count() }).from(table).where(where);
  return r?.n ?? 0;
}

/** Keys under `prefix` that sort before `cutoffKey` (time-ordered keys), without deleting. */
async function keysBefore(bucket: R2Bucket, prefix: string, cutoffKey: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    const old = page.objects.filter((o) => o.key < cutoffKey).length;
    n += old;
    if (old < page.objects.length) break;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return n;
}

export async function purgeDryRun(deps: Deps): Promise<PurgeReport & { dryRun: true }> {
  const now = deps.now();
  const at = (ms: number) => new Date(now.getTime() - ms);
  const spentBefore = at(SPENT_CODE_RETENTION_MS);
  const tenancyEnd = await tenancyEndCandidates(deps, TENANCY_END_BATCH);
  return {
    dryRun: true,
    jurisdiction: deps.stores.jurisdiction,
    sessions: await rows(
      deps,
      sessions,
      or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, at(SESSION_IDLE_MS))),
    ),
    authTokens: await rows(deps, authTokens, lte(authTokens.expiresAt, now)),
    outbox: await rows(deps, outbox, lt(outbox.createdAt, at(OUTBOX_RETENTION_MS))),
    throttles: await rows(deps, throttles, lte(throttles.windowStart, at(THROTTLE_RETENTION_MS))),
    accessLogObjects: await keysBefore(
      deps.stores.files,
      ACCESS_LOG_PREFIX,
      hourPrefix(at(ACCESS_LOG_RETENTION_DAYS * DAY).toISOString()),
    ),
    activationCodes: await rows(
      deps,
      activationCodes,
      or(
        lte(activationCodes.expiresAt, spentBefore),
        lte(activationCodes.revokedAt, spentBefore),
        and(eq(activationCodes.permanent, false), lte(activationCodes.usedAt, spentBefore)),
      ),
    ),
    accessRequests: await rows(deps, accessRequests, lte(accessRequests.expiresAt, now)),
    notificationItems: await rows(
      deps,
      notificationItems,
      lt(notificationItems.createdAt, at(NOTIFICATION_RETENTION_MS)),
    ),
    moderationReports: await rows(
      deps,
      moderationReports,
      lt(moderationReports.closedAt, at(CLOSED_REPORT_RETENTION_MS)),
    ),
    moderationLog: await rows(deps, moderationLog, lt(moderationLog.createdAt, at(MODERATION_LOG_RETENTION_MS))),
    dataExports: await rows(deps, dataExports, and(lte(dataExports.expiresAt, now), notHeld(dataExports.userId, now))),
    heldExports: await countHeldExports(deps, now),
    files: await rows(
      deps,
      files,
      or(
        and(eq(files.state, "pending"), lt(files.createdAt, at(FILE_PENDING_MS))),
        and(eq(files.state, "erased"), ne(files.objectKey, "")),
      ),
    ),
    oauthRefreshTokens: await rows(deps, oauthRefreshTokens, lte(oauthRefreshTokens.expiresAt, now)),
    erasureLedger: await keysBefore(
      deps.stores.files,
      LEDGER_PREFIX,
      `${LEDGER_PREFIX}${at(LEDGER_RETENTION_DAYS * DAY).toISOString()}`,
    ),
    tenancyEndErasures: tenancyEnd.length,
    masterDataChanges: await rows(deps, masterDataChanges, lte(masterDataChanges.occurredAt, at(CHANGE_RETENTION_MS))),
    idempotencyKeys: await rows(deps, idempotencyKeys, lte(idempotencyKeys.expiresAt, now)),
    webhookDeliveries: await rows(
      deps,
      webhookDeliveries,
      lte(webhookDeliveries.createdAt, at(WEBHOOK_LOG_RETENTION_MS)),
    ),
    webhookAttempts: await rows(deps, webhookAttempts, lte(webhookAttempts.attemptedAt, at(WEBHOOK_LOG_RETENTION_MS))),
    ...(await countNewsletterPurge(deps, now)),
    ...(await countStaffInvitationPurge(deps, now)),
  };
}
