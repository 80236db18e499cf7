import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import { users } from "../db/schema/people";
import {
  serviceProviders,
  type Ticket,
  type TicketCategory,
  type TicketMessage,
  ticketCategories,
  ticketEvents,
  ticketMessages,
} from "../db/schema/tickets";
import { HOUR } from "../lib/time";
import type { TicketMessageDto } from "../shared/protocol";
import { type FileMeta, fileMeta, filesOf } from "./files";

export type Indicator = "green" | "yellow" | "red";

/**
 * The waiting indicator (like Allthings' `customerWaitingSinceIndicator`): green in the first half of
 * the category's deadline, yellow in the second, red once it has passed; null when nobody waits on staff.
 */
export function indicatorOf(waitingSince: Date | null, deadlineHours: number, now: Date): Indicator | null {
  if (!waitingSince) return null;
  const share = (now.getTime() - waitingSince.getTime()) / (Math.max(deadlineHours, 1) * HOUR);
  return share < 0.5 ? "green" : share < 1 ? "yellow" : "red";
}

export interface TicketView {
  id: string;
  buildingId: string;
  unitId: string | null;
  category: { id: string; name: string; deadlineHours: number };
  title: string;
  description: string;
  status: Ticket["status"];
  waitingSince: string | null;
  indicator: Indicator | null;
  assignee: { id: string; name: string } | null;
  provider: { id: string; name: string } | null;
  reporter: { id: string; name: string } | null;
  feedback: { rating: number; comment: string | null; at: string } | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  photos: FileMeta[];
  messages: (TicketMessageDto & { files: FileMeta[] })[];
  history: { kind: string; from: string | null; to: string | null; at: string; byName: string | null }[];
}

/** Display names of accounts, by id (one query). */
export async function namesOf(deps: Deps, customerId: string, ids: (string | null)[]) {
  const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
  if (wanted.length === 0) return new Map<string, string>();
  const rows = await deps.db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(and(eq(users.customerId, customerId), inArray(users.id, wanted)));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** A message as its viewers see it (the author's kind and name, never their e-mail). */
export function messageDto(
  m: TicketMessage,
  names: Map<string, string>,
  providerName: string | null,
  reporterId: string,
) {
  const authorKind: TicketMessageDto["authorKind"] =
    m.authorId === null ? "provider" : m.authorId === reporterId ? "resident" : "staff";
  return {
    id: m.id,
    authorKind,
    authorName: m.authorId === null ? (providerName ?? "") : (names.get(m.authorId) ?? ""),
    visibility: m.visibility,
    body: m.body,
    createdAt: m.createdAt.toISOString(),
  };
}

/**
 * The full ticket for one viewer. Residents never get internal notes, their files, the history of
 * assignments, the indicator or the reporter block; staff get everything.
 */
// Rows of one change share a timestamp; `rowid` (insertion order) keeps the history in the order written.
export async function ticketView(deps: Deps, t: Ticket, staff: boolean): Promise<TicketView> {
  const { db } = deps;
  const [category, messages, events, providers] = await db.batch([
    db.select().from(ticketCategories).where(eq(ticketCategories.id, t.categoryId)),
    db
      .select()
      .from(ticketMessages)
      .where(eq(ticketMessages.ticketId, t.id))
      .orderBy(asc(ticketMessages.createdAt), sql`rowid`),
    db
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, t.id))
      .orderBy(asc(ticketEvents.createdAt), sql`rowid`),
    db
      .select({ id: serviceProviders.id, name: serviceProviders.name })
      .from(serviceProviders)
      .where(eq(serviceProviders.customerId, t.customerId)),
  ]);
  const cat = category[0] as TicketCategory;
  const visible = staff ? messages : messages.filter((m) => m.visibility === "public");
  const internalIds = new Set(messages.filter((m) => m.visibility === "internal").map((m) => m.id));
  const allFiles = (await filesOf(deps, t.customerId, "ticket", [t.id])).filter(
    (f) => staff || f.messageId === null || !internalIds.has(f.messageId),
  );
  const names = await namesOf(deps, t.customerId, [
    t.reporterId,
    t.assigneeId,
    ...messages.map((m) => m.authorId),
    ...events.map((e) => e.actorId),
  ]);
  const providerNames = new Map(providers.map((p) => [p.id, p.name]));
  return {
    id: t.id,
    buildingId: t.buildingId,
    unitId: t.unitId,
    category: { id: cat.id, name: cat.name, deadlineHours: cat.deadlineHours },
    title: t.title,
    description: t.description,
    status: t.status,
    waitingSince: t.waitingSince?.toISOString() ?? null,
    indicator: staff ? indicatorOf(t.waitingSince, cat.deadlineHours, deps.now()) : null,
    assignee: t.assigneeId ? { id: t.assigneeId, name: names.get(t.assigneeId) ?? "" } : null,
    provider: t.providerId ? { id: t.providerId, name: providerNames.get(t.providerId) ?? "" } : null,
    reporter: staff ? { id: t.reporterId, name: names.get(t.reporterId) ?? "" } : null,
    feedback:
      t.feedbackRating !== null && t.feedbackAt
        ? { rating: t.feedbackRating, comment: t.feedbackComment, at: t.feedbackAt.toISOString() }
        : null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    closedAt: t.closedAt?.toISOString() ?? null,
    photos: allFiles.filter((f) => f.messageId === null).map(fileMeta),
    messages: visible.map((m) => {
      const files = allFiles.filter((f) => f.messageId === m.id);
      return {
        ...messageDto(m, names, m.providerId ? (providerNames.get(m.providerId) ?? null) : null, t.reporterId),
        fileIds: files.map((f) => f.id),
        files: files.map(fileMeta),
      };
    }),
    history: (staff
      ? events
      : events.filter((e) => e.kind === "created" || e.kind === "status" || e.kind === "feedback")
    ).map((e) => ({
      kind: e.kind,
      from: e.fromValue,
      to: e.toValue,
      at: e.createdAt.toISOString(),
      byName: e.actorId
        ? (names.get(e.actorId) ?? null)
        : e.providerId
          ? (providerNames.get(e.providerId) ?? null)
          : null,
    })),
  };
}
