import { and, asc, desc, eq, inArray, isNull, max, not, or, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { buildings, properties, units } from "../db/schema/estate";
import { type FileRow, files } from "../db/schema/files";
import { type User, users } from "../db/schema/people";
import { type Ticket, ticketCategories, ticketEvents, ticketMessages, tickets } from "../db/schema/tickets";
import { AppError, notFound } from "../lib/errors";
import { isProcessingRestricted, restrictedUser } from "../privacy/restriction";
import { type Actor, loadActor } from "./actor";
import { fileRow, filesOf, readUpload, storeFile } from "./files";
import * as md from "./master-data";
import { requireMicroApp } from "./micro-apps";
import { indicatorOf } from "./ticket-view";
import { addMessage, createTicket } from "./tickets";

/**
 * Resident services of the integrator API (Allthings v1 P3, decision 0028): uploads, tickets and their
 * public conversation, on the Service Center's own services. The token acts for the whole customer
 * (as for master data, decision 0016); a ticket is written *for* a resident through that resident's
 * actor, so the Service Center's rules (own home, own ticket or managed building) and its live room
 * event apply unchanged. Residents whose processing is restricted are not served (R-P5); internal
 * notes and their files never leave through this door.
 */

/** Uploads of the customer's integrator clients: no account, no craftsman. */
const integrator = (customerId: string) => ({ customerId, userId: null });

// ---- Files ---------------------------------------------------------------------------------------

/** An upload through /api/v1/files: pending until a ticket or reply of the customer uses it (24 h). */
export async function uploadFile(deps: Deps, customerId: string, clientId: string, req: Request) {
  const upload = await readUpload(req);
  const row = await storeFile(deps, { kind: "integrator", customerId, clientId }, upload);
  // Allthings' folder (`path`, trailing slash dropped) is answered, not kept: Quartier has no buckets.
  const path = (upload.fields?.path ?? "").trim().replace(/\/+$/, "").slice(0, 200);
  return { row, path };
}

/**
 * Deletes an unused upload of the customer's integrator clients (object first, then its row). A file a
 * ticket uses is 409 FILE_IN_USE (the repair record keeps it); anything the integrator cannot see
 * (another person's pending upload, a document, an internal note's file) is 404.
 */
export async function deleteFile(deps: Deps, customerId: string, fileId: string) {
  const f = await fileRow(deps, customerId, fileId);
  if (!f) throw notFound("File");
  if (f.state === "pending") {
    if (f.uploadedBy !== null || f.providerId !== null) throw notFound("File");
    await deps.stores.files.delete(f.objectKey);
    await deps.db
      .delete(files)
      .where(
        and(
          eq(files.id, f.id),
          eq(files.customerId, customerId),
          eq(files.state, "pending"),
          isNull(files.uploadedBy),
          isNull(files.providerId),
        ),
      );
    return;
  }
  if (f.ownerType === "ticket" && f.ownerId && (await visibleFile(deps, customerId, f))) {
    throw new AppError("FILE_IN_USE", "This file belongs to a ticket; the ticket keeps it.");
  }
  throw notFound("File");
}

async function visibleFile(deps: Deps, customerId: string, f: FileRow) {
  if (!f.ownerId) return false;
  try {
    await servedTicket(deps, customerId, f.ownerId);
  } catch {
    return false;
  }
  if (f.messageId === null) return true;
  const m = await deps.db.query.ticketMessages.findFirst({
    where: and(eq(ticketMessages.id, f.messageId), eq(ticketMessages.customerId, customerId)),
  });
  return m?.visibility === "public";
}

// ---- Tickets -------------------------------------------------------------------------------------

/** The resident (or staff member) a v1 write is made for, as the web app would see them; 404 if not served. */
async function actorFor(deps: Deps, customerId: string, userId: string, clientId: string): Promise<Actor> {
  await md.getUser(deps, customerId, userId);
  const a = await loadActor(deps, { id: `v1:${clientId}`, userId, customerId });
  if (!a) throw notFound("User");
  return a;
}

/** A ticket of the customer whose reporter may be served (restricted or erased reporters: 404). */
async function servedTicket(deps: Deps, customerId: string, ticketId: string): Promise<Ticket> {
  const t = await deps.db.query.tickets.findFirst({
    where: and(eq(tickets.id, ticketId), eq(tickets.customerId, customerId)),
  });
  if (!t || (await isProcessingRestricted(deps.db, customerId, t.reporterId))) throw notFound("Ticket");
  return t;
}

export interface NewTicket {
  periodId: string;
  categoryId: string;
  title: string;
  description: string;
  fileIds: string[];
}

/**
 * A ticket for a resident's current utilisation period (= tenancy): its unit and building, with photos
 * the integrator uploaded. Same service, same history, same live room event as a report from the app.
 */
export async function createTicketFor(
  deps: Deps,
  customerId: string,
  clientId: string,
  userId: string,
  input: NewTicket,
) {
  const a = await actorFor(deps, customerId, userId, clientId);
  const home = a.memberships.find((m) => m.tenancyId === input.periodId);
  if (!home) throw notFound("Utilisation period");
  // The customer's Service Center switch applies to this door too (403 MICRO_APP_DISABLED).
  await requireMicroApp(deps, a, "service-center", { buildingId: home.buildingId });
  const view = await createTicket(
    deps,
    a,
    {
      buildingId: home.buildingId,
      unitId: home.unitId,
      categoryId: input.categoryId,
      title: input.title,
      description: input.description,
      photoIds: input.fileIds,
    },
    integrator(customerId),
  );
  return view.id;
}

/** A public reply written for a user (the reporter, or staff of the building); the new message's id. */
export async function replyFor(
  deps: Deps,
  customerId: string,
  clientId: string,
  ticketId: string,
  userId: string | undefined,
  input: { body: string; fileIds: string[] },
) {
  await servedTicket(deps, customerId, ticketId);
  if (!userId) {
    throw new AppError("VALIDATION_FAILED", "The request is invalid.", [
      { path: "forUser", message: "The account the reply is written for is required" },
    ]);
  }
  const a = await actorFor(deps, customerId, userId, clientId);
  await requireMicroApp(deps, a, "service-center", { ticketId });
  await addMessage(
    deps,
    a,
    ticketId,
    { body: input.body, internal: false, fileIds: input.fileIds },
    integrator(customerId),
  );
  const [m] = await deps.db
    .select({ id: ticketMessages.id })
    .from(ticketMessages)
    .where(
      and(
        eq(ticketMessages.ticketId, ticketId),
        eq(ticketMessages.customerId, customerId),
        eq(ticketMessages.authorId, userId),
      ),
    )
    .orderBy(desc(ticketMessages.createdAt), desc(sql`rowid`))
    .limit(1);
  if (!m) throw notFound("Message");
  return m.id;
}

/** Everything the v1 ticket and conversation shapes need, public replies only. */
export async function ticketRecord(deps: Deps, customerId: string, ticketId: string) {
  const t = await servedTicket(deps, customerId, ticketId);
  const { db } = deps;
  const [category, messages, lastStatus, building, unit] = await db.batch([
    db.select().from(ticketCategories).where(eq(ticketCategories.id, t.categoryId)),
    db
      .select()
      .from(ticketMessages)
      .where(
        and(
          eq(ticketMessages.ticketId, t.id),
          eq(ticketMessages.customerId, customerId),
          eq(ticketMessages.visibility, "public"),
        ),
      )
      .orderBy(asc(ticketMessages.createdAt), sql`rowid`),
    db
      .select({ at: max(ticketEvents.createdAt) })
      .from(ticketEvents)
      .where(
        and(
          eq(ticketEvents.ticketId, t.id),
          eq(ticketEvents.customerId, customerId),
          or(eq(ticketEvents.kind, "created"), eq(ticketEvents.kind, "status")),
        ),
      ),
    db
      .select()
      .from(buildings)
      .where(and(eq(buildings.id, t.buildingId), eq(buildings.customerId, customerId))),
    t.unitId
      ? db
          .select()
          .from(units)
          .where(and(eq(units.id, t.unitId), eq(units.customerId, customerId)))
      : db.select().from(units).where(sql`0 = 1`),
  ]);
  const b = building[0];
  if (!b || !category[0]) throw notFound("Ticket");
  const property = await db.query.properties.findFirst({
    where: and(eq(properties.id, b.propertyId), eq(properties.customerId, customerId)),
  });
  const publicIds = new Set(messages.map((m) => m.id));
  const attached = (await filesOf(deps, customerId, "ticket", [t.id])).filter(
    (f) => f.messageId === null || publicIds.has(f.messageId),
  );
  const people = await servedUsers(deps, customerId, [t.reporterId, t.assigneeId, ...messages.map((m) => m.authorId)]);
  const last = lastStatus[0]?.at;
  return {
    ticket: t,
    category: category[0],
    messages,
    lastStatusUpdate: last instanceof Date ? last : typeof last === "number" ? new Date(last) : t.createdAt,
    indicator: indicatorOf(t.waitingSince, category[0].deadlineHours, deps.now()),
    building: b,
    property: property ?? null,
    unit: unit[0] ?? null,
    files: attached,
    people,
  };
}
export type TicketRecord = Awaited<ReturnType<typeof ticketRecord>>;

/** Accounts by id, leaving out anyone whose processing is restricted (they are not served, R-P5). */
async function servedUsers(deps: Deps, customerId: string, ids: (string | null)[]) {
  const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
  const out = new Map<string, User>();
  for (let i = 0; i < wanted.length; i += 90) {
    const rows = await deps.db
      .select()
      .from(users)
      .where(
        and(
          inArray(users.id, wanted.slice(i, i + 90)),
          eq(users.customerId, customerId),
          not(restrictedUser(users.id)),
        ),
      );
    for (const u of rows) out.set(u.id, u);
  }
  return out;
}
