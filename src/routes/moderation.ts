import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

/** Moderation (R-M1): residents report posts, managers hide and restore them. */
export const moderationRoutes = new OpenAPIHono<AppEnv>();
