import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { CONSENT_PURPOSE, consentsOf, recordConsent } from "../services/consents";
import { subjectOf } from "../services/privacy-data";
import { actorOf, defineRoute } from "./define";
import { errorResponses, json, jsonBody } from "./schemas";

/** The consent ledger of the logged-in person (R-P7): give or withdraw with the same call. */
const decisionSchema = z.object({ purpose: z.string(), granted: z.boolean(), textVersion: z.string(), at: z.string() });
const consentsSchema = z
  .object({ current: z.array(decisionSchema), history: z.array(decisionSchema) })
  .openapi("MyConsents");

const getConsents = defineRoute("session", {
  method: "get",
  path: "/api/me/consents",
  tags: ["Privacy"],
  summary: "Your consents: the current decision per purpose and every decision made",
  responses: { 200: json(consentsSchema), ...errorResponses },
});

const postConsent = defineRoute("session", {
  method: "post",
  path: "/api/me/consents",
  tags: ["Privacy"],
  summary:
    "Give (granted: true) or withdraw (granted: false) a consent: newsletter, chatbot, cookies-preferences, " +
    "cookies-statistics, cookies-marketing or micro-app:<key>; with the version of the text shown",
  request: {
    body: jsonBody(
      z.strictObject({
        purpose: z.string().regex(CONSENT_PURPOSE, "Unknown purpose"),
        granted: z.boolean(),
        textVersion: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, "A version label such as 2026-11 or v3"),
      }),
    ),
  },
  responses: { 201: json(consentsSchema, "Recorded"), ...errorResponses },
});

const out = (rows: Awaited<ReturnType<typeof consentsOf>>) => {
  const iso = (r: (typeof rows.history)[number]) => ({ ...r, at: r.at.toISOString() });
  return { current: rows.current.map(iso), history: rows.history.map(iso) };
};

export const privacyConsentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getConsents, async (c) => {
    const deps = c.var.deps;
    return c.json(out(await consentsOf(deps, subjectOf(actorOf(c), deps))), 200);
  })
  .openapi(postConsent, async (c) => {
    const deps = c.var.deps;
    const s = subjectOf(actorOf(c), deps);
    await recordConsent(deps, s, c.req.valid("json"));
    return c.json(out(await consentsOf(deps, s)), 201);
  });
