import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

/** Development only: the echo room that the fan-out benchmark compares against. */
export const benchRoutes = new OpenAPIHono<AppEnv>();
