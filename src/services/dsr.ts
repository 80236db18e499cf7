import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import {
  type DSR_CHANNELS,
  type DSR_REJECTION_REASONS,
  type DSR_VERIFICATION_METHODS,
  privacyRequestDetails,
  type RectificationField,
} from "../db/schema/dsr-details";
import { dataExports } from "../db/schema/exports";
import { users } from "../db/schema/people";
import { type DsrKind, erasureSteps, privacyRequestEvents, privacyRequests } from "../db/schema/privacy";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { dsrDueAt } from "../privacy/deadline";
import type { Subject } from "../privacy/stores";
import { openErasure, runErasures } from "./erasure";
import { subjectFiles } from "./files";
import { gatherPersonData } from "./privacy-data";
import { EXPORT_PREFIX, EXPORT_TTL_MS } from "./privacy-export";
import { restrictionStatements } from "./privacy-requests";
import { buildExportZip, type PersonFile } from "./privacy-zip";
import { disconnectFromRooms, restrictionToRooms } from "./rooms";

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
  /** Requests staff took in: the contact channel and how the identity was decided (codes). */
  channel: string | null;
  verificationMethod: string | null;
  rejectionReason: string | null;
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
      channel: privacyRequestDetails.channel,
      verificationMethod: privacyRequestDetails.verificationMethod,
      rejectionReason: privacyRequestDetails.rejectionReason,
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
    .leftJoin(privacyRequestDetails, eq(privacyRequestDetails.requestId, privacyRequests.id))
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
    channel: r.channel,
    verificationMethod: r.verificationMethod,
    rejectionReason: r.rejectionReason,
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
    columns: { id: true, state: true, userId: true, kind: true, origin: true },
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

// ---- requests that need a staff identity check (decision 0036) -------------------------------------

type Stmt = Parameters<Deps["db"]["batch"]>[0][number];

const trail = (deps: Deps, customerId: string, requestId: string, action: string, actorId: string): Stmt =>
  deps.db.insert(privacyRequestEvents).values({
    id: newId(),
    customerId,
    requestId,
    at: deps.now(),
    action,
    store: null,
    actorId,
  });

export interface StaffIntake {
  userId: string;
  kind: DsrKind;
  channel: (typeof DSR_CHANNELS)[number];
  /** When the letter, call or e-mail reached the customer (the deadline runs from then); default now. */
  receivedAt?: Date;
}

/**
 * An admin records a request that reached the customer outside the app (a letter, a call, a former
 * resident who lost access): received, identity not yet checked, due one month (EU) or 30 days (CH)
 * after receipt. The person is named by account id only; the channel is a code.
 */
export async function recordStaffRequest(deps: Deps, customerId: string, actorId: string, i: StaffIntake) {
  if (i.userId === actorId) {
    throw new AppError("FORBIDDEN", "Your own requests go through your privacy center.");
  }
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.id, i.userId), eq(users.customerId, customerId)),
    columns: { id: true, status: true },
  });
  if (!user || user.status === "erased") throw new AppError("NOT_FOUND", "Not found");
  const now = deps.now();
  const receivedAt = i.receivedAt ?? now;
  if (receivedAt.getTime() > now.getTime()) {
    throw new AppError("VALIDATION_FAILED", "The request cannot have been received in the future.");
  }
  const id = newId();
  const dueAt = dsrDueAt(receivedAt, deps.stores.jurisdiction);
  await deps.db.batch([
    deps.db.insert(privacyRequests).values({
      id,
      customerId,
      userId: i.userId,
      kind: i.kind,
      origin: "staff",
      state: "received",
      needsPerson: true,
      receivedAt,
      verifiedAt: null,
      dueAt,
      doneAt: null,
    }),
    deps.db.insert(privacyRequestDetails).values({
      requestId: id,
      customerId,
      channel: i.channel,
      recordedBy: actorId,
      verificationMethod: null,
      rejectionReason: null,
      decidedBy: null,
      decidedAt: null,
      fields: null,
      exportId: null,
    }),
    trail(deps, customerId, id, "received", actorId),
  ]);
  return { id, dueAt };
}

/** A staff request of the customer, for a decision or an action. */
async function staffRequestOf(deps: Deps, customerId: string, requestId: string) {
  const req = await requestOf(deps, customerId, requestId);
  if (req.origin !== "staff") throw new AppError("NOT_FOUND", "Not found");
  return req;
}

export type IdentityDecision =
  | { verified: true; method: (typeof DSR_VERIFICATION_METHODS)[number] }
  | { verified: false; reason: (typeof DSR_REJECTION_REASONS)[number] };

/**
 * The identity check of a staff request: verified (how, by whom, when — codes and ids) or refused
 * (why). Only a request still `received` can be decided. The decision's trail event has a fixed id per
 * request and goes first in the batch: a second decision racing the first fails on it, and the D1
 * batch (one transaction) writes nothing of it.
 */
export async function decideIdentity(
  deps: Deps,
  customerId: string,
  requestId: string,
  actorId: string,
  d: IdentityDecision,
) {
  const req = await staffRequestOf(deps, customerId, requestId);
  if (req.state !== "received") throw new AppError("ALREADY_DECIDED", "The identity was already decided.");
  const now = deps.now();
  await once(
    deps.db.batch([
      onceEvent(
        deps,
        customerId,
        requestId,
        "decision",
        d.verified ? "identity-verified" : "identity-rejected",
        actorId,
      ),
      deps.db
        .update(privacyRequests)
        .set(
          d.verified ? { state: "verified", verifiedAt: now } : { state: "rejected", needsPerson: false, doneAt: now },
        )
        .where(and(eq(privacyRequests.id, requestId), eq(privacyRequests.state, "received"))),
      deps.db
        .update(privacyRequestDetails)
        .set({
          verificationMethod: d.verified ? d.method : null,
          rejectionReason: d.verified ? null : d.reason,
          decidedBy: actorId,
          decidedAt: now,
        })
        .where(eq(privacyRequestDetails.requestId, requestId)),
    ]),
    "The identity was already decided.",
  );
  return { state: d.verified ? ("verified" as const) : ("rejected" as const) };
}

/** A trail event that can exist once per request and step (`decision`, `action`): its id is fixed. */
const onceEvent = (deps: Deps, customerId: string, requestId: string, step: string, action: string, actorId: string) =>
  deps.db.insert(privacyRequestEvents).values({
    id: `${requestId}.${step}`,
    customerId,
    requestId,
    at: deps.now(),
    action,
    store: null,
    actorId,
  });

/** Runs a batch led by a once-event; its primary-key conflict means another admin was first. */
async function once<T>(batch: Promise<T>, message: string): Promise<T> {
  try {
    return await batch;
  } catch (e) {
    if (isConstraint(e)) throw new AppError("ALREADY_DECIDED", message);
    throw e;
  }
}

function isConstraint(e: unknown): boolean {
  for (let c = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    if (/UNIQUE constraint|PRIMARY KEY/i.test(String((c as Error).message ?? ""))) return true;
  }
  return false;
}

export interface StaffAction {
  /** Rectification: which fields staff corrected (codes). */
  fields?: RectificationField[];
  /** Objection: to marketing or to processing based on legitimate interest. */
  objection?: "objection-marketing" | "objection-legitimate-interest";
}

export type StaffActionResult =
  | { state: "done"; exportId?: string }
  | { state: "verified" | "done"; erasure: { steps: number; done: number } };

/**
 * Acts on a verified staff request through the same services as self-service: access and export build
 * the person's ZIP (for staff to hand over: `GET /api/dsr/{id}/export`), erasure starts the erasure job
 * on this very request (its steps, its deadline), restriction and objection turn the marker on,
 * rectification records the corrected fields (the correction itself is made where the data is kept).
 * Before the identity is verified: `IDENTITY_NOT_VERIFIED`.
 */
export async function actOnStaffRequest(
  deps: Deps,
  customerId: string,
  requestId: string,
  actorId: string,
  a: StaffAction,
): Promise<StaffActionResult> {
  const req = await staffRequestOf(deps, customerId, requestId);
  if (req.state === "received") {
    throw new AppError("IDENTITY_NOT_VERIFIED", "Verify the person's identity before acting on the request.");
  }
  if (req.state !== "verified") throw new AppError("ALREADY_DECIDED", "This request is already completed.");
  const s: Subject = { customerId, userId: req.userId, jurisdiction: deps.stores.jurisdiction };
  const now = deps.now();
  const finish = (
    action: string,
    extra: Stmt[] = [],
    detail: Partial<typeof privacyRequestDetails.$inferInsert> = {},
  ) =>
    once(
      deps.db.batch([
        onceEvent(deps, customerId, requestId, "action", action, actorId),
        ...extra,
        ...(Object.keys(detail).length
          ? [deps.db.update(privacyRequestDetails).set(detail).where(eq(privacyRequestDetails.requestId, requestId))]
          : []),
        deps.db
          .update(privacyRequests)
          .set({ state: "done", needsPerson: false, doneAt: now })
          .where(and(eq(privacyRequests.id, requestId), eq(privacyRequests.state, "verified"))),
        trail(deps, customerId, requestId, "done", actorId),
      ]),
      "This request is already completed.",
    );

  switch (req.kind) {
    case "access":
    case "export": {
      const e = await buildStaffExport(deps, s);
      try {
        await finish("export-ready", [e.row], { exportId: e.id });
      } catch (err) {
        await deps.stores.files.delete(e.objectKey);
        throw err;
      }
      return { state: "done", exportId: e.id };
    }
    case "rectification": {
      const fields = [...new Set(a.fields ?? [])].sort();
      if (fields.length === 0) throw new AppError("VALIDATION_FAILED", "Name the fields that were corrected.");
      await finish("rectified", [], { fields: fields.join(",") });
      return { state: "done" };
    }
    case "restriction":
    case "objection": {
      const kind = req.kind === "restriction" ? "restriction" : a.objection;
      if (!kind) throw new AppError("VALIDATION_FAILED", "Say which processing the person objects to.");
      const turnOn = await restrictionStatements(deps, s, kind);
      await finish(req.kind === "restriction" ? "restricted" : "objection-recorded", turnOn);
      // Like the person's own request: their profile and presence leave the rooms at once (decision 0032).
      await restrictionToRooms(deps, s, kind);
      return { state: "done" };
    }
    case "erasure":
      return startStaffErasure(deps, s, requestId, actorId);
  }
}

/**
 * Erasure: the request itself becomes the erasure job. `openErasure` re-uses an open erasure request
 * of the person, so this one is first claimed (marked done with the once-event `action`, which also
 * stops a second admin), then re-opened by `openErasure` with its steps (its receipt and due date
 * stay); if opening fails, the claim is undone and the error goes to the admin.
 */
async function startStaffErasure(
  deps: Deps,
  s: Subject,
  requestId: string,
  actorId: string,
): Promise<StaffActionResult> {
  const now = deps.now();
  await once(
    deps.db.batch([
      onceEvent(deps, s.customerId, requestId, "action", "erasure-started", actorId),
      deps.db
        .update(privacyRequests)
        .set({ state: "done", needsPerson: false, doneAt: now })
        .where(and(eq(privacyRequests.id, requestId), eq(privacyRequests.state, "verified"))),
    ]),
    "This request is already completed.",
  );
  try {
    await openErasure(deps, s, { origin: "staff", actorId, requestId });
  } catch (err) {
    await deps.db.batch([
      deps.db
        .update(privacyRequests)
        .set({ state: "verified", needsPerson: true, doneAt: null })
        .where(eq(privacyRequests.id, requestId)),
      deps.db.delete(privacyRequestEvents).where(eq(privacyRequestEvents.id, `${requestId}.action`)),
    ]);
    throw err;
  }
  try {
    await disconnectFromRooms(deps, s.customerId, s.userId);
  } catch {
    // Each room's erasure step closes the person's connections again.
  }
  await runErasures(deps, { requestId });
  const req = await deps.db.query.privacyRequests.findFirst({
    where: eq(privacyRequests.id, requestId),
    columns: { state: true },
  });
  const steps = await deps.db
    .select({ state: erasureSteps.state })
    .from(erasureSteps)
    .where(eq(erasureSteps.requestId, requestId));
  return {
    state: req?.state === "done" ? "done" : "verified",
    erasure: { steps: steps.length, done: steps.filter((x) => x.state === "done").length },
  };
}

/**
 * The person's export ZIP for staff to hand over: the same gathering and ZIP as the self-service export
 * (R-P2), stored in the region's bucket with a `data_exports` row (purged after 7 days, erased with the
 * person). Its download token is never shown: only the admins' route serves it.
 */
async function buildStaffExport(deps: Deps, s: Subject) {
  const data = await gatherPersonData(deps, s);
  const files: PersonFile[] = [];
  for (const f of await subjectFiles(deps, s)) {
    const object = f.objectKey ? await deps.stores.files.get(f.objectKey) : null;
    const bytes = object ? await object.arrayBuffer() : null;
    if (bytes) files.push({ name: `${f.id}-${f.name.replaceAll(/[/\\]/g, "_")}`, bytes: new Uint8Array(bytes) });
  }
  const zip = buildExportZip(data, files);
  const id = newId();
  const objectKey = `${EXPORT_PREFIX}${s.customerId}/${id}.zip`;
  await deps.stores.files.put(objectKey, zip, {
    httpMetadata: { contentType: "application/zip" },
    customMetadata: { exportId: id },
  });
  const row = deps.db.insert(dataExports).values({
    id,
    customerId: s.customerId,
    userId: s.userId,
    createdAt: data.generatedAt,
    expiresAt: new Date(data.generatedAt.getTime() + EXPORT_TTL_MS),
    objectKey,
    tokenHash: await sha256Hex(randomToken()),
    size: zip.byteLength,
  });
  return { id, objectKey, row };
}

/** The ZIP of a staff-handled access or export request, for the customer's admins (until it expires). */
export async function openStaffExport(deps: Deps, customerId: string, requestId: string) {
  await staffRequestOf(deps, customerId, requestId);
  const details = await deps.db.query.privacyRequestDetails.findFirst({
    where: and(eq(privacyRequestDetails.requestId, requestId), eq(privacyRequestDetails.customerId, customerId)),
    columns: { exportId: true },
  });
  if (!details?.exportId) throw new AppError("NOT_FOUND", "Not found");
  const row = await deps.db.query.dataExports.findFirst({
    where: and(eq(dataExports.id, details.exportId), eq(dataExports.customerId, customerId)),
  });
  if (!row || row.expiresAt.getTime() <= deps.now().getTime()) {
    throw new AppError("EXPORT_EXPIRED", "This export has expired. Act on a new request to build another one.");
  }
  const object = await deps.stores.files.get(row.objectKey);
  if (!object)
    throw new AppError("EXPORT_EXPIRED", "This export has expired. Act on a new request to build another one.");
  return { body: object.body, size: row.size, createdAt: row.createdAt };
}
