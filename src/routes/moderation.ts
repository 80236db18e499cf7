import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { MODERATION_ACTIONS, REPORT_REASONS, REPORT_STATUSES } from "../db/schema/moderation";
import * as moderation from "../services/moderation";
import { actorOf, defineRoute } from "./define";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { errorResponses, id, json, jsonBody } from "./schemas";

const tags = ["Moderation"];
const postParams = z.object({ buildingId: id("buildingId"), postId: id("postId") });

const reportSchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    postId: z.string(),
    reason: z.enum(REPORT_REASONS),
    status: z.enum(REPORT_STATUSES),
    createdAt: z.string(),
  })
  .openapi("Report");
const reportedPostSchema = z
  .object({
    buildingId: z.string(),
    postId: z.string(),
    reports: z.number(),
    reasons: z.record(z.string(), z.number()),
    notes: z.array(z.string()),
    firstReportedAt: z.string(),
    lastReportedAt: z.string(),
  })
  .openapi("ReportedPost");
const logSchema = z
  .object({
    id: z.string(),
    buildingId: z.string(),
    postId: z.string(),
    actorId: z.string(),
    action: z.enum(MODERATION_ACTIONS),
    reports: z.number(),
    createdAt: z.string(),
  })
  .openapi("ModerationLogEntry");

const report = defineRoute("session", {
  method: "post",
  path: "/api/buildings/{buildingId}/posts/{postId}/reports",
  tags,
  summary: "Report a post of your building to its managers (one open report per post)",
  request: {
    params: postParams,
    body: jsonBody(
      z.strictObject({
        reason: z.enum(REPORT_REASONS),
        note: z.string().trim().min(1).max(500).refine(wellFormed, WELL_FORMED_MESSAGE).optional(),
      }),
    ),
  },
  responses: { 201: json(reportSchema, "Reported"), 409: json(z.unknown(), "Already reported"), ...errorResponses },
});
const openReports = defineRoute("staff", {
  method: "get",
  path: "/api/moderation/reports",
  tags,
  summary: "Open reports in your buildings, one entry per post with counts per reason",
  request: { query: z.object({ buildingId: z.string().min(1).max(64).optional() }) },
  responses: { 200: json(z.array(reportedPostSchema)), ...errorResponses },
});
const visibility = defineRoute("staff", {
  method: "put",
  path: "/api/buildings/{buildingId}/posts/{postId}/visibility",
  tags,
  summary: "Hide or restore a post for everyone; resolves its open reports",
  request: { params: postParams, body: jsonBody(z.strictObject({ hidden: z.boolean() })) },
  responses: {
    200: json(z.object({ buildingId: z.string(), postId: z.string(), hidden: z.boolean(), reportsClosed: z.number() })),
    503: json(z.unknown(), "The building room cannot be reached"),
    ...errorResponses,
  },
});
const dismiss = defineRoute("staff", {
  method: "delete",
  path: "/api/buildings/{buildingId}/posts/{postId}/reports",
  tags,
  summary: "Dismiss the open reports of a post (the post stays as it is)",
  request: { params: postParams },
  responses: {
    200: json(z.object({ buildingId: z.string(), postId: z.string(), reportsClosed: z.number() })),
    ...errorResponses,
  },
});
const log = defineRoute("staff", {
  method: "get",
  path: "/api/moderation/log",
  tags,
  summary: "The moderation log of your buildings: who did what to which post, when (no content)",
  responses: { 200: json(z.array(logSchema)), ...errorResponses },
});

/** Moderation (R-M1): residents report posts, managers hide and restore them. */
export const moderationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(report, async (c) => {
    const { buildingId, postId } = c.req.valid("param");
    const r = await moderation.reportPost(c.var.deps, actorOf(c), buildingId, postId, c.req.valid("json"));
    return c.json(
      {
        id: r.id,
        buildingId: r.buildingId,
        postId: r.postId,
        reason: r.reason,
        status: r.status,
        createdAt: r.createdAt.toISOString(),
      },
      201,
    );
  })
  .openapi(openReports, async (c) => {
    const rows = await moderation.listOpenReports(c.var.deps, actorOf(c), c.req.valid("query").buildingId);
    return c.json(
      rows.map((r) => ({
        buildingId: r.buildingId,
        postId: r.postId,
        reports: r.reports,
        reasons: r.reasons,
        notes: r.notes,
        firstReportedAt: r.firstReportedAt.toISOString(),
        lastReportedAt: r.lastReportedAt.toISOString(),
      })),
      200,
    );
  })
  .openapi(visibility, async (c) => {
    const { buildingId, postId } = c.req.valid("param");
    const hidden = c.req.valid("json").hidden;
    return c.json(await moderation.setPostHidden(c.var.deps, actorOf(c), buildingId, postId, hidden), 200);
  })
  .openapi(dismiss, async (c) => {
    const { buildingId, postId } = c.req.valid("param");
    return c.json(await moderation.dismissReports(c.var.deps, actorOf(c), buildingId, postId), 200);
  })
  .openapi(log, async (c) => {
    const rows = await moderation.listLog(c.var.deps, actorOf(c));
    return c.json(
      rows.map((r) => ({
        id: r.id,
        buildingId: r.buildingId,
        postId: r.postId,
        actorId: r.actorId,
        action: r.action,
        reports: r.reports,
        createdAt: r.createdAt.toISOString(),
      })),
      200,
    );
  });
