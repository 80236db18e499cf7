import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

/** Announcements (R-M2): managers send, residents read and acknowledge. */
export const announcementRoutes = new OpenAPIHono<AppEnv>();
