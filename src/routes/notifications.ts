import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

/** Notification preferences per category (R-A5). */
export const notificationRoutes = new OpenAPIHono<AppEnv>();
