import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { base64url } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { requireMicroApp } from "../services/micro-apps";
import { roomHistory } from "../services/rooms";
import { actorOf, defineRoute } from "./define";
import { errorResponses, id, json } from "./schemas";

/**
 * The room's history over HTTP, keyset-paginated (newest first; `next` is an opaque cursor). The web
 * app loads a page, then resumes the live stream at `headSeq`; integrators page through it.
 */
const query = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const author = {
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  body: z.string(),
  createdAt: z.string(),
};
const comment = z.object({ ...author, postId: z.string() });
const post = z.object({
  ...author,
  editedAt: z.string().nullable(),
  comments: z.array(comment),
  reactions: z.record(z.string(), z.number()),
});
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next: z.string().nullable(), headSeq: z.number() });

const posts = defineRoute("session", {
  method: "get",
  path: "/api/buildings/{buildingId}/posts",
  tags: ["Building room"],
  summary: "Pinboard posts with comments and reactions, newest first (keyset pagination)",
  request: { params: z.object({ buildingId: id("buildingId") }), query },
  responses: { 200: json(page(post).openapi("PostPage")), ...errorResponses },
});
const chat = defineRoute("session", {
  method: "get",
  path: "/api/buildings/{buildingId}/chat",
  tags: ["Building room"],
  summary: "Building chat messages, newest first (keyset pagination)",
  request: { params: z.object({ buildingId: id("buildingId") }), query },
  responses: { 200: json(page(z.object(author)).openapi("ChatPage")), ...errorResponses },
});

const dm = z.object({
  id: z.string(),
  fromUserId: z.string(),
  fromName: z.string(),
  toUserId: z.string(),
  body: z.string(),
  createdAt: z.string(),
});
const dms = defineRoute("session", {
  method: "get",
  path: "/api/buildings/{buildingId}/dms/{userId}",
  tags: ["Building room"],
  summary: "Direct messages between the caller and one neighbour, newest first (keyset pagination)",
  request: { params: z.object({ buildingId: id("buildingId"), userId: id("userId") }), query },
  responses: { 200: json(page(dm).openapi("DmPage")), ...errorResponses },
});

function decodeCursor(cursor: string | undefined) {
  if (!cursor) return null;
  try {
    const [at, key] = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))) as [unknown, unknown];
    if (typeof at === "number" && Number.isFinite(at) && typeof key === "string" && key.length <= 64) {
      return { at, id: key };
    }
  } catch {
    // answered below
  }
  throw new AppError("VALIDATION_FAILED", "The cursor is not valid.", [{ path: "cursor", message: "Invalid cursor" }]);
}
const encodeCursor = (c: { at: number; id: string } | null) =>
  c ? base64url(new TextEncoder().encode(JSON.stringify([c.at, c.id]))) : null;

export const roomHistoryRoutes = new OpenAPIHono<AppEnv>()
  .openapi(posts, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    await requireMicroApp(c.var.deps, actorOf(c), "pinboard", { buildingId: c.req.valid("param").buildingId });
    const r = await roomHistory(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").buildingId,
      "posts",
      decodeCursor(cursor),
      limit,
    );
    return c.json({ items: r.items as z.infer<typeof post>[], next: encodeCursor(r.next), headSeq: r.headSeq }, 200);
  })
  .openapi(chat, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    await requireMicroApp(c.var.deps, actorOf(c), "my-neighbours", { buildingId: c.req.valid("param").buildingId });
    const r = await roomHistory(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").buildingId,
      "chat",
      decodeCursor(cursor),
      limit,
    );
    return c.json(
      { items: r.items as z.infer<z.ZodObject<typeof author>>[], next: encodeCursor(r.next), headSeq: r.headSeq },
      200,
    );
  })
  .openapi(dms, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const { buildingId, userId } = c.req.valid("param");
    await requireMicroApp(c.var.deps, actorOf(c), "my-neighbours", { buildingId });
    const r = await roomHistory(c.var.deps, actorOf(c), buildingId, "dm", decodeCursor(cursor), limit, userId);
    return c.json({ items: r.items as z.infer<typeof dm>[], next: encodeCursor(r.next), headSeq: r.headSeq }, 200);
  });
