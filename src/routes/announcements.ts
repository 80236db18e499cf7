import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ANNOUNCEMENT_STATES, DELIVERY_STATES, TARGET_TYPES } from "../db/schema/announcements";
import * as residents from "../services/announcement-residents";
import * as announcements from "../services/announcements";
import { requireMicroApp } from "../services/micro-apps";
import { actorOf, defineRoute } from "./define";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { errorResponses, id, isoOrNull, json, jsonBody } from "./schemas";

const tags = ["Announcements"];
const text = (max: number) => z.string().trim().min(1).max(max).refine(wellFormed, WELL_FORMED_MESSAGE);
const instant = z.iso.datetime({ offset: true });
const targetId = z.string().min(1).max(64);

const inputSchema = z.strictObject({
  title: text(200),
  body: text(10_000),
  target: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("building"), ids: z.array(targetId).min(1).max(50) }),
    z.strictObject({ type: z.literal("property"), id: targetId }),
    z.strictObject({ type: z.literal("customer") }),
  ]),
  ackRequired: z.boolean().default(false),
  /** Omitted or past: now. */
  publishAt: instant.optional(),
  /** Default: two weeks after publication. */
  pinnedUntil: instant.optional(),
});

const countsSchema = z.object({
  buildings: z.number(),
  units: z.number(),
  residents: z.number(),
  read: z.number(),
  unitsToAcknowledge: z.number(),
  acknowledged: z.number(),
});
const managerSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string(),
    target: z.object({ type: z.enum(TARGET_TYPES), ids: z.array(z.string()) }),
    ackRequired: z.boolean(),
    state: z.enum(ANNOUNCEMENT_STATES),
    publishAt: z.string(),
    pinnedUntil: z.string().nullable(),
    publishedAt: z.string().nullable(),
    withdrawnAt: z.string().nullable(),
    counts: countsSchema,
  })
  .openapi("Announcement");
const detailSchema = managerSchema
  .extend({
    deliveries: z.array(
      z.object({
        buildingId: z.string(),
        state: z.enum(DELIVERY_STATES),
        attempts: z.number(),
        lastError: z.string().nullable(),
        seq: z.number().nullable(),
      }),
    ),
  })
  .openapi("AnnouncementDetail");
const residentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string(),
    authorName: z.string(),
    publishedAt: z.string(),
    ackRequired: z.boolean(),
    pinned: z.boolean(),
    readAt: z.string().nullable(),
    acknowledgedUnitIds: z.array(z.string()),
    unitsToAcknowledge: z.array(z.string()),
  })
  .openapi("BuildingAnnouncement");

type ManagerRow = Awaited<ReturnType<typeof announcements.listForManager>>[number];
const noCounts = { buildings: 0, units: 0, residents: 0, read: 0, unitsToAcknowledge: 0, acknowledged: 0 };
const toManager = (r: ManagerRow): z.infer<typeof managerSchema> => ({
  id: r.id,
  title: r.title,
  body: r.body,
  target: { type: r.targetType, ids: r.targetIds },
  ackRequired: r.ackRequired,
  state: r.state,
  publishAt: r.publishAt.toISOString(),
  pinnedUntil: isoOrNull(r.pinnedUntil),
  publishedAt: isoOrNull(r.publishedAt),
  withdrawnAt: isoOrNull(r.withdrawnAt),
  counts: r.counts ?? noCounts,
});
const toDetail = (r: Awaited<ReturnType<typeof announcements.getAnnouncement>>) => ({
  ...toManager(r),
  deliveries: r.deliveries,
});

const announcementParam = z.object({ announcementId: id("announcementId") });

const create = defineRoute("staff", {
  method: "post",
  path: "/api/announcements",
  tags,
  summary: "Send an announcement to buildings, a property or all buildings, now or scheduled",
  request: { body: jsonBody(inputSchema) },
  responses: { 201: json(detailSchema, "Created"), ...errorResponses },
});
const list = defineRoute("staff", {
  method: "get",
  path: "/api/announcements",
  tags,
  summary: "Announcements in your scope, newest first, with read and acknowledgement counts",
  responses: { 200: json(z.array(managerSchema)), ...errorResponses },
});
const getOne = defineRoute("staff", {
  method: "get",
  path: "/api/announcements/{announcementId}",
  tags,
  summary: "One announcement with its counts and the delivery to each building",
  request: { params: announcementParam },
  responses: { 200: json(detailSchema), ...errorResponses },
});
const withdraw = defineRoute("staff", {
  method: "delete",
  path: "/api/announcements/{announcementId}",
  tags,
  summary: "Withdraw an announcement (kept as a record; removed from every building)",
  request: { params: announcementParam },
  responses: { 200: json(detailSchema), ...errorResponses },
});
const forBuilding = defineRoute("session", {
  method: "get",
  path: "/api/buildings/{buildingId}/announcements",
  tags,
  summary: "Announcements of a building you live in: pinned ones first",
  request: { params: z.object({ buildingId: id("buildingId") }) },
  responses: { 200: json(z.array(residentSchema)), ...errorResponses },
});
const read = defineRoute("session", {
  method: "post",
  path: "/api/announcements/{announcementId}/read",
  tags,
  summary: "Mark an announcement as read",
  request: { params: announcementParam },
  responses: { 204: { description: "Read" }, ...errorResponses },
});
const ack = defineRoute("session", {
  method: "post",
  path: "/api/announcements/{announcementId}/acknowledge",
  tags,
  summary: "Acknowledge an announcement for your units (or one unit); repeating changes nothing",
  request: {
    params: announcementParam,
    body: {
      required: false,
      content: { "application/json": { schema: z.strictObject({ unitId: targetId.optional() }) } },
    },
  },
  responses: { 200: json(z.object({ acknowledgedUnitIds: z.array(z.string()) })), ...errorResponses },
});

/** Announcements (R-M2): managers send, residents read and acknowledge. */
export const announcementRoutes = new OpenAPIHono<AppEnv>()
  .openapi(create, async (c) => {
    const input = c.req.valid("json");
    const row = await announcements.createAnnouncement(c.var.deps, actorOf(c), {
      ...input,
      publishAt: input.publishAt ? new Date(input.publishAt) : undefined,
      pinnedUntil: input.pinnedUntil ? new Date(input.pinnedUntil) : undefined,
    });
    return c.json(toDetail(row), 201);
  })
  .openapi(list, async (c) => c.json((await announcements.listForManager(c.var.deps, actorOf(c))).map(toManager), 200))
  .openapi(getOne, async (c) => {
    const row = await announcements.getAnnouncement(c.var.deps, actorOf(c), c.req.valid("param").announcementId);
    return c.json(toDetail(row), 200);
  })
  .openapi(withdraw, async (c) => {
    const row = await announcements.withdrawAnnouncement(c.var.deps, actorOf(c), c.req.valid("param").announcementId);
    return c.json(toDetail(row), 200);
  })
  .openapi(forBuilding, async (c) => {
    const { buildingId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "announcements", { buildingId });
    const rows = await residents.listForBuilding(c.var.deps, actorOf(c), buildingId);
    return c.json(
      rows.map((r) => ({
        id: r.id,
        title: r.title,
        body: r.body,
        authorName: r.authorName,
        publishedAt: isoOrNull(r.publishedAt) ?? "",
        ackRequired: r.ackRequired,
        pinned: r.pinned,
        readAt: isoOrNull(r.readAt),
        acknowledgedUnitIds: r.acknowledgedUnitIds,
        unitsToAcknowledge: r.unitsToAcknowledge,
      })),
      200,
    );
  })
  .openapi(read, async (c) => {
    await requireMicroApp(c.var.deps, actorOf(c), "announcements", "homes");
    await residents.markRead(c.var.deps, actorOf(c), c.req.valid("param").announcementId);
    return c.body(null, 204);
  })
  .openapi(ack, async (c) => {
    await requireMicroApp(c.var.deps, actorOf(c), "announcements", "homes");
    const body = c.req.valid("json") as { unitId?: string } | undefined;
    const r = await residents.acknowledge(c.var.deps, actorOf(c), c.req.valid("param").announcementId, body?.unitId);
    return c.json(r, 200);
  });
