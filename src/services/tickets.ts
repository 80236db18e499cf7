import { and, desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import { type Ticket, type TicketStatus, ticketEvents, ticketMessages, tickets } from "../db/schema/tickets";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import type { Actor } from "./actor";
import { isImage } from "./file-types";
import { attachStatement } from "./files";
import { managesBuilding, ticketFor } from "./ticket-access";
import { liveEvent, statusFields, tellRoom, ticketEvent } from "./ticket-records";
import { activeCategory } from "./ticket-setup";
import { ticketView } from "./ticket-view";
import { assignProvider } from "./work-orders";

type Stmt = BatchItem<"sqlite">;
const run = (deps: Deps, stmts: (Stmt | null)[]) => {
  const list = stmts.filter((s): s is Stmt => s !== null);
  return deps.db.batch(list as [Stmt, ...Stmt[]]);
};

export interface TicketInput {
  buildingId: string;
  unitId: string | null;
  categoryId: string;
  title: string;
  description: string;
  photoIds: string[];
}

/** Whose pending uploads a write may attach: the actor's own (default), or (userId null) the integrator's. */
export type UploadsOf = { customerId: string; userId: string | null };

/**
 * A resident reports a defect for one of their current units, or (no unit) the common areas of a
 * building they live in, with photos they uploaded before. Record, history and photos commit together.
 * The integrator API reports for a resident with photos it uploaded (`uploads`, decision 0028).
 */
export async function createTicket(deps: Deps, a: Actor, input: TicketInput, uploads: UploadsOf = a) {
  const homes = a.memberships.filter((m) => m.buildingId === input.buildingId);
  if (homes.length === 0) throw notFound("Building");
  if (input.unitId !== null && !homes.some((m) => m.unitId === input.unitId)) throw notFound("Unit");
  await activeCategory(deps, a.customerId, input.categoryId);
  const now = deps.now();
  const t: Ticket = {
    id: newId(),
    customerId: a.customerId,
    buildingId: input.buildingId,
    unitId: input.unitId,
    reporterId: a.userId,
    categoryId: input.categoryId,
    title: input.title,
    description: input.description,
    status: "waiting-for-agent",
    assigneeId: null,
    providerId: null,
    waitingSince: now,
    feedbackRating: null,
    feedbackComment: null,
    feedbackAt: null,
    closedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const { stmt: attach } = await attachStatement(
    deps,
    uploads,
    input.photoIds,
    { type: "ticket", id: t.id, subjectId: a.userId },
    (f) => isImage(f.contentType),
  );
  await run(deps, [
    deps.db.insert(tickets).values(t),
    deps.db.insert(ticketEvents).values(ticketEvent(t, "created", { actorId: a.userId }, null, t.status, now)),
    attach,
  ]);
  await tellRoom(deps, t, liveEvent(t, "ticket.created"));
  return ticketView(deps, t, false);
}

/** The resident's own reports, newest first (at most 100). */
export async function listMyTickets(deps: Deps, a: Actor) {
  return deps.db
    .select()
    .from(tickets)
    .where(and(eq(tickets.reporterId, a.userId), eq(tickets.customerId, a.customerId)))
    .orderBy(desc(tickets.createdAt), desc(tickets.id))
    .limit(100);
}

export async function getTicket(deps: Deps, a: Actor, id: string) {
  const { ticket, staff } = await ticketFor(deps, a, id);
  return ticketView(deps, ticket, staff);
}

/**
 * A message on a ticket. Residents write public replies (a reply to a ticket waiting for them, or to a
 * closed one, puts it back to "waiting for agent"); staff write public replies or internal notes.
 */
export async function addMessage(
  deps: Deps,
  a: Actor,
  id: string,
  input: { body: string; internal: boolean; fileIds: string[] },
  uploads: UploadsOf = a,
) {
  const { ticket, staff } = await ticketFor(deps, a, id);
  if (input.internal && !staff) throw new AppError("FORBIDDEN", "Internal notes are for staff.");
  const now = deps.now();
  const m = {
    id: newId(),
    customerId: a.customerId,
    ticketId: ticket.id,
    authorId: a.userId,
    providerId: null,
    visibility: input.internal ? ("internal" as const) : ("public" as const),
    body: input.body,
    createdAt: now,
  };
  const reopen = !staff && ticket.status !== "waiting-for-agent";
  const next: Ticket = { ...ticket, ...(reopen ? statusFields(ticket, "waiting-for-agent", now) : {}), updatedAt: now };
  const { stmt: attach } = await attachStatement(deps, uploads, input.fileIds, {
    type: "ticket",
    id: ticket.id,
    messageId: m.id,
    subjectId: staff ? null : a.userId,
  });
  await run(deps, [
    deps.db.insert(ticketMessages).values(m),
    deps.db
      .update(tickets)
      .set({ status: next.status, waitingSince: next.waitingSince, closedAt: next.closedAt, updatedAt: now })
      .where(eq(tickets.id, ticket.id)),
    reopen
      ? deps.db
          .insert(ticketEvents)
          .values(ticketEvent(ticket, "status", { actorId: a.userId }, ticket.status, next.status, now))
      : null,
    attach,
  ]);
  const view = await ticketView(deps, next, staff);
  const dto = view.messages.find((x) => x.id === m.id);
  if (dto) {
    const { files: _files, ...message } = dto;
    await tellRoom(deps, next, liveEvent(next, "ticket.message", message));
  }
  return view;
}

export interface TicketPatch {
  status?: TicketStatus | undefined;
  categoryId?: string | undefined;
  assigneeId?: string | null | undefined;
  providerId?: string | null | undefined;
  /** With a new provider: whether the work order shows the reporter's name and e-mail. */
  shareContact?: boolean | undefined;
}

/**
 * Staff change a ticket: status, category, assignee (a colleague who manages the building) or service
 * provider (which sends the craftsman a work-order link). Every change is one history row; the record
 * and its history commit together.
 */
export async function updateTicket(deps: Deps, a: Actor, id: string, patch: TicketPatch, origin?: string) {
  const { ticket, staff } = await ticketFor(deps, a, id);
  if (!staff) throw notFound("Ticket");
  const now = deps.now();
  const by = { actorId: a.userId };
  const next: Ticket = { ...ticket, updatedAt: now };
  const history: ReturnType<typeof ticketEvent>[] = [];
  if (patch.status && patch.status !== ticket.status) {
    Object.assign(next, statusFields(ticket, patch.status, now));
    history.push(ticketEvent(ticket, "status", by, ticket.status, patch.status, now));
  }
  if (patch.categoryId && patch.categoryId !== ticket.categoryId) {
    await activeCategory(deps, a.customerId, patch.categoryId);
    next.categoryId = patch.categoryId;
    history.push(ticketEvent(ticket, "category", by, ticket.categoryId, patch.categoryId, now));
  }
  if (patch.assigneeId !== undefined && patch.assigneeId !== ticket.assigneeId) {
    if (
      patch.assigneeId !== null &&
      !(await managesBuilding(deps, a.customerId, patch.assigneeId, ticket.buildingId))
    ) {
      throw notFound("Colleague");
    }
    next.assigneeId = patch.assigneeId;
    history.push(ticketEvent(ticket, "assignee", by, ticket.assigneeId, patch.assigneeId, now));
  }
  const providerChange = patch.providerId !== undefined && patch.providerId !== ticket.providerId;
  const provider = providerChange
    ? await assignProvider(deps, a, next, patch.providerId ?? null, patch.shareContact ?? false, origin)
    : [];
  if (providerChange) {
    next.providerId = patch.providerId ?? null;
    history.push(ticketEvent(ticket, "provider", by, ticket.providerId, next.providerId, now));
  }
  if (history.length === 0) return ticketView(deps, ticket, true);
  await run(deps, [
    deps.db
      .update(tickets)
      .set({
        status: next.status,
        waitingSince: next.waitingSince,
        closedAt: next.closedAt,
        categoryId: next.categoryId,
        assigneeId: next.assigneeId,
        providerId: next.providerId,
        updatedAt: now,
      })
      .where(and(eq(tickets.id, ticket.id), eq(tickets.customerId, a.customerId))),
    deps.db.insert(ticketEvents).values(history),
    ...provider,
  ]);
  await tellRoom(deps, next, liveEvent(next, "ticket.updated"));
  return ticketView(deps, next, true);
}

/** The reporter's feedback once the ticket is closed (once). */
export async function giveFeedback(
  deps: Deps,
  a: Actor,
  id: string,
  input: { rating: number; comment?: string | undefined },
) {
  const { ticket } = await ticketFor(deps, a, id);
  if (ticket.reporterId !== a.userId) throw new AppError("FORBIDDEN", "Only the reporter gives feedback.");
  if (ticket.status !== "closed" || ticket.feedbackAt !== null) {
    throw new AppError("TICKET_NOT_CLOSED", "Feedback is given once, after the ticket is closed.");
  }
  const now = deps.now();
  const next: Ticket = {
    ...ticket,
    feedbackRating: input.rating,
    feedbackComment: input.comment ?? null,
    feedbackAt: now,
    updatedAt: now,
  };
  await run(deps, [
    deps.db
      .update(tickets)
      .set({ feedbackRating: input.rating, feedbackComment: next.feedbackComment, feedbackAt: now, updatedAt: now })
      .where(eq(tickets.id, ticket.id)),
    deps.db
      .insert(ticketEvents)
      .values(ticketEvent(ticket, "feedback", { actorId: a.userId }, null, String(input.rating), now)),
  ]);
  await tellRoom(deps, next, liveEvent(next, "ticket.updated"));
  return ticketView(deps, next, false);
}
