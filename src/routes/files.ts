import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { fileForActor } from "../services/file-access";
import { fileMeta, readUpload, serveFile, storeFile } from "../services/files";
import { actorOf, defineRoute } from "./define";
import { errorResponses, id, json } from "./schemas";

const tags = ["Files"];

export const fileMetaSchema = z
  .object({ id: z.string(), name: z.string(), contentType: z.string(), size: z.number(), createdAt: z.string() })
  .openapi("File");

const upload = defineRoute("session", {
  method: "post",
  path: "/api/files",
  tags,
  summary:
    "Upload a photo (JPEG, PNG, WebP, HEIC; 10 MiB) or PDF (20 MiB) as multipart/form-data, part `file`. " +
    "The type is judged by the content. The file stays private to you until a ticket, message or document uses it (24 h).",
  responses: {
    201: json(fileMetaSchema, "Stored"),
    ...errorResponses,
    413: { description: "FILE_TOO_LARGE", content: errorResponses[413].content },
    415: { description: "FILE_TYPE_NOT_ALLOWED", content: errorResponses[415].content },
  },
});

const content = defineRoute("session", {
  method: "get",
  path: "/api/files/{fileId}/content",
  tags,
  summary: "Download a file you may see (through what it belongs to); never a public link",
  request: { params: z.object({ fileId: id("fileId") }) },
  responses: { 200: { description: "The file's bytes" }, ...errorResponses },
});

/** Uploads and authorised downloads (R-M3 photos, R-M4/R-M5 documents). */
export const fileRoutes = new OpenAPIHono<AppEnv>()
  .openapi(upload, async (c) => {
    const a = actorOf(c);
    const f = await storeFile(
      c.var.deps,
      { kind: "account", customerId: a.customerId, userId: a.userId },
      await readUpload(c.req.raw),
    );
    return c.json(fileMeta(f), 201);
  })
  .openapi(content, async (c) => {
    const f = await fileForActor(c.var.deps, actorOf(c), c.req.valid("param").fileId);
    return serveFile(c.var.deps, f) as never;
  });
