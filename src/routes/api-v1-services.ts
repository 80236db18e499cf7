import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import * as rs from "../services/resident-services";
import {
  conversationOut,
  fileOut,
  messageOf,
  ticketOut,
  v1Conversation,
  v1File,
  v1Message,
  v1Ticket,
} from "./api-v1-service-shapes";
import { v1Body as body, v1PathId as pathId, V1_TAGS as tags } from "./api-v1-shapes";
import { defineApiRoute } from "./define";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { errorResponses, json } from "./schemas";

/**
 * The integrator API's resident services (Allthings v1 P3, allthings-api.md §5 item 4; decision 0028):
 * uploads, tickets for residents and their public conversation, on the Service Center's services.
 * Their own scopes: tickets and replies are residents' content, which master-data clients do not get.
 */
const READ = { scope: "resident-services:read", staff: true } as const;
const WRITE = { scope: "resident-services:write", staff: true } as const;
const text = (max: number) => z.string().trim().min(1).max(max).refine(wellFormed, WELL_FORMED_MESSAGE);
const ref = z.string().min(1).max(128);

function clientOf(c: Context<AppEnv>) {
  const client = c.var.apiClient;
  if (!client) throw new AppError("UNAUTHENTICATED", "A valid bearer token is required.");
  return client;
}

const createFile = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/files",
  tags,
  summary:
    "Upload a photo (JPEG, PNG, WebP, HEIC; 10 MiB) or PDF (20 MiB) as multipart/form-data, part `file` " +
    "(and optional `path`, answered but not kept). The type is judged by the content. Unused uploads are removed after 24 h.",
  responses: {
    201: json(v1File, "Stored"),
    ...errorResponses,
    413: { description: "FILE_TOO_LARGE", content: errorResponses[413].content },
    415: { description: "FILE_TYPE_NOT_ALLOWED", content: errorResponses[415].content },
  },
});
const deleteFile = defineApiRoute(WRITE, {
  method: "delete",
  path: "/api/v1/files/{fileId}",
  tags,
  summary: "Delete an unused upload of this customer's integrator clients (a ticket's file: 409 FILE_IN_USE)",
  request: { params: z.object({ fileId: pathId("fileId") }) },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

const ticketBody = z.object({
  category: ref,
  title: text(200),
  description: text(5_000),
  utilisationPeriod: ref,
  files: z.array(ref).max(10).default([]),
  inputChannel: z.string().max(50).optional(),
});
const createTicket = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/users/{userId}/tickets",
  tags,
  summary:
    "Report a ticket for a resident: the unit and building of their current utilisation period, with photos uploaded " +
    "through /v1/files (same rules, history and live update as a report from the app)",
  request: {
    params: z.object({ userId: pathId("userId") }),
    body: body(
      ticketBody.openapi({
        example: {
          category: "<category id>",
          title: "Leaking tap",
          description: "The kitchen tap drips all night.",
          utilisationPeriod: "<utilisation period id>",
          files: [],
          inputChannel: "app",
        },
      }),
    ),
  },
  responses: { 201: json(v1Ticket, "Created"), ...errorResponses },
});
const getTicket = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/tickets/{ticketId}",
  tags,
  summary: "One ticket with its photos and public conversation (internal notes are never shown)",
  request: { params: z.object({ ticketId: pathId("ticketId") }) },
  responses: { 200: json(v1Ticket), ...errorResponses },
});
const getConversation = defineApiRoute(READ, {
  method: "get",
  path: "/api/v1/conversations/{conversationId}",
  tags,
  summary: "A ticket's public conversation (its id is the ticket's), with participants and messages",
  request: { params: z.object({ conversationId: pathId("conversationId") }) },
  responses: { 200: json(v1Conversation), ...errorResponses },
});
const messageBody = z.object({
  type: z.enum(["text", "file"]).optional(),
  content: z.object({
    content: z.string().max(5_000).optional(),
    description: z.string().max(5_000).optional(),
    files: z.array(ref).max(10).optional(),
  }),
  internal: z.boolean().optional(),
});
const createMessage = defineApiRoute(WRITE, {
  method: "post",
  path: "/api/v1/conversations/{conversationId}/messages",
  tags,
  summary:
    "A public reply written for a user (`forUser`: the ticket's reporter or staff of its building). " +
    "Internal notes are not offered (internal: true is 400).",
  request: {
    params: z.object({ conversationId: pathId("conversationId") }),
    // Required, but checked after the ticket: a foreign or unknown conversation is 404 first.
    query: z.object({ forUser: ref.optional().openapi({ description: "The account the reply is written for" }) }),
    body: body(
      messageBody.openapi({ example: { content: { content: "The plumber comes on Monday." }, type: "text" } }),
    ),
  },
  responses: { 201: json(v1Message, "Added"), ...errorResponses },
});

const invalid = (path: string, message: string) =>
  new AppError("VALIDATION_FAILED", "The request is invalid.", [{ path, message }]);

export const apiV1ServiceRoutes = new OpenAPIHono<AppEnv>()
  .openapi(createFile, async (c) => {
    const client = clientOf(c);
    // Anything but a multipart form (a JSON body was already read by the JSON guard) is not an upload.
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "multipart/form-data") {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as multipart/form-data, part `file`.");
    }
    const { row, path } = await rs.uploadFile(c.var.deps, client.customerId, client.clientId, c.req.raw);
    return c.json(fileOut(row, path), 201);
  })
  .openapi(deleteFile, async (c) => {
    await rs.deleteFile(c.var.deps, clientOf(c).customerId, c.req.valid("param").fileId);
    return c.body(null, 204);
  })
  .openapi(createTicket, async (c) => {
    const client = clientOf(c);
    const b = c.req.valid("json");
    const id = await rs.createTicketFor(c.var.deps, client.customerId, client.clientId, c.req.valid("param").userId, {
      periodId: b.utilisationPeriod,
      categoryId: b.category,
      title: b.title,
      description: b.description,
      fileIds: b.files,
    });
    return c.json(ticketOut(await rs.ticketRecord(c.var.deps, client.customerId, id)), 201);
  })
  .openapi(getTicket, async (c) => {
    const r = await rs.ticketRecord(c.var.deps, clientOf(c).customerId, c.req.valid("param").ticketId);
    return c.json(ticketOut(r), 200);
  })
  .openapi(getConversation, async (c) => {
    const r = await rs.ticketRecord(c.var.deps, clientOf(c).customerId, c.req.valid("param").conversationId);
    return c.json(conversationOut(r), 200);
  })
  .openapi(createMessage, async (c) => {
    const client = clientOf(c);
    const ticketId = c.req.valid("param").conversationId;
    const b = c.req.valid("json");
    if (b.internal === true) throw invalid("internal", "Internal notes are not offered through the integrator API");
    const raw =
      (b.type === "file"
        ? (b.content.description ?? b.content.content)
        : (b.content.content ?? b.content.description)) ?? "";
    const parsed = text(5_000).safeParse(raw);
    if (!parsed.success)
      throw invalid(b.type === "file" ? "content.description" : "content.content", "1 to 5000 characters");
    const id = await rs.replyFor(
      c.var.deps,
      client.customerId,
      client.clientId,
      ticketId,
      c.req.valid("query").forUser,
      {
        body: parsed.data,
        fileIds: b.content.files ?? [],
      },
    );
    const message = messageOf(await rs.ticketRecord(c.var.deps, client.customerId, ticketId), id);
    if (!message) throw new AppError("NOT_FOUND", "Message not found");
    return c.json(message, 201);
  });
