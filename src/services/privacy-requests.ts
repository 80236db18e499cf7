import { and, desc, eq, isNull } from "drizzle-orm";
import type { Deps } from "../app-env";
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
export function recordInstantRequest(deps: Deps, s: Subject, kind: DsrKind): Stmt[] {
  const now = deps.now();
  const id = newId();
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

/** The person's own requests, newest first (ids, kinds, states, dates). */
export async function myRequests(deps: Deps, s: Subject) {
  return deps.db
    .select({
      id: privacyRequests.id,
      kind: privacyRequests.kind,
      state: privacyRequests.state,
      receivedAt: privacyRequests.receivedAt,
      dueAt: privacyRequests.dueAt,
      doneAt: privacyRequests.doneAt,
    })
    .from(privacyRequests)
    .where(and(eq(privacyRequests.userId, s.userId), eq(privacyRequests.customerId, s.customerId)))
    .orderBy(desc(privacyRequests.receivedAt))
    .limit(100);
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
  const active = (await myRestrictions(deps, s)).some((r) => r.kind === kind);
  if (active) return;
  await deps.db.batch([
    deps.db.insert(processingRestrictions).values({
      id: newId(),
      customerId: s.customerId,
      userId: s.userId,
      kind,
      createdAt: deps.now(),
      liftedAt: null,
    }),
    ...recordInstantRequest(deps, s, kind === "restriction" ? "restriction" : "objection"),
  ]);
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
