import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { erasureSteps, privacyRequestEvents, privacyRequests } from "../db/schema/privacy";
import { newId } from "../lib/crypto";
import { AppError } from "../lib/errors";

/**
 * Data subject requests (R-P15) as the customer's admins see them: kind, state, due date, which steps
 * are stuck — ids and counts only, no name, address or content (they act without seeing more than
 * needed). The audit trail holds ids and actions.
 */
export interface DsrSummary {
  id: string;
  userId: string;
  kind: string;
  origin: string;
  state: string;
  needsPerson: boolean;
  receivedAt: Date;
  dueAt: Date;
  doneAt: Date | null;
  steps: { total: number; done: number; failed: number; held: number };
}

export async function listDsrs(deps: Deps, customerId: string, o: { open?: boolean } = {}): Promise<DsrSummary[]> {
  const rows = await deps.db
    .select({
      id: privacyRequests.id,
      userId: privacyRequests.userId,
      kind: privacyRequests.kind,
      origin: privacyRequests.origin,
      state: privacyRequests.state,
      needsPerson: privacyRequests.needsPerson,
      receivedAt: privacyRequests.receivedAt,
      dueAt: privacyRequests.dueAt,
      doneAt: privacyRequests.doneAt,
      total: sql<number>`count(${erasureSteps.store})`.as("total"),
      done: sql<number>`coalesce(sum(${erasureSteps.state} = 'done'), 0)`.as("done_steps"),
      failed: sql<number>`coalesce(sum(${erasureSteps.state} = 'failed'), 0)`.as("failed_steps"),
      held: sql<number>`coalesce(sum(${erasureSteps.state} = 'held'), 0)`.as("held_steps"),
    })
    .from(privacyRequests)
    .leftJoin(erasureSteps, eq(erasureSteps.requestId, privacyRequests.id))
    .where(
      and(
        eq(privacyRequests.customerId, customerId),
        o.open ? inArray(privacyRequests.state, ["received", "verified"]) : undefined,
      ),
    )
    .groupBy(privacyRequests.id)
    .orderBy(desc(privacyRequests.needsPerson), asc(privacyRequests.dueAt))
    .limit(200);
  return rows.map((r) => ({
    id: r.id,
    userId: r.userId,
    kind: r.kind,
    origin: r.origin,
    state: r.state,
    needsPerson: r.needsPerson,
    receivedAt: r.receivedAt,
    dueAt: r.dueAt,
    doneAt: r.doneAt,
    steps: { total: Number(r.total), done: Number(r.done), failed: Number(r.failed), held: Number(r.held) },
  }));
}

/** The audit trail of one request of the customer (ids and actions only). */
export async function dsrEvents(deps: Deps, customerId: string, requestId: string) {
  await requestOf(deps, customerId, requestId);
  return deps.db
    .select({
      at: privacyRequestEvents.at,
      action: privacyRequestEvents.action,
      store: privacyRequestEvents.store,
      actorId: privacyRequestEvents.actorId,
    })
    .from(privacyRequestEvents)
    .where(and(eq(privacyRequestEvents.requestId, requestId), eq(privacyRequestEvents.customerId, customerId)))
    .orderBy(asc(privacyRequestEvents.at), asc(privacyRequestEvents.id));
}

async function requestOf(deps: Deps, customerId: string, requestId: string) {
  const req = await deps.db.query.privacyRequests.findFirst({
    where: and(eq(privacyRequests.id, requestId), eq(privacyRequests.customerId, customerId)),
    columns: { id: true, state: true },
  });
  if (!req) throw new AppError("NOT_FOUND", "Not found");
  return req;
}

/**
 * An admin asks for a stuck erasure to be retried now (failed steps due at once, the flag cleared).
 * Returns how many steps were re-armed; the minute cron runs them.
 */
export async function retryDsr(deps: Deps, customerId: string, requestId: string, actorId: string) {
  const req = await requestOf(deps, customerId, requestId);
  if (req.state === "done" || req.state === "rejected")
    throw new AppError("ALREADY_DECIDED", "This request is already completed.");
  const now = deps.now();
  const [steps] = await deps.db.batch([
    deps.db
      .update(erasureSteps)
      .set({ nextAttemptAt: now })
      .where(and(eq(erasureSteps.requestId, requestId), eq(erasureSteps.state, "failed")))
      .returning({ store: erasureSteps.store }),
    deps.db.update(privacyRequests).set({ needsPerson: false }).where(eq(privacyRequests.id, requestId)),
    deps.db.insert(privacyRequestEvents).values({
      id: newId(),
      customerId,
      requestId,
      at: now,
      action: "retry-requested",
      store: null,
      actorId,
    }),
  ]);
  return { rearmed: steps.length };
}
