import { and, asc, eq, inArray, lte, ne } from "drizzle-orm";
import type { Deps } from "../app-env";
import { sessions } from "../db/schema/auth";
import { roleAssignments, users } from "../db/schema/people";
import { type ErasureStep, erasureSteps, privacyRequestEvents, privacyRequests } from "../db/schema/privacy";
import { roomParticipation } from "../db/schema/rooms";
import { newId } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { verifyPassword } from "../lib/password";
import { isoDay, MINUTE } from "../lib/time";
import { dsrDueAt } from "../privacy/deadline";
import { erasePersonFiles } from "../privacy/files";
import { d1PersonalDataStore, roomPersonalDataStore, type Subject } from "../privacy/stores";
import { activeOn } from "./actor";
import { writeLedgerEntry } from "./erasure-ledger";
import { eraseSubjectFiles } from "./files";
import { activeHold } from "./holds";
import { disconnectFromRooms } from "./rooms";
import * as throttle from "./throttle";

/**
 * Erasure (R-P4, R-A6) as a resumable job (decision 0023). A request lists every store the person's
 * data is in — the ledger entry, the file bucket, every building room of their participation (also
 * buildings they left), the jurisdiction's D1 database — as one step each. Steps run in order of
 * their dependencies, each idempotent; a failing step is retried by the minute cron with back-off and
 * the request stays open until every step is done. A step under a legal hold waits until it ends.
 */
/** After this many failed attempts the request is flagged for a person (the retries go on). */
export const NEEDS_PERSON_AFTER = 5;
const STEP_BATCH = 50;
export const stepBackoffMs = (attempts: number) => Math.min(60, 2 ** Math.max(0, attempts - 1)) * MINUTE;

/** Steps that must be done before a step runs: the ledger first; the files before the rows naming them. */
function prerequisites(store: string): string[] {
  if (store === "ledger") return [];
  if (store === "database") return ["ledger", "files"];
  return ["ledger"];
}

export interface ErasureStatus {
  requestId: string;
  state: string;
  dueAt: Date;
  steps: { store: string; state: string; attempts: number }[];
}

type Stmt = Parameters<Deps["db"]["batch"]>[0][number];

const event = (
  deps: Deps,
  customerId: string,
  requestId: string,
  action: string,
  o: { store?: string; actorId?: string } = {},
) =>
  deps.db.insert(privacyRequestEvents).values({
    id: newId(),
    customerId,
    requestId,
    at: deps.now(),
    action,
    store: o.store ?? null,
    actorId: o.actorId ?? null,
  });

/**
 * The person asks for erasure of their account (after entering their password again). The account is
 * closed at once (sessions ended, login refused, live connections closed) and the job starts; what
 * does not finish now is completed by the minute cron.
 */
export async function requestErasure(deps: Deps, s: Subject, password: string): Promise<ErasureStatus> {
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.id, s.userId), eq(users.customerId, s.customerId)),
    columns: { email: true, passwordHash: true },
  });
  if (!user) throw new AppError("NOT_FOUND", "Not found");
  const account = `${s.customerId}:${user.email}`;
  await throttle.consume(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  if (!verifyPassword(password, user.passwordHash)) {
    throw new AppError("REAUTH_FAILED", "The password is not correct.");
  }
  await throttle.reset(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  await refuseLastAdmin(deps, s);
  const requestId = await openErasure(deps, s, { origin: "subject", actorId: s.userId });
  try {
    await disconnectFromRooms(deps, s.customerId, s.userId);
  } catch {
    // Each room's erasure step closes the person's connections again.
  }
  await runErasures(deps, { requestId });
  return erasureStatus(deps, s.customerId, requestId);
}

/** The customer's last active admin cannot erase themselves: nobody could manage the customer any more. */
async function refuseLastAdmin(deps: Deps, s: Subject) {
  const today = isoDay(deps.now());
  const admins = await deps.db
    .select({ userId: roleAssignments.userId })
    .from(roleAssignments)
    .where(
      and(
        eq(roleAssignments.customerId, s.customerId),
        eq(roleAssignments.role, "customer_admin"),
        eq(roleAssignments.scopeType, "customer"),
        activeOn(roleAssignments, today),
      ),
    );
  const ids = new Set(admins.map((a) => a.userId));
  if (ids.has(s.userId) && ids.size === 1)
    throw new AppError("LAST_ADMIN", "The customer needs at least one active admin: appoint another one first.");
}

export interface OpenOptions {
  origin: "subject" | "tenancy-end" | "replay" | "staff";
  actorId?: string;
  /** Replay: the request's id and time from the ledger, and the stores it listed. */
  requestId?: string;
  receivedAt?: Date;
  stores?: string[];
}

/**
 * Opens an erasure request with one pending step per store and closes the account, in one D1
 * transaction. An open erasure of the person is returned instead of a second one.
 */
export async function openErasure(deps: Deps, s: Subject, o: OpenOptions): Promise<string> {
  const { db } = deps;
  const open = await db.query.privacyRequests.findFirst({
    where: and(
      eq(privacyRequests.userId, s.userId),
      eq(privacyRequests.customerId, s.customerId),
      eq(privacyRequests.kind, "erasure"),
      inArray(privacyRequests.state, ["received", "verified"]),
    ),
    columns: { id: true },
  });
  // A replay re-opens every step even of an open request: the restore may have undone finished ones.
  if (open && o.origin !== "replay") return open.id;
  const now = deps.now();
  const receivedAt = o.receivedAt ?? now;
  const requestId = open?.id ?? o.requestId ?? newId();
  const rooms = await db
    .select({ buildingId: roomParticipation.buildingId })
    .from(roomParticipation)
    .where(and(eq(roomParticipation.userId, s.userId), eq(roomParticipation.customerId, s.customerId)))
    .orderBy(roomParticipation.buildingId);
  const stores = [
    ...new Set(["ledger", "files", ...(o.stores ?? []), ...rooms.map((r) => `room:${r.buildingId}`), "database"]),
  ];
  const steps = stores.map((store) => ({
    requestId,
    customerId: s.customerId,
    store,
    state: "pending" as const,
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    rowsDeleted: 0,
    rowsAnonymised: 0,
    doneAt: null,
  }));
  const stmts: Stmt[] = [
    db
      .insert(privacyRequests)
      .values({
        id: requestId,
        customerId: s.customerId,
        userId: s.userId,
        kind: "erasure",
        origin: o.origin,
        state: "verified",
        needsPerson: false,
        receivedAt,
        verifiedAt: now,
        dueAt: dsrDueAt(receivedAt, s.jurisdiction),
        doneAt: null,
      })
      .onConflictDoUpdate({ target: privacyRequests.id, set: { state: "verified", doneAt: null } }),
    // Bounded statements: D1 takes at most 100 bound parameters (10 per step row).
    ...chunks(steps, 9).map((c) =>
      db
        .insert(erasureSteps)
        .values(c)
        .onConflictDoUpdate({
          target: [erasureSteps.requestId, erasureSteps.store],
          set: { state: "pending", nextAttemptAt: now, doneAt: null },
        }),
    ),
    event(deps, s.customerId, requestId, o.origin === "replay" ? "replayed" : "received", {
      ...(o.actorId ? { actorId: o.actorId } : {}),
    }),
    event(deps, s.customerId, requestId, "verified", o.actorId ? { actorId: o.actorId } : {}),
    // Closed now: no login (status), no session; the database step makes the account "erased".
    db
      .update(users)
      .set({ status: "disabled", updatedAt: now })
      .where(and(eq(users.id, s.userId), eq(users.customerId, s.customerId), ne(users.status, "erased"))),
    db.delete(sessions).where(and(eq(sessions.userId, s.userId), eq(sessions.customerId, s.customerId))),
  ];
  await db.batch(stmts as [Stmt, ...Stmt[]]);
  return requestId;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

interface RequestRow {
  id: string;
  customerId: string;
  userId: string;
  origin: string;
  receivedAt: Date;
}

type Outcome =
  | { kind: "done"; rowsDeleted: number; rowsAnonymised: number }
  | { kind: "held"; until: Date }
  | { kind: "failed"; error: string };

/**
 * Runs every due step (of one request, or of all requests of the jurisdiction: the minute cron).
 * Returns counts only.
 */
export async function runErasures(deps: Deps, only?: { requestId: string }) {
  const now = deps.now();
  const due = await deps.db
    .select({ requestId: erasureSteps.requestId })
    .from(erasureSteps)
    .where(
      and(
        inArray(erasureSteps.state, ["pending", "failed", "held"]),
        lte(erasureSteps.nextAttemptAt, now),
        only ? eq(erasureSteps.requestId, only.requestId) : undefined,
      ),
    )
    .orderBy(asc(erasureSteps.nextAttemptAt))
    .limit(STEP_BATCH);
  const requestIds = [...new Set(due.map((d) => d.requestId))];
  const totals = { erasureStepsDone: 0, erasureStepsFailed: 0, erasureStepsHeld: 0, erasuresDone: 0 };
  for (const id of requestIds) {
    const r = await runRequest(deps, id);
    totals.erasureStepsDone += r.done;
    totals.erasureStepsFailed += r.failed;
    totals.erasureStepsHeld += r.held;
    if (r.complete) totals.erasuresDone++;
  }
  return totals;
}

async function runRequest(deps: Deps, requestId: string) {
  const { db } = deps;
  const req = await db.query.privacyRequests.findFirst({
    where: eq(privacyRequests.id, requestId),
    columns: { id: true, customerId: true, userId: true, origin: true, receivedAt: true, state: true },
  });
  const counts = { done: 0, failed: 0, held: 0, complete: false };
  if (!req || req.state === "done" || req.state === "rejected") return counts;
  const steps = await db.select().from(erasureSteps).where(eq(erasureSteps.requestId, requestId));
  const state = new Map(steps.map((s) => [s.store, s.state]));
  const now = deps.now();
  // Dependency order: the ledger, then files and rooms, then the database.
  const order = (s: ErasureStep) => (s.store === "ledger" ? 0 : s.store === "database" ? 2 : 1);
  for (const step of [...steps].sort((a, b) => order(a) - order(b))) {
    if (step.state === "done" || step.nextAttemptAt.getTime() > now.getTime()) continue;
    if (!prerequisites(step.store).every((p) => state.get(p) === "done" || !state.has(p))) continue;
    const outcome = await runStep(deps, req, steps, step.store);
    await record(deps, req, step, outcome);
    state.set(step.store, outcome.kind);
    counts[outcome.kind]++;
  }
  if ([...state.values()].every((s) => s === "done")) {
    const [closed] = await db
      .update(privacyRequests)
      .set({ state: "done", doneAt: now })
      .where(and(eq(privacyRequests.id, requestId), inArray(privacyRequests.state, ["received", "verified"])))
      .returning({ id: privacyRequests.id });
    if (closed) {
      await event(deps, req.customerId, requestId, "done");
      counts.complete = true;
    }
  }
  return counts;
}

async function runStep(deps: Deps, req: RequestRow, steps: ErasureStep[], store: string): Promise<Outcome> {
  const s: Subject = { customerId: req.customerId, userId: req.userId, jurisdiction: deps.stores.jurisdiction };
  try {
    if (store !== "ledger") {
      const hold = await activeHold(deps.db, req.customerId, req.userId, store, deps.now());
      if (hold) return { kind: "held", until: hold.endsAt };
    }
    if (store === "ledger") {
      await writeLedgerEntry(deps.stores.files, {
        v: 1,
        requestId: req.id,
        customerId: req.customerId,
        userId: req.userId,
        jurisdiction: deps.stores.jurisdiction,
        origin: req.origin,
        stores: steps.map((x) => x.store).filter((x) => x !== "ledger"),
        requestedAt: req.receivedAt.toISOString(),
      });
      return { kind: "done", rowsDeleted: 0, rowsAnonymised: 0 };
    }
    if (store === "files") {
      // Data exports (their ZIPs), then uploads (tickets, documents: the files feature's own eraser).
      const n = (await erasePersonFiles(deps.db, deps.stores.files, s)) + (await eraseSubjectFiles(deps, s));
      return { kind: "done", rowsDeleted: n, rowsAnonymised: 0 };
    }
    if (store === "database") {
      const r = await d1PersonalDataStore(deps.stores.db, s.jurisdiction).erasePerson(s);
      return { kind: "done", rowsDeleted: r.rowsDeleted, rowsAnonymised: r.rowsAnonymised };
    }
    if (store.startsWith("room:")) {
      const r = await roomPersonalDataStore(deps.stores.rooms(), store.slice(5)).erasePerson(s);
      return { kind: "done", rowsDeleted: r.rowsDeleted, rowsAnonymised: r.rowsAnonymised };
    }
    return { kind: "failed", error: "UnknownStore" };
  } catch (e) {
    // The error's name only: messages can carry values (a room's, a driver's).
    return { kind: "failed", error: e instanceof Error ? e.name : "unknown" };
  }
}

async function record(deps: Deps, req: RequestRow, step: ErasureStep, o: Outcome) {
  const { db } = deps;
  const now = deps.now();
  const attempts = step.attempts + (o.kind === "held" ? 0 : 1);
  const set =
    o.kind === "done"
      ? {
          state: "done" as const,
          attempts,
          lastError: null,
          rowsDeleted: o.rowsDeleted,
          rowsAnonymised: o.rowsAnonymised,
          doneAt: now,
        }
      : o.kind === "held"
        ? { state: "held" as const, nextAttemptAt: o.until }
        : {
            state: "failed" as const,
            attempts,
            lastError: o.error.slice(0, 60),
            nextAttemptAt: new Date(now.getTime() + stepBackoffMs(attempts)),
          };
  const stmts: Stmt[] = [
    // Only if nobody recorded this attempt meanwhile (a concurrent cron run, an inline run).
    db
      .update(erasureSteps)
      .set(set)
      .where(
        and(
          eq(erasureSteps.requestId, step.requestId),
          eq(erasureSteps.store, step.store),
          eq(erasureSteps.attempts, step.attempts),
          ne(erasureSteps.state, "done"),
        ),
      ),
  ];
  // A held step is recorded once, not on every check.
  if (o.kind !== "held" || step.state !== "held")
    stmts.push(event(deps, req.customerId, req.id, `step-${o.kind}`, { store: step.store }));
  if (o.kind === "failed" && attempts >= NEEDS_PERSON_AFTER)
    stmts.push(db.update(privacyRequests).set({ needsPerson: true }).where(eq(privacyRequests.id, req.id)));
  await db.batch(stmts as [Stmt, ...Stmt[]]);
}

/** The state of an erasure request and its steps (ids, states, counts: nothing personal). */
export async function erasureStatus(deps: Deps, customerId: string, requestId: string): Promise<ErasureStatus> {
  const req = await deps.db.query.privacyRequests.findFirst({
    where: and(eq(privacyRequests.id, requestId), eq(privacyRequests.customerId, customerId)),
  });
  if (!req) throw new AppError("NOT_FOUND", "Not found");
  const steps = await deps.db
    .select({ store: erasureSteps.store, state: erasureSteps.state, attempts: erasureSteps.attempts })
    .from(erasureSteps)
    .where(eq(erasureSteps.requestId, requestId))
    .orderBy(erasureSteps.store);
  return { requestId, state: req.state, dueAt: req.dueAt, steps };
}
