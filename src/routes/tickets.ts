import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { TICKET_STATUSES } from "../db/schema/tickets";
import { AppError } from "../lib/errors";
import { requireMicroApp } from "../services/micro-apps";
import { ticketFor } from "../services/ticket-access";
import { queuePage } from "../services/ticket-queue";
import * as tickets from "../services/tickets";
import { revokeWorkOrders } from "../services/work-orders";
import { actorOf, defineRoute } from "./define";
import { fileMetaSchema } from "./files";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { errorResponses, id, json, jsonBody } from "./schemas";

const tags = ["Service Center"];
const text = (max: number) => z.string().trim().min(1).max(max).refine(wellFormed, WELL_FORMED_MESSAGE);
const ref = z.string().min(1).max(64);
const status = z.enum(TICKET_STATUSES);
const indicator = z.enum(["green", "yellow", "red"]).nullable();
const person = z.object({ id: z.string(), name: z.string() }).nullable();

const messageSchema = z.object({
  id: z.string(),
  authorKind: z.enum(["resident", "staff", "provider"]),
  authorName: z.string(),
  visibility: z.enum(["public", "internal"]),
  body: z.string(),
  createdAt: z.string(),
  fileIds: z.array(z.string()),
  files: z.array(fileMetaSchema),
});
const ticketSchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    unitId: z.string().nullable(),
    category: z.object({ id: z.string(), name: z.string(), deadlineHours: z.number() }),
    title: z.string(),
    description: z.string(),
    status,
    waitingSince: z.string().nullable(),
    indicator,
    assignee: person,
    provider: person,
    reporter: person,
    feedback: z.object({ rating: z.number(), comment: z.string().nullable(), at: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    photos: z.array(fileMetaSchema),
    messages: z.array(messageSchema),
    history: z.array(
      z.object({
        kind: z.string(),
        from: z.string().nullable(),
        to: z.string().nullable(),
        at: z.string(),
        byName: z.string().nullable(),
      }),
    ),
  })
  .openapi("Ticket");
const summarySchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    unitId: z.string().nullable(),
    categoryId: z.string(),
    title: z.string(),
    status,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("TicketSummary");
const queueItemSchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    unitId: z.string().nullable(),
    category: z.object({ id: z.string(), name: z.string() }),
    title: z.string(),
    status,
    assigneeId: z.string().nullable(),
    providerId: z.string().nullable(),
    waitingSince: z.string().nullable(),
    indicator,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("TicketQueueItem");

const ticketParam = z.object({ ticketId: id("ticketId") });

const create = defineRoute("session", {
  method: "post",
  path: "/api/tickets",
  tags,
  summary: "Report a defect for your unit (or, without unitId, the building's common areas), with uploaded photos",
  request: {
    body: jsonBody(
      z.strictObject({
        buildingId: ref,
        unitId: ref.nullable().default(null),
        categoryId: ref,
        title: text(200),
        description: text(5_000),
        photoIds: z.array(ref).max(10).default([]),
      }),
    ),
  },
  responses: { 201: json(ticketSchema, "Created"), ...errorResponses },
});
const mine = defineRoute("session", {
  method: "get",
  path: "/api/tickets",
  tags,
  summary: "Your own reports, newest first",
  responses: { 200: json(z.array(summarySchema)), ...errorResponses },
});
const getOne = defineRoute("session", {
  method: "get",
  path: "/api/tickets/{ticketId}",
  tags,
  summary: "A ticket with its conversation (residents: public replies only) and history",
  request: { params: ticketParam },
  responses: { 200: json(ticketSchema), ...errorResponses },
});
const message = defineRoute("session", {
  method: "post",
  path: "/api/tickets/{ticketId}/messages",
  tags,
  summary: "Reply on a ticket; staff may write internal notes, never shown to residents",
  request: {
    params: ticketParam,
    body: jsonBody(
      z.strictObject({
        body: text(5_000),
        internal: z.boolean().default(false),
        fileIds: z.array(ref).max(10).default([]),
      }),
    ),
  },
  responses: { 201: json(ticketSchema, "Added"), ...errorResponses },
});
const patch = defineRoute("staff", {
  method: "patch",
  path: "/api/tickets/{ticketId}",
  tags,
  summary:
    "Change status, category, assignee (a colleague of the building) or service provider (mails a work-order link)",
  request: {
    params: ticketParam,
    body: jsonBody(
      z.strictObject({
        status: status.optional(),
        categoryId: ref.optional(),
        assigneeId: ref.nullable().optional(),
        providerId: ref.nullable().optional(),
        shareContact: z.boolean().optional(),
      }),
    ),
  },
  responses: { 200: json(ticketSchema), ...errorResponses },
});
const feedback = defineRoute("session", {
  method: "post",
  path: "/api/tickets/{ticketId}/feedback",
  tags,
  summary: "The reporter rates the handling once the ticket is closed",
  request: {
    params: ticketParam,
    body: jsonBody(z.strictObject({ rating: z.number().int().min(1).max(5), comment: text(2_000).optional() })),
  },
  responses: { 200: json(ticketSchema), ...errorResponses },
});
const revoke = defineRoute("staff", {
  method: "delete",
  path: "/api/tickets/{ticketId}/work-orders",
  tags,
  summary: "Revoke the craftsman's work-order links of a ticket",
  request: { params: ticketParam },
  responses: { 200: json(z.object({ revoked: z.number() })), ...errorResponses },
});
const queue = defineRoute("staff", {
  method: "get",
  path: "/api/ticket-queue",
  tags,
  summary: "Tickets across your buildings, newest first, filtered, with keyset pagination (`cursor`)",
  request: {
    query: z.object({
      status: status.optional(),
      categoryId: ref.optional(),
      buildingId: ref.optional(),
      assignee: ref.optional().openapi({ description: "An account id, `me` or `none`" }),
      olderThanHours: z.coerce.number().int().min(0).max(100_000).optional(),
      cursor: z.string().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(25),
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(queueItemSchema), nextCursor: z.string().nullable() })),
    ...errorResponses,
  },
});

/** Service Center (R-M3): residents report, staff work the queue. */
export const ticketRoutes = new OpenAPIHono<AppEnv>()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    await requireMicroApp(c.var.deps, actorOf(c), "service-center", { buildingId: body.buildingId });
    return c.json(await tickets.createTicket(c.var.deps, actorOf(c), body), 201);
  })
  .openapi(mine, async (c) => {
    await requireMicroApp(c.var.deps, actorOf(c), "service-center", "homes");
    const rows = await tickets.listMyTickets(c.var.deps, actorOf(c));
    return c.json(
      rows.map((t) => ({
        id: t.id,
        buildingId: t.buildingId,
        unitId: t.unitId,
        categoryId: t.categoryId,
        title: t.title,
        status: t.status,
        createdAt: t.createdAt.toISOString(),
        updatedAt: t.updatedAt.toISOString(),
      })),
      200,
    );
  })
  .openapi(getOne, async (c) => {
    const { ticketId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "service-center", { ticketId });
    return c.json(await tickets.getTicket(c.var.deps, actorOf(c), ticketId), 200);
  })
  .openapi(message, async (c) => {
    const { ticketId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "service-center", { ticketId });
    return c.json(await tickets.addMessage(c.var.deps, actorOf(c), ticketId, c.req.valid("json")), 201);
  })
  .openapi(patch, async (c) => {
    const { ticketId } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.shareContact !== undefined && body.providerId === undefined) {
      throw new AppError("VALIDATION_FAILED", "shareContact goes with a providerId.", [
        { path: "shareContact", message: "Needs providerId" },
      ]);
    }
    return c.json(await tickets.updateTicket(c.var.deps, actorOf(c), ticketId, body, c.var.app?.origin), 200);
  })
  .openapi(feedback, async (c) => {
    const { ticketId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "service-center", { ticketId });
    return c.json(await tickets.giveFeedback(c.var.deps, actorOf(c), ticketId, c.req.valid("json")), 200);
  })
  .openapi(revoke, async (c) => {
    const { ticket, staff } = await ticketFor(c.var.deps, actorOf(c), c.req.valid("param").ticketId);
    if (!staff) throw new AppError("NOT_FOUND", "Ticket not found");
    return c.json({ revoked: await revokeWorkOrders(c.var.deps, ticket) }, 200);
  })
  .openapi(queue, async (c) => {
    const page = await queuePage(c.var.deps, actorOf(c), c.req.valid("query"));
    return c.json({ items: page.items, nextCursor: page.nextCursor }, 200);
  });
