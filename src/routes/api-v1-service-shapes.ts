import { z } from "@hono/zod-openapi";
import type { FileRow } from "../db/schema/files";
import type { TicketMessage } from "../db/schema/tickets";
import type { TicketRecord } from "../services/resident-services";
import { groupOut, userOut, v1User } from "./api-v1-shapes";

/**
 * Wire shapes of the Allthings v1 resident services (allthings-api.md §2.2 File, Ticket, Conversation;
 * decision 0028), built field by field. What Quartier does not keep comes back neutral (null, false, 0,
 * []): read markers, labels, tags, ticket numbers, image renditions and public file URLs (files are
 * only ever served after an access check). A ticket has one public conversation whose id is the ticket's.
 */

const EXTENSION = /\.([A-Za-z0-9]{1,10})$/;

export const v1File = z
  .object({
    id: z.string(),
    name: z.string(),
    originalFilename: z.string(),
    extension: z.string(),
    type: z.string(),
    size: z.number(),
    description: z.null(),
    category: z.null(),
    path: z.string(),
    deletedAt: z.null(),
    createdAt: z.string(),
    files: z.null().openapi({ description: "Renditions and URLs: none (files are served after an access check)" }),
  })
  .openapi("V1File");
export const fileOut = (f: FileRow, path = ""): z.infer<typeof v1File> => ({
  id: f.id,
  name: f.name,
  originalFilename: f.name,
  extension: (EXTENSION.exec(f.name)?.[1] ?? "").toLowerCase(),
  type: f.contentType,
  size: f.size,
  description: null,
  category: null,
  path,
  deletedAt: null,
  createdAt: f.createdAt.toISOString(),
  files: null,
});

export const v1Message = z
  .object({
    id: z.string(),
    type: z.enum(["text", "file"]),
    content: z.object({
      content: z.string().optional(),
      description: z.string().optional(),
      files: z.array(z.string()).optional(),
    }),
    internal: z.literal(false),
    read: z.boolean(),
    createdAt: z.string(),
    _embedded: z.object({ createdBy: v1User.nullable(), files: z.array(v1File) }),
    _links: z.object({}),
  })
  .openapi("V1Message");

function messageOut(r: TicketRecord, m: TicketMessage): z.infer<typeof v1Message> {
  const attached = r.files.filter((f) => f.messageId === m.id);
  const author = m.authorId ? r.people.get(m.authorId) : undefined;
  return {
    id: m.id,
    type: attached.length ? "file" : "text",
    content: attached.length ? { description: m.body, files: attached.map((f) => f.id) } : { content: m.body },
    internal: false,
    read: false,
    createdAt: m.createdAt.toISOString(),
    // A craftsman's reply (no account) and a restricted person's have no user to show.
    _embedded: { createdBy: author ? userOut(author) : null, files: attached.map((f) => fileOut(f)) },
    _links: {},
  };
}
export const messageOf = (r: TicketRecord, id: string) => {
  const m = r.messages.find((x) => x.id === id);
  return m ? messageOut(r, m) : undefined;
};

const participants = (r: TicketRecord) =>
  [...r.people.values()].map((u) => ({
    ...userOut(u),
    roles: u.id === r.ticket.reporterId ? ["tenant"] : ["service-center-agent"],
  }));

export const v1Conversation = z
  .object({
    id: z.string(),
    ticket: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    messageCount: z.number(),
    _embedded: z.object({ participants: z.array(v1User), messages: z.array(v1Message) }),
  })
  .openapi("V1Conversation");
export const conversationOut = (r: TicketRecord): z.infer<typeof v1Conversation> => ({
  id: r.ticket.id,
  ticket: r.ticket.id,
  createdAt: r.ticket.createdAt.toISOString(),
  updatedAt: r.ticket.updatedAt.toISOString(),
  messageCount: r.messages.length,
  _embedded: { participants: participants(r), messages: r.messages.map((m) => messageOut(r, m)) },
});

export const v1Ticket = z
  .object({
    id: z.string(),
    incrementID: z.null(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    status: z.enum(["waiting-for-agent", "waiting-for-customer", "waiting-for-external", "closed"]),
    channels: z.array(z.string()),
    files: z.array(z.string()),
    labels: z.array(z.string()),
    tags: z.array(z.string()),
    phoneNumber: z.null(),
    read: z.boolean(),
    commentCount: z.number(),
    unreadAdminMessages: z.number(),
    unreadUserMessages: z.number(),
    customerWaitingSinceIndicator: z.enum(["green", "yellow", "red"]).nullable(),
    lastStatusUpdate: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    sortHash: z.null(),
    group: z.string(),
    unit: z.string().nullable(),
    _embedded: z.object({
      assignedTo: v1User.nullable(),
      category: z.object({ id: z.string(), name: z.string() }),
      conversations: z.array(z.object({ id: z.string(), _embedded: z.object({ participants: z.array(v1User) }) })),
      createdBy: v1User.nullable(),
      files: z.array(v1File),
      group: z.object({ id: z.string(), name: z.string(), address: z.record(z.string(), z.unknown()) }),
      labels: z.array(z.string()),
      property: z.object({ id: z.string(), name: z.string() }).nullable(),
      unit: z.object({ id: z.string(), name: z.string() }).nullable(),
    }),
  })
  .openapi("V1Ticket");
export const ticketOut = (r: TicketRecord): z.infer<typeof v1Ticket> => {
  const t = r.ticket;
  const photos = r.files.filter((f) => f.messageId === null);
  const user = (id: string | null) => {
    const u = id ? r.people.get(id) : undefined;
    return u ? userOut(u) : null;
  };
  return {
    id: t.id,
    incrementID: null,
    title: t.title,
    description: t.description,
    category: t.categoryId,
    status: t.status,
    channels: [],
    files: photos.map((f) => f.id),
    labels: [],
    tags: [],
    phoneNumber: null,
    read: false,
    commentCount: r.messages.length,
    unreadAdminMessages: 0,
    unreadUserMessages: 0,
    customerWaitingSinceIndicator: r.indicator,
    lastStatusUpdate: r.lastStatusUpdate.toISOString(),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    sortHash: null,
    group: t.buildingId,
    unit: t.unitId,
    _embedded: {
      assignedTo: user(t.assigneeId),
      category: { id: r.category.id, name: r.category.name },
      conversations: [{ id: t.id, _embedded: { participants: participants(r) } }],
      createdBy: user(t.reporterId),
      files: photos.map((f) => fileOut(f)),
      group: { id: r.building.id, name: r.building.name, address: groupOut(r.building).address },
      labels: [],
      property: r.property ? { id: r.property.id, name: r.property.name } : null,
      unit: r.unit ? { id: r.unit.id, name: r.unit.name } : null,
    },
  };
};
