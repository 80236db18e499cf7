import { and, asc, desc, eq, gte, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { masterDataChanges } from "../db/schema/changes";
import { buildings, units } from "../db/schema/estate";
import {
  type ActivationCode,
  activationCodes,
  activationCodeTenancies,
  type CODE_SOURCES,
} from "../db/schema/onboarding";
import { type Tenancy, tenancies } from "../db/schema/people";
import { formatCode, generateCode, normaliseCode } from "../lib/codes";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { DAY, isoDay } from "../lib/time";
import type { Actor } from "./actor";
import { codeInvalid, findRedeemableCode } from "./code-attempts";
import { changeEvent } from "./master-data-changes";

export const DEFAULT_CODE_VALIDITY_DAYS = 90;
export type CodeStatus = "unused" | "sent" | "used" | "expired" | "revoked";

/** What a manager sees per code. */
export function codeStatus(c: ActivationCode, now: Date): CodeStatus {
  if (c.revokedAt) return "revoked";
  if (c.usedAt && !c.permanent) return "used";
  if (c.expiresAt.getTime() <= now.getTime()) return "expired";
  if (c.sentAt) return "sent";
  return "unused";
}

export function isRedeemable(c: ActivationCode, now: Date) {
  return !c.revokedAt && (c.permanent || !c.usedAt) && c.expiresAt.getTime() > now.getTime();
}

/** Where a code leads: building and unit, shown before sign-up ("you are joining …"). */
export async function codeDestination(deps: Deps, codeId: string) {
  return deps.db
    .select({
      tenancyId: tenancies.id,
      unitName: units.name,
      buildingId: buildings.id,
      buildingName: buildings.name,
      street: buildings.street,
      postalCode: buildings.postalCode,
      city: buildings.city,
    })
    .from(activationCodeTenancies)
    .innerJoin(tenancies, eq(tenancies.id, activationCodeTenancies.tenancyId))
    .innerJoin(units, eq(units.id, tenancies.unitId))
    .innerJoin(buildings, eq(buildings.id, units.buildingId))
    .where(eq(activationCodeTenancies.codeId, codeId));
}

/** SQL for "the code ?1 can still be redeemed at ?2" (the same rule as `isRedeemable`). */
const REDEEMABLE = "revoked_at IS NULL AND expires_at > ?2 AND (permanent = 1 OR used_at IS NULL)";

/**
 * The statements that claim a code for one redemption and check the user into its tenancies, as one
 * all-or-nothing group for a D1 batch (a transaction: no other request's statement runs in between).
 * Every statement runs only while the code is still redeemable, and the claim comes last, so a
 * single-use code taken by someone else first leaves no trace of this attempt. (A marker written by
 * the claim and checked by later statements could not tell two claims of the same millisecond
 * apart: the loser's statements then ran too, leaving an account behind.)
 */
export function claimStatements(db: D1Database, codeId: string, userId: string, now: Date) {
  const at = now.getTime();
  const stillRedeemable = `EXISTS (SELECT 1 FROM activation_codes WHERE id = ?1 AND ${REDEEMABLE})`;
  return {
    guarded: (sql: string, ...params: unknown[]) =>
      db.prepare(`${sql} AND ${stillRedeemable}`).bind(codeId, at, ...params),
    /** The webhook outbox rows (R-I3) of the check-ins; must run before `checkIn` in the same batch. */
    checkInEvents: db
      .prepare(
        `INSERT INTO master_data_changes (id, customer_id, entity, action, object_id, related_id, occurred_at)
         SELECT lower(hex(randomblob(16))), act.customer_id, 'utilisation-period', 'checked-in', act.tenancy_id, ?3, ?2
         FROM activation_code_tenancies act WHERE act.code_id = ?1 AND ${stillRedeemable}
           AND NOT EXISTS (SELECT 1 FROM tenancy_members m WHERE m.tenancy_id = act.tenancy_id AND m.user_id = ?3)`,
      )
      .bind(codeId, at, userId),
    checkIn: db
      .prepare(
        `INSERT INTO tenancy_members (id, customer_id, tenancy_id, user_id, created_at)
         SELECT lower(hex(randomblob(16))), act.customer_id, act.tenancy_id, ?3, ?2
         FROM activation_code_tenancies act WHERE act.code_id = ?1 AND ${stillRedeemable}
         ON CONFLICT (tenancy_id, user_id) DO NOTHING`,
      )
      .bind(codeId, at, userId),
    /** The batch's last statement; its `meta.changes` tells whether the redemption happened. */
    claim: db
      .prepare(
        `UPDATE activation_codes SET last_used_at = ?2, used_at = COALESCE(used_at, ?2), use_count = use_count + 1
         WHERE id = ?1 AND ${REDEEMABLE}`,
      )
      .bind(codeId, at),
  };
}

/** An existing, logged-in account redeems a code (R-A1: existing accounts). */
export async function redeemCode(deps: Deps, actor: Actor, ip: string, input: string) {
  const code = await findRedeemableCode(deps, actor.customerId, ip, input);
  const s = claimStatements(deps.stores.db, code.id, actor.userId, deps.now());
  const results = await deps.stores.db.batch([s.checkInEvents, s.checkIn, s.claim]);
  if (!results.at(-1)?.meta.changes) throw codeInvalid();
  return code;
}

export interface NewCodeOptions {
  permanent?: boolean | undefined;
  expiresAt?: string | undefined;
  code?: string | undefined;
  externalId?: string | undefined;
  recipientEmail?: string | undefined;
  recipientName?: string | undefined;
}

function expiryOf(deps: Deps, o: NewCodeOptions, days = DEFAULT_CODE_VALIDITY_DAYS) {
  const at = o.expiresAt ? new Date(o.expiresAt) : new Date(deps.now().getTime() + days * DAY);
  if (Number.isNaN(at.getTime()) || at.getTime() <= deps.now().getTime()) {
    throw new AppError("VALIDATION_FAILED", "The expiry must be in the future.", [
      { path: "expiresAt", message: "Must be in the future" },
    ]);
  }
  return at;
}

/** Creates one code for the given tenancies (all of the actor's customer). Retries on a collision. */
export async function insertCode(
  deps: Deps,
  customerId: string,
  tenancyIds: string[],
  source: (typeof CODE_SOURCES)[number],
  createdBy: string | null,
  o: NewCodeOptions,
  validityDays?: number,
) {
  const expiresAt = expiryOf(deps, o, validityDays);
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = {
      id: newId(),
      customerId,
      code: normaliseCode(o.code ?? generateCode()),
      permanent: o.permanent ?? false,
      source,
      createdBy,
      recipientEmail: o.recipientEmail?.trim().toLowerCase() ?? null,
      recipientName: o.recipientName ?? null,
      expiresAt,
      externalId: o.externalId ?? null,
      createdAt: deps.now(),
    };
    try {
      await deps.db.batch([
        deps.db.insert(activationCodes).values(row),
        deps.db
          .insert(activationCodeTenancies)
          .values(tenancyIds.map((tenancyId) => ({ codeId: row.id, tenancyId, customerId }))),
        // The webhook outbox (R-I3) in the same batch as the code.
        changeEvent(deps, { customerId, entity: "registration-code", action: "created", objectId: row.id }),
      ]);
      return {
        ...row,
        sentAt: null,
        sendCount: 0,
        usedAt: null,
        useCount: 0,
        lastUsedAt: null,
        revokedAt: null,
      } satisfies ActivationCode;
    } catch (e) {
      const text = String(e instanceof Error ? (e.cause ?? e.message) : e);
      if (!text.includes("UNIQUE")) throw e;
      if (o.code)
        throw new AppError("VALIDATION_FAILED", "This code is already in use.", [{ path: "code", message: "Taken" }]);
    }
  }
  throw new AppError("INTERNAL", "Could not create a unique code.");
}

/** A tenancy of a building the actor manages (404 otherwise: foreign ids look like missing ones). */
export async function managedTenancy(deps: Deps, actor: Actor, tenancyId: string) {
  const [row] = await deps.db
    .select({ tenancy: tenancies, buildingId: units.buildingId })
    .from(tenancies)
    .innerJoin(units, eq(units.id, tenancies.unitId))
    .where(and(eq(tenancies.id, tenancyId), eq(tenancies.customerId, actor.customerId)));
  if (!row || !actor.managedBuildingIds.has(row.buildingId)) throw notFound("Tenancy");
  return row;
}

/** A tenancy someone can be checked into: a tenant's or owner's that has not ended (409 otherwise). */
export function assertJoinable(deps: Deps, tenancy: Tenancy) {
  if (tenancy.type === "vacant") throw new AppError("NO_TENANCY", "A vacancy has nobody to invite.");
  if (tenancy.endsOn !== null && tenancy.endsOn < isoDay(deps.now())) {
    throw new AppError("NO_TENANCY", "This tenancy has ended; nobody can join it any more.");
  }
}

export async function createCodeForTenancy(deps: Deps, actor: Actor, tenancyId: string, o: NewCodeOptions) {
  const { tenancy } = await managedTenancy(deps, actor, tenancyId);
  assertJoinable(deps, tenancy);
  return insertCode(deps, actor.customerId, [tenancy.id], "manager", actor.userId, o);
}

/**
 * One code per current or future tenant/owner tenancy of a building that has no redeemable code yet,
 * so a manager can print the letters of a whole building at once (and run it again safely).
 */
export async function createCodesForBuilding(deps: Deps, actor: Actor, buildingId: string, o: NewCodeOptions) {
  if (!actor.managedBuildingIds.has(buildingId)) throw notFound("Building");
  const today = isoDay(deps.now());
  const candidates = await deps.db
    .select({ id: tenancies.id })
    .from(tenancies)
    .innerJoin(units, eq(units.id, tenancies.unitId))
    .where(
      and(
        eq(units.buildingId, buildingId),
        eq(tenancies.customerId, actor.customerId),
        ne(tenancies.type, "vacant"),
        or(isNull(tenancies.endsOn), gte(tenancies.endsOn, today)),
      ),
    )
    .orderBy(asc(units.name));
  const existing = await codesOfTenancies(
    deps,
    actor.customerId,
    candidates.map((c) => c.id),
  );
  const covered = new Set(existing.filter((x) => isRedeemable(x.code, deps.now())).map((x) => x.tenancyId));
  const created: ActivationCode[] = [];
  for (const t of candidates) {
    if (!covered.has(t.id)) created.push(await insertCode(deps, actor.customerId, [t.id], "manager", actor.userId, o));
  }
  return created;
}

async function codesOfTenancies(deps: Deps, customerId: string, tenancyIds: string[]) {
  if (tenancyIds.length === 0) return [];
  const out: { code: ActivationCode; tenancyId: string }[] = [];
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < tenancyIds.length; i += 90) {
    const rows = await deps.db
      .select({ code: activationCodes, tenancyId: activationCodeTenancies.tenancyId })
      .from(activationCodeTenancies)
      .innerJoin(activationCodes, eq(activationCodes.id, activationCodeTenancies.codeId))
      .where(
        and(
          eq(activationCodes.customerId, customerId),
          inArray(activationCodeTenancies.tenancyId, tenancyIds.slice(i, i + 90)),
        ),
      );
    out.push(...rows);
  }
  return out;
}

/** Codes of a building the actor manages, with building, unit and status, newest first. */
export async function listBuildingCodes(deps: Deps, actor: Actor, buildingId: string) {
  if (!actor.managedBuildingIds.has(buildingId)) throw notFound("Building");
  const rows = await deps.db
    .select({ code: activationCodes, tenancyId: tenancies.id, unitName: units.name, unitId: units.id })
    .from(activationCodeTenancies)
    .innerJoin(activationCodes, eq(activationCodes.id, activationCodeTenancies.codeId))
    .innerJoin(tenancies, eq(tenancies.id, activationCodeTenancies.tenancyId))
    .innerJoin(units, eq(units.id, tenancies.unitId))
    .where(and(eq(units.buildingId, buildingId), eq(activationCodes.customerId, actor.customerId)))
    .orderBy(asc(units.name), desc(activationCodes.createdAt));
  return rows.map((r) => ({ ...r, status: codeStatus(r.code, deps.now()) }));
}

/** A code the actor may manage: created for a building they manage (or, for invitations, by them). */
export async function managedCode(deps: Deps, actor: Actor, codeId: string) {
  const code = await deps.db.query.activationCodes.findFirst({
    where: and(eq(activationCodes.id, codeId), eq(activationCodes.customerId, actor.customerId)),
  });
  if (!code) throw notFound("Code");
  const places = await codeDestination(deps, code.id);
  const manages = places.length > 0 && places.every((p) => actor.managedBuildingIds.has(p.buildingId));
  if (!manages) throw notFound("Code");
  return { code, places };
}

export async function revokeCode(deps: Deps, codeId: string) {
  // The outbox row (R-I3) only when this statement really revokes, in the same batch.
  await deps.db.batch([
    revokedEvent(deps, codeId),
    deps.db
      .update(activationCodes)
      .set({ revokedAt: deps.now() })
      .where(and(eq(activationCodes.id, codeId), isNull(activationCodes.revokedAt))),
  ]);
}

/**
 * The webhook outbox row of a code revocation (for Allthings, a deleted registration code): written
 * only while the code is not yet revoked; put it before the revoking UPDATE in the same batch.
 */
export function revokedEvent(deps: Deps, codeId: string) {
  return deps.db.insert(masterDataChanges).select(
    deps.db
      .select({
        id: sql<string>`lower(hex(randomblob(16)))`.as("id"),
        customerId: activationCodes.customerId,
        entity: sql<"registration-code">`'registration-code'`.as("entity"),
        action: sql<"deleted">`'deleted'`.as("action"),
        objectId: activationCodes.id,
        relatedId: sql<null>`NULL`.as("related_id"),
        occurredAt: sql<number>`${deps.now().getTime()}`.as("occurred_at"),
      })
      .from(activationCodes)
      .where(and(eq(activationCodes.id, codeId), isNull(activationCodes.revokedAt))),
  );
}

export { findRedeemableCode, formatCode };
