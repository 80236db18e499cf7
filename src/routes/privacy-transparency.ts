import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { processingRecord } from "../privacy/datamap";
import { defineRoute } from "./define";
import { errorResponses, json } from "./schemas";

/**
 * Transparency (R-P13): who the controller is, how to exercise one's rights, the supervisory authority
 * of the customer's jurisdiction, the processors, and the record of processing activities generated
 * from the data map (every personal field: category, purpose, legal basis, retention, erasure).
 */
export const AUTHORITIES = {
  ch: {
    name: "Federal Data Protection and Information Commissioner (FDPIC / EDÖB)",
    url: "https://www.edoeb.admin.ch",
  },
  eu: {
    name:
      "The supervisory authority of the EU/EEA member state of your habitual residence, place of work or of the " +
      "alleged infringement (GDPR Art. 77)",
    url: "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en",
  },
} as const;

export const PROCESSORS = [
  {
    name: "Cloudflare, Inc.",
    purpose: "Hosting: application (Workers), databases (D1), building rooms (Durable Objects), files (R2), queues",
    location:
      "Stored in Cloudflare's EU storage jurisdiction (separate databases, rooms and buckets per jurisdiction); " +
      "requests are processed at the edge location nearest to the user",
  },
];

const RIGHTS = [
  { right: "access", how: "GET /api/me/data (in the app: Settings and privacy)" },
  { right: "portability", how: "POST /api/me/exports (ZIP download link, valid 7 days)" },
  { right: "rectification", how: "PATCH /api/me" },
  { right: "erasure", how: "POST /api/me/erasure (password required)" },
  { right: "restriction", how: "POST /api/me/restrictions {kind: restriction, active: true}" },
  { right: "objection", how: "POST /api/me/restrictions {kind: objection-marketing or objection-legitimate-interest}" },
  { right: "requests", how: "GET /api/me/privacy-requests (state and due date of each request)" },
];

const recordRow = z.object({
  store: z.string(),
  table: z.string(),
  column: z.string(),
  category: z.string(),
  purpose: z.string(),
  basis: z.string(),
  retention: z.string(),
  erasure: z.string(),
});

const transparencySchema = z
  .object({
    controller: z.object({ name: z.string(), jurisdiction: z.enum(["ch", "eu"]) }),
    supervisoryAuthority: z.object({ name: z.string(), url: z.string() }),
    processors: z.array(z.object({ name: z.string(), purpose: z.string(), location: z.string() })),
    rights: z.array(z.object({ right: z.string(), how: z.string() })),
    backups: z.string(),
    recordOfProcessing: z.array(recordRow),
  })
  .openapi("Transparency");

const getTransparency = defineRoute("public", {
  method: "get",
  path: "/api/privacy/transparency",
  tags: ["Privacy"],
  summary: "Controller, supervisory authority, processors and the record of processing (from the data map)",
  responses: { 200: json(transparencySchema), ...errorResponses },
});

export const privacyTransparencyRoutes = new OpenAPIHono<AppEnv>().openapi(getTransparency, (c) => {
  const customer = c.var.customer;
  const recordOfProcessing = processingRecord()
    .filter((r) => r.personal)
    .map((r) => ({
      store: r.store,
      table: r.table,
      column: r.column,
      category: r.category,
      purpose: r.purpose,
      basis: r.basis,
      retention: r.retention,
      erasure: r.erasure,
    }));
  return c.json(
    {
      controller: { name: customer.name, jurisdiction: customer.jurisdiction },
      supervisoryAuthority: AUTHORITIES[customer.jurisdiction],
      processors: PROCESSORS,
      rights: RIGHTS,
      backups:
        "Database backups (point-in-time recovery) reach back 30 days; erasures are recorded in a ledger without " +
        "personal data and re-applied after any restore.",
      recordOfProcessing,
    },
    200,
  );
});
