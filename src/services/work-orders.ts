import { and, eq, gt, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import { outbox } from "../db/schema/auth";
import { customers, type Locale } from "../db/schema/customers";
import { buildings, units } from "../db/schema/estate";
import { users } from "../db/schema/people";
import {
  serviceProviders,
  type Ticket,
  type TicketStatus,
  ticketEvents,
  ticketMessages,
  tickets,
  workOrderLinks,
} from "../db/schema/tickets";
import { WORK_ORDER_MAIL } from "../i18n/work-order-mail";
import { newId, randomToken, safeEqual, sha256Hex } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { DAY } from "../lib/time";
import type { Actor } from "./actor";
import { fileMeta, filesOf, storeFile, type Upload } from "./files";
import { liveEvent, statusFields, tellRoom, ticketEvent } from "./ticket-records";
import { activeProvider } from "./ticket-setup";

type Stmt = BatchItem<"sqlite">;

/** How long a craftsman's link works unless the manager revokes it earlier. */
export const WORK_ORDER_DAYS = 30;
/** What a craftsman may set: working on it (waiting for external) or done (waiting for the customer's check). */
export const PROVIDER_STATUSES = ["waiting-for-external", "waiting-for-customer"] as const;

/**
 * Statements that revoke the ticket's open links and, for a new provider, create a link and queue its
 * mail (for the caller's batch, so assignment, link and mail commit together). The token itself only
 * exists in the mail; D1 keeps its SHA-256.
 */
export async function assignProvider(
  deps: Deps,
  a: Actor,
  t: Ticket,
  providerId: string | null,
  shareContact: boolean,
  origin?: string,
): Promise<Stmt[]> {
  const now = deps.now();
  const stmts: Stmt[] = [revokeStatement(deps, t, now)];
  if (providerId === null) return stmts;
  const provider = await activeProvider(deps, a.customerId, providerId);
  const token = randomToken(32);
  const expiresAt = new Date(now.getTime() + WORK_ORDER_DAYS * DAY);
  stmts.push(
    deps.db.insert(workOrderLinks).values({
      id: newId(),
      customerId: a.customerId,
      ticketId: t.id,
      providerId,
      tokenHash: await sha256Hex(token),
      shareContact,
      createdBy: a.userId,
      expiresAt,
      revokedAt: null,
      createdAt: now,
    }),
  );
  const customer = await deps.db.query.customers.findFirst({ where: eq(customers.id, a.customerId) });
  const locale: Locale = customer?.locale ?? "de";
  const text = WORK_ORDER_MAIL[locale];
  const vars: Record<string, string> = {
    app: customer?.name ?? "",
    provider: provider.name,
    link: `${origin ?? deps.config.publicOrigin}/work-orders/${token}`,
    expires: expiresAt.toISOString().slice(0, 10),
  };
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");
  stmts.push(
    deps.db.insert(outbox).values({
      id: newId(),
      customerId: a.customerId,
      userId: null,
      toAddress: provider.email,
      template: "work-order",
      locale,
      subject: fill(text.subject),
      bodyText: fill(text.body),
      createdAt: now,
    }),
  );
  return stmts;
}

const revokeStatement = (deps: Deps, t: Ticket, now: Date) =>
  deps.db
    .update(workOrderLinks)
    .set({ revokedAt: now })
    .where(and(eq(workOrderLinks.ticketId, t.id), isNull(workOrderLinks.revokedAt), gt(workOrderLinks.expiresAt, now)));

/** The manager revokes the ticket's work-order links (the provider stays assigned). */
export async function revokeWorkOrders(deps: Deps, t: Ticket) {
  const r = await revokeStatement(deps, t, deps.now()).run();
  return r.meta.changes;
}

/**
 * The ticket and link of a work-order token: 404 for an unknown token, 410 once it expired or was
 * revoked. The token is compared by its hash (constant time on the stored value).
 */
export async function openWorkOrder(deps: Deps, customerId: string, token: string) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw notFound("Work order");
  const hash = await sha256Hex(token);
  const link = await deps.db.query.workOrderLinks.findFirst({
    where: and(eq(workOrderLinks.tokenHash, hash), eq(workOrderLinks.customerId, customerId)),
  });
  if (!link || !safeEqual(link.tokenHash, hash)) throw notFound("Work order");
  if (link.revokedAt !== null || link.expiresAt.getTime() <= deps.now().getTime()) {
    throw new AppError("WORK_ORDER_ENDED", "This work order link has ended. Please ask the property manager.");
  }
  const ticket = await deps.db.query.tickets.findFirst({
    where: and(eq(tickets.id, link.ticketId), eq(tickets.customerId, customerId)),
  });
  if (!ticket) throw notFound("Work order");
  return { link, ticket };
}

/**
 * What the craftsman sees: the defect, its place, the public conversation and photos, and the
 * reporter's name and e-mail only when the manager chose to share them. Never internal notes.
 */
export async function workOrderView(deps: Deps, customerId: string, token: string) {
  const { link, ticket } = await openWorkOrder(deps, customerId, token);
  const { db } = deps;
  const [building, unit, reporter, provider, messages] = await db.batch([
    db.select().from(buildings).where(eq(buildings.id, ticket.buildingId)),
    db
      .select()
      .from(units)
      .where(eq(units.id, ticket.unitId ?? "")),
    db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, ticket.reporterId)),
    db.select().from(serviceProviders).where(eq(serviceProviders.id, link.providerId)),
    db
      .select()
      .from(ticketMessages)
      .where(and(eq(ticketMessages.ticketId, ticket.id), eq(ticketMessages.visibility, "public")))
      .orderBy(ticketMessages.createdAt, ticketMessages.id),
  ]);
  const internal = new Set(
    (
      await db
        .select({ id: ticketMessages.id })
        .from(ticketMessages)
        .where(and(eq(ticketMessages.ticketId, ticket.id), eq(ticketMessages.visibility, "internal")))
    ).map((m) => m.id),
  );
  const files = (await filesOf(deps, customerId, "ticket", [ticket.id])).filter(
    (f) => f.messageId === null || !internal.has(f.messageId),
  );
  const b = building[0];
  return {
    ticket: { id: ticket.id, title: ticket.title, description: ticket.description, status: ticket.status },
    place: {
      building: b ? `${b.name}, ${b.street}, ${b.postalCode} ${b.city}` : "",
      unit: unit[0]?.name ?? null,
    },
    contact: link.shareContact && reporter[0] ? { name: reporter[0].name, email: reporter[0].email } : null,
    provider: provider[0]?.name ?? "",
    messages: messages.map((m) => ({
      body: m.body,
      createdAt: m.createdAt.toISOString(),
      mine: m.providerId === link.providerId,
    })),
    files: files.map(fileMeta),
    expiresAt: link.expiresAt.toISOString(),
  };
}

/** The craftsman posts a status and/or a comment (a public reply, shown to the resident live). */
export async function postWorkOrderUpdate(
  deps: Deps,
  customerId: string,
  token: string,
  input: { status?: (typeof PROVIDER_STATUSES)[number] | undefined; comment?: string | undefined },
) {
  const { link, ticket } = await openWorkOrder(deps, customerId, token);
  const now = deps.now();
  const by = { providerId: link.providerId };
  const stmts: Stmt[] = [];
  const next: Ticket = { ...ticket, updatedAt: now };
  if (input.status && input.status !== ticket.status && ticket.status !== "closed") {
    Object.assign(next, statusFields(ticket, input.status as TicketStatus, now));
    stmts.push(deps.db.insert(ticketEvents).values(ticketEvent(ticket, "status", by, ticket.status, next.status, now)));
  }
  const messageId = newId();
  if (input.comment) {
    stmts.push(
      deps.db.insert(ticketMessages).values({
        id: messageId,
        customerId,
        ticketId: ticket.id,
        authorId: null,
        providerId: link.providerId,
        visibility: "public",
        body: input.comment,
        createdAt: now,
      }),
    );
  }
  if (stmts.length === 0) return;
  stmts.push(
    deps.db
      .update(tickets)
      .set({ status: next.status, waitingSince: next.waitingSince, closedAt: next.closedAt, updatedAt: now })
      .where(eq(tickets.id, ticket.id)),
  );
  await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
  const provider = await deps.db.query.serviceProviders.findFirst({ where: eq(serviceProviders.id, link.providerId) });
  const message = input.comment
    ? {
        id: messageId,
        authorKind: "provider" as const,
        authorName: provider?.name ?? "",
        visibility: "public" as const,
        body: input.comment,
        createdAt: now.toISOString(),
        fileIds: [],
      }
    : undefined;
  await tellRoom(deps, next, liveEvent(next, message ? "ticket.message" : "ticket.updated", message));
}

/** The craftsman adds a photo or PDF (e.g. a report) to the ticket. */
export async function uploadWorkOrderFile(deps: Deps, customerId: string, token: string, upload: Upload) {
  const { link, ticket } = await openWorkOrder(deps, customerId, token);
  const f = await storeFile(deps, { kind: "provider", customerId, providerId: link.providerId }, upload, {
    type: "ticket",
    id: ticket.id,
  });
  await tellRoom(deps, ticket, liveEvent({ ...ticket, updatedAt: deps.now() }, "ticket.updated"));
  return f;
}

/** A file of the work order's ticket (not of an internal note), for the craftsman's page. */
export async function workOrderFile(deps: Deps, customerId: string, token: string, fileId: string) {
  const { ticket } = await openWorkOrder(deps, customerId, token);
  const internal = new Set(
    (
      await deps.db
        .select({ id: ticketMessages.id })
        .from(ticketMessages)
        .where(and(eq(ticketMessages.ticketId, ticket.id), eq(ticketMessages.visibility, "internal")))
    ).map((m) => m.id),
  );
  const f = (await filesOf(deps, customerId, "ticket", [ticket.id])).find((x) => x.id === fileId);
  if (!f || (f.messageId !== null && internal.has(f.messageId))) throw notFound("File");
  return f;
}
