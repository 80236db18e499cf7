import type { Deps } from "../app-env";
import type { Ticket, TicketStatus, ticketEvents } from "../db/schema/tickets";
import { newId } from "../lib/crypto";
import type { TicketLiveEvent, TicketMessageDto } from "../shared/protocol";

/** Pieces every ticket write shares: its history row, the fields a status implies, and the live event. */

type EventKind = (typeof ticketEvents.$inferInsert)["kind"];

/** One history row: who (an account or a craftsman company) changed what, from which value to which. */
export function ticketEvent(
  t: Pick<Ticket, "id" | "customerId">,
  kind: EventKind,
  by: { actorId?: string | null; providerId?: string | null },
  from: string | null,
  to: string | null,
  at: Date,
) {
  return {
    id: newId(),
    customerId: t.customerId,
    ticketId: t.id,
    actorId: by.actorId ?? null,
    providerId: by.providerId ?? null,
    kind,
    fromValue: from,
    toValue: to,
    createdAt: at,
  };
}

/** Status fields that follow a new status: since when the customer waits on staff, and when it closed. */
export function statusFields(t: Ticket, status: TicketStatus, now: Date) {
  return {
    status,
    waitingSince: status === "waiting-for-agent" ? (t.status === "waiting-for-agent" ? t.waitingSince : now) : null,
    closedAt: status === "closed" ? (t.closedAt ?? now) : null,
  };
}

export const liveEvent = (t: Ticket, kind: TicketLiveEvent["kind"], message?: TicketMessageDto): TicketLiveEvent => ({
  kind,
  ticketId: t.id,
  status: t.status,
  updatedAt: t.updatedAt.toISOString(),
  ...(message ? { message } : {}),
});

/**
 * Shows a ticket change live in the building's room (reporter and staff; internal notes staff only).
 * The write is already committed: a room that cannot be reached costs the live update, never the
 * change, and clients reload tickets over HTTP when they reconnect (decision 0020).
 */
export async function tellRoom(deps: Deps, t: Ticket, e: TicketLiveEvent) {
  const internal = e.message?.visibility === "internal";
  try {
    await deps.stores
      .rooms()
      .getByName(t.buildingId)
      .ticketEvent(e, { userIds: internal ? [] : [t.reporterId], staff: true });
  } catch {
    // Deliberately quiet: nothing personal is logged, and HTTP stays the source of truth.
  }
}
