import { and, desc, eq, isNull } from "drizzle-orm";
import type { Deps } from "../app-env";
import { privacyRequestDetails, type RectificationField } from "../db/schema/dsr-details";
import {
  type DsrKind,
  privacyRequestEvents,
  privacyRequests,
  processingRestrictions,
  type RestrictionKind,
} from "../db/schema/privacy";
import { newId } from "../lib/crypto";
import { dsrDueAt } from "../privacy/deadline";
import type { Subject } from "../privacy/stores";

type Stmt = Parameters<Deps["db"]["batch"]>[0][number];

/**
 * Statements recording a self-service request that is fulfilled at once (export, restriction,
 * objection): received, verified (the logged-in person) and done in one go, with its audit trail.
 * Append them to the batch that does the work, so the record and the effect commit together.
 */
export function recordInstantRequest(deps: Deps, s: Subject, kind: DsrKind, id: string = newId()): Stmt[] {
  const now = deps.now();
  const ev = (action: string) =>
    deps.db.insert(privacyRequestEvents).values({
      id: newId(),
      customerId: s.customerId,
      requestId: id,
      at: now,
      action,
      store: null,
      actorId: s.userId,
    });
  return [
    deps.db.insert(privacyRequests).values({
      id,
      customerId: s.customerId,
      userId: s.userId,
      kind,
      origin: "subject",
      state: "done",
      needsPerson: false,
      receivedAt: now,
      verifiedAt: now,
      dueAt: dsrDueAt(now, s.jurisdiction),
      doneAt: now,
    }),
    ev("received"),
    ev("verified"),
    ev("done"),
  ];
}

/**
 * A correction the person made themselves (R-P3): a rectification request received and done at once,
 * with the changed fields as codes (never the old or new values). Nothing when no field changed.
 * Append the statements to the batch that writes the correction.
 */
export function recordRectification(deps: Deps, s: Subject, fields: readonly RectificationField[]): Stmt[] {
  if (fields.length === 0) return [];
  const requestId = newId();
  const [request, ...events] = recordInstantRequest(deps, s, "rectification", requestId);
  return [
    request as Stmt,
    deps.db.insert(privacyRequestDetails).values({
      requestId,
      customerId: s.customerId,
      channel: "app",
      recordedBy: null,
      verificationMethod: null,
      rejectionReason: null,
      decidedBy: null,
      decidedAt: null,
      fields: [...new Set(fields)].sort().join(","),
      exportId: null,
    }),
    ...events,
  ];
}

/** The person's own requests, newest first (ids, kinds, states, dates; a correction's field codes). */
export async function myRequests(deps: Deps, s: Subject) {
  const rows = await deps.db
    .select({
      id: privacyRequests.id,
      kind: privacyRequests.kind,
      state: privacyRequests.state,
      receivedAt: privacyRequests.receivedAt,
      dueAt: privacyRequests.dueAt,
      doneAt: privacyRequests.doneAt,
      fields: privacyRequestDetails.fields,
    })
    .from(privacyRequests)
    .leftJoin(privacyRequestDetails, eq(privacyRequestDetails.requestId, privacyRequests.id))
    .where(and(eq(privacyRequests.userId, s.userId), eq(privacyRequests.customerId, s.customerId)))
    .orderBy(desc(privacyRequests.receivedAt))
    .limit(100);
  return rows.map((r) => ({ ...r, fields: r.fields ? r.fields.split(",") : [] }));
}

/** Active restrictions and objections of the person. */
export async function myRestrictions(deps: Deps, s: Subject) {
  return deps.db
    .select({ kind: processingRestrictions.kind, since: processingRestrictions.createdAt })
    .from(processingRestrictions)
    .where(
      and(
        eq(processingRestrictions.userId, s.userId),
        eq(processingRestrictions.customerId, s.customerId),
        isNull(processingRestrictions.liftedAt),
      ),
    )
    .orderBy(processingRestrictions.kind);
}

/**
 * Restriction (R-P5) or objection (R-P6) on: recorded with its request in one batch; already active
 * is a no-op. Effective at once: `isProcessingRestricted` / `hasObjected` read this table.
 */
export async function restrict(deps: Deps, s: Subject, kind: RestrictionKind) {
  const turnOn = await restrictionStatements(deps, s, kind);
  if (turnOn.length === 0) return;
  const stmts = [...turnOn, ...recordInstantRequest(deps, s, kind === "restriction" ? "restriction" : "objection")];
  await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
}

/**
 * The insert that turns a restriction or objection on (in an array: a bare statement would be run by
 * `await`); empty when it is already active.
 */
export async function restrictionStatements(deps: Deps, s: Subject, kind: RestrictionKind): Promise<Stmt[]> {
  const active = (await myRestrictions(deps, s)).some((r) => r.kind === kind);
  if (active) return [];
  return [
    deps.db.insert(processingRestrictions).values({
      id: newId(),
      customerId: s.customerId,
      userId: s.userId,
      kind,
      createdAt: deps.now(),
      liftedAt: null,
    }),
  ];
}

/** Lifts a restriction or withdraws an objection (the row stays, with its end, as the record). */
export async function lift(deps: Deps, s: Subject, kind: RestrictionKind) {
  await deps.db
    .update(processingRestrictions)
    .set({ liftedAt: deps.now() })
    .where(
      and(
        eq(processingRestrictions.userId, s.userId),
        eq(processingRestrictions.customerId, s.customerId),
        eq(processingRestrictions.kind, kind),
        isNull(processingRestrictions.liftedAt),
      ),
    );
}
