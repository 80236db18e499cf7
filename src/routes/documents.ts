import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { BUILDING_DOC_CATEGORIES, DOCUMENT_CATEGORIES, UNIT_DOC_CATEGORIES } from "../db/schema/documents";
import * as docs from "../services/documents";
import { requireMicroApp } from "../services/micro-apps";
import { actorOf, defineRoute } from "./define";
import { fileMetaSchema } from "./files";
import { WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { errorResponses, id, json, jsonBody } from "./schemas";

const tags = ["Documents"];
const ref = z.string().min(1).max(64);
const title = z.string().trim().min(1).max(200).refine(wellFormed, WELL_FORMED_MESSAGE);

const documentSchema = z
  .object({
    id: z.string(),
    scope: z.enum(["building", "unit"]),
    category: z.enum(DOCUMENT_CATEGORIES),
    title: z.string(),
    buildingIds: z.array(z.string()),
    unitId: z.string().nullable(),
    tenancyId: z.string().nullable(),
    file: fileMetaSchema.nullable(),
    createdAt: z.string(),
  })
  .openapi("Document");

const publishBuilding = defineRoute("staff", {
  method: "post",
  path: "/api/documents",
  tags,
  summary: "Publish a building document (uploaded file) to buildings or a property (R-M4)",
  request: {
    body: jsonBody(
      z.strictObject({
        category: z.enum(BUILDING_DOC_CATEGORIES),
        title,
        fileId: ref,
        target: z.discriminatedUnion("type", [
          z.strictObject({ type: z.literal("building"), ids: z.array(ref).min(1).max(50) }),
          z.strictObject({ type: z.literal("property"), id: ref }),
        ]),
      }),
    ),
  },
  responses: { 201: json(documentSchema, "Published"), ...errorResponses },
});
const publishUnit = defineRoute("staff", {
  method: "post",
  path: "/api/units/{unitId}/documents",
  tags,
  summary: "Give a unit document to a tenancy of the unit (default: the current one) (R-M5)",
  request: {
    params: z.object({ unitId: id("unitId") }),
    body: jsonBody(
      z.strictObject({ category: z.enum(UNIT_DOC_CATEGORIES), title, fileId: ref, tenancyId: ref.optional() }),
    ),
  },
  responses: { 201: json(documentSchema, "Published"), ...errorResponses },
});
const forBuilding = defineRoute("session", {
  method: "get",
  path: "/api/buildings/{buildingId}/documents",
  tags,
  summary: "Documents of a building you live in or manage",
  request: { params: z.object({ buildingId: id("buildingId") }) },
  responses: { 200: json(z.array(documentSchema)), ...errorResponses },
});
const forUnit = defineRoute("session", {
  method: "get",
  path: "/api/units/{unitId}/documents",
  tags,
  summary: "Documents of your unit (your tenancy's only) or of a unit you manage",
  request: { params: z.object({ unitId: id("unitId") }) },
  responses: { 200: json(z.array(documentSchema)), ...errorResponses },
});
const remove = defineRoute("staff", {
  method: "delete",
  path: "/api/documents/{documentId}",
  tags,
  summary: "Delete a document (gone for residents at once)",
  request: { params: z.object({ documentId: id("documentId") }) },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

/** Information (R-M4) and My Apartment (R-M5) documents. */
export const documentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(publishBuilding, async (c) =>
    c.json(await docs.publishBuildingDocument(c.var.deps, actorOf(c), c.req.valid("json")), 201),
  )
  .openapi(publishUnit, async (c) => {
    const { unitId } = c.req.valid("param");
    return c.json(await docs.publishUnitDocument(c.var.deps, actorOf(c), { ...c.req.valid("json"), unitId }), 201);
  })
  .openapi(forBuilding, async (c) => {
    const { buildingId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "information", { buildingId });
    return c.json(await docs.listBuildingDocuments(c.var.deps, actorOf(c), buildingId), 200);
  })
  .openapi(forUnit, async (c) => {
    const { unitId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "my-apartment", { unitId });
    return c.json(await docs.listUnitDocuments(c.var.deps, actorOf(c), unitId), 200);
  })
  .openapi(remove, async (c) => {
    await docs.deleteDocument(c.var.deps, actorOf(c), c.req.valid("param").documentId);
    return c.body(null, 204);
  });
