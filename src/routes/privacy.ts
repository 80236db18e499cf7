import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { gatherPersonData, subjectOf } from "../services/privacy-data";
import { createExport, listExports, openExport } from "../services/privacy-export";
import { viewOf } from "../services/privacy-view";
import { actorOf, defineRoute } from "./define";
import { errorResponses, errorSchema, id, json } from "./schemas";

/** The privacy center (issue 5): see my data (R-P1), export (R-P2). */
const itemSchema = z.object({
  location: z.union([
    z.object({ kind: z.literal("regional-database"), jurisdiction: z.string(), table: z.string() }),
    z.object({
      kind: z.literal("building-room"),
      buildingId: z.string(),
      buildingName: z.string().nullable(),
      table: z.string(),
    }),
  ]),
  column: z.string(),
  rowId: z.union([z.string(), z.number()]).nullable(),
  value: z.unknown(),
  purpose: z.string(),
  basis: z.string(),
  retention: z.string(),
});

const dataViewSchema = z
  .object({
    generatedAt: z.string(),
    userId: z.string(),
    categories: z.array(z.object({ category: z.string(), items: z.array(itemSchema) })),
  })
  .openapi("MyData");

const createdSchema = z.object({ id: z.string(), expiresAt: z.string(), url: z.string() }).openapi("DataExportCreated");
const exportSchema = z
  .object({ id: z.string(), createdAt: z.string(), expiresAt: z.string(), size: z.number(), expired: z.boolean() })
  .openapi("DataExport");

const getMyData = defineRoute("session", {
  method: "get",
  path: "/api/me/data",
  tags: ["Privacy"],
  summary: "Every personal value held about you, by category, with where, why and how long",
  responses: { 200: json(dataViewSchema), ...errorResponses },
});

const postExport = defineRoute("session", {
  method: "post",
  path: "/api/me/exports",
  tags: ["Privacy"],
  summary: "Build a ZIP of all your data; the download link is valid for 7 days",
  responses: { 201: json(createdSchema, "Created"), ...errorResponses },
});

const getExports = defineRoute("session", {
  method: "get",
  path: "/api/me/exports",
  tags: ["Privacy"],
  summary: "Your data exports (download links are only shown once, at creation)",
  responses: { 200: json(z.object({ exports: z.array(exportSchema) })), ...errorResponses },
});

const download = defineRoute("session", {
  method: "get",
  path: "/api/me/exports/{exportId}/download",
  tags: ["Privacy"],
  summary: "Download one of your exports (same person, right token, before expiry)",
  request: {
    params: z.object({ exportId: id("exportId") }),
    // Unconstrained so a missing or malformed token is the same 404 as a wrong one (no validation error).
    query: z.object({ token: z.string().optional() }),
  },
  responses: {
    200: {
      description: "The ZIP",
      content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    410: { description: "Expired", content: { "application/json": { schema: errorSchema } } },
    ...errorResponses,
  },
});

export const privacyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getMyData, async (c) => {
    const deps = c.var.deps;
    const data = await gatherPersonData(deps, subjectOf(actorOf(c), deps));
    return c.json(viewOf(data), 200);
  })
  .openapi(postExport, async (c) => {
    const deps = c.var.deps;
    const e = await createExport(deps, subjectOf(actorOf(c), deps));
    return c.json({ id: e.id, expiresAt: e.expiresAt.toISOString(), url: e.url }, 201);
  })
  .openapi(getExports, async (c) => {
    const deps = c.var.deps;
    const rows = await listExports(deps, subjectOf(actorOf(c), deps));
    const exports = rows.map((r) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
    }));
    return c.json({ exports }, 200);
  })
  .openapi(download, async (c) => {
    const deps = c.var.deps;
    const { exportId } = c.req.valid("param");
    const { token } = c.req.valid("query");
    const file = await openExport(deps, subjectOf(actorOf(c), deps), exportId, token);
    const day = file.createdAt.toISOString().slice(0, 10);
    return c.body(file.body, 200, {
      "content-type": "application/zip",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename="quartier-export-${day}.zip"`,
      "cache-control": "no-store",
    });
  });
