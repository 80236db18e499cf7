import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { NOTIFY_MODES } from "../db/schema/notifications";
import { getPreferences, setPreferences } from "../services/notifications";
import { actorOf, defineRoute } from "./define";
import { errorResponses, json, jsonBody } from "./schemas";

const mode = z.enum(NOTIFY_MODES);
const preferencesSchema = z
  .object({ announcements: mode, messages: mode, pinboard: mode })
  .openapi("NotificationPreferences", {
    description:
      "Per category: never, immediately (at most one mail per category every 10 minutes), or a digest " +
      "(daily at 07:00 UTC, weekly on Mondays at 07:00 UTC). Mails never contain what neighbours wrote.",
  });

const getPrefs = defineRoute("session", {
  method: "get",
  path: "/api/me/notifications",
  tags: ["Accounts"],
  summary: "Your notification mails per category (defaults until you change them)",
  responses: { 200: json(preferencesSchema), ...errorResponses },
});
const putPrefs = defineRoute("session", {
  method: "put",
  path: "/api/me/notifications",
  tags: ["Accounts"],
  summary: "Choose never, immediately, daily or weekly per category",
  request: { body: jsonBody(z.strictObject({ announcements: mode, messages: mode, pinboard: mode })) },
  responses: { 200: json(preferencesSchema), ...errorResponses },
});

/** Notification preferences per category (R-A5). */
export const notificationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getPrefs, async (c) => {
    const a = actorOf(c);
    return c.json(await getPreferences(c.var.deps, a.customerId, a.userId), 200);
  })
  .openapi(putPrefs, async (c) => {
    const a = actorOf(c);
    return c.json(await setPreferences(c.var.deps, a.customerId, a.userId, c.req.valid("json")), 200);
  });
