import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import type { ActivationCode } from "../db/schema/onboarding";
import { formatCode } from "../lib/codes";
import { AppError } from "../lib/errors";
import * as codes from "../services/codes";
import { sendCode } from "../services/invitations";
import { type LetterInput, renderLetters } from "../services/letters";
import { actorOf, declare, defineRoute, guard } from "./define";
import { email, errorResponses, id, isoOrNull, json, jsonBody } from "./schemas";

const tag = ["Activation codes"];
const STATUSES = ["unused", "sent", "used", "expired", "revoked"] as const;

export const codeSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    permanent: z.boolean(),
    source: z.string(),
    status: z.enum(STATUSES),
    expiresAt: z.string(),
    sentAt: z.string().nullable(),
    sendCount: z.number(),
    usedAt: z.string().nullable(),
    useCount: z.number(),
    recipientEmail: z.string().nullable(),
    recipientName: z.string().nullable(),
    externalId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ActivationCode");

export function toCodeDto(c: ActivationCode, now: Date): z.infer<typeof codeSchema> {
  return {
    id: c.id,
    code: formatCode(c.code),
    permanent: c.permanent,
    source: c.source,
    status: codes.codeStatus(c, now),
    expiresAt: c.expiresAt.toISOString(),
    sentAt: isoOrNull(c.sentAt),
    sendCount: c.sendCount,
    usedAt: isoOrNull(c.usedAt),
    useCount: c.useCount,
    recipientEmail: c.recipientEmail,
    recipientName: c.recipientName,
    externalId: c.externalId,
    createdAt: c.createdAt.toISOString(),
  };
}

const options = z.strictObject({
  permanent: z.boolean().optional(),
  expiresAt: z.iso.datetime().optional(),
});

const forTenancy = defineRoute("staff", {
  method: "post",
  path: "/api/tenancies/{tenancyId}/codes",
  tags: tag,
  summary: "Create an activation code for a tenancy (optionally permanent, for shared flats)",
  request: { params: z.object({ tenancyId: id("tenancyId") }), body: jsonBody(options) },
  responses: { 201: json(codeSchema, "Created"), ...errorResponses },
});
const forBuilding = defineRoute("staff", {
  method: "post",
  path: "/api/buildings/{buildingId}/codes",
  tags: tag,
  summary: "Create one code per current or future tenancy of a building that has none yet",
  request: { params: z.object({ buildingId: id("buildingId") }), body: jsonBody(options) },
  responses: { 201: json(z.array(codeSchema), "Created"), ...errorResponses },
});
const listForBuilding = defineRoute("staff", {
  method: "get",
  path: "/api/buildings/{buildingId}/codes",
  tags: tag,
  summary: "Codes of a building with unit and status (unused / sent / used / expired / revoked)",
  request: { params: z.object({ buildingId: id("buildingId") }) },
  responses: {
    200: json(z.array(codeSchema.extend({ unitId: z.string(), unitName: z.string(), tenancyId: z.string() }))),
    ...errorResponses,
  },
});
const send = defineRoute("staff", {
  method: "post",
  path: "/api/codes/{codeId}/send",
  tags: tag,
  summary: "Send or resend the code by e-mail with the personal sign-up link",
  request: {
    params: z.object({ codeId: id("codeId") }),
    body: jsonBody(z.strictObject({ email: email.optional(), name: z.string().trim().min(1).max(120).optional() })),
  },
  responses: { 200: json(codeSchema), ...errorResponses },
});
const revoke = defineRoute("staff", {
  method: "delete",
  path: "/api/codes/{codeId}",
  tags: tag,
  summary: "Revoke a code",
  request: { params: z.object({ codeId: id("codeId") }) },
  responses: { 204: { description: "Revoked" }, ...errorResponses },
});

declare("GET", "/print/codes/:codeId", "staff");
declare("GET", "/print/buildings/:buildingId", "staff");

export const codeRoutes = new OpenAPIHono<AppEnv>()
  .openapi(forTenancy, async (c) => {
    const code = await codes.createCodeForTenancy(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").tenancyId,
      c.req.valid("json"),
    );
    return c.json(toCodeDto(code, c.var.deps.now()), 201);
  })
  .openapi(forBuilding, async (c) => {
    const rows = await codes.createCodesForBuilding(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").buildingId,
      c.req.valid("json"),
    );
    return c.json(
      rows.map((r) => toCodeDto(r, c.var.deps.now())),
      201,
    );
  })
  .openapi(listForBuilding, async (c) => {
    const rows = await codes.listBuildingCodes(c.var.deps, actorOf(c), c.req.valid("param").buildingId);
    const now = c.var.deps.now();
    return c.json(
      rows.map((r) => ({ ...toCodeDto(r.code, now), unitId: r.unitId, unitName: r.unitName, tenancyId: r.tenancyId })),
      200,
    );
  })
  .openapi(send, async (c) => {
    const app = c.var.app;
    if (!app) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
    const { codeId } = c.req.valid("param");
    await sendCode(c.var.deps, actorOf(c), c.var.customer, app.origin, codeId, c.req.valid("json"));
    const { code } = await codes.managedCode(c.var.deps, actorOf(c), codeId);
    return c.json(toCodeDto(code, c.var.deps.now()), 200);
  })
  .openapi(revoke, async (c) => {
    const { code } = await codes.managedCode(c.var.deps, actorOf(c), c.req.valid("param").codeId);
    await codes.revokeCode(c.var.deps, code.id);
    return c.body(null, 204);
  })
  // Printable letters (HTML, one A4 page per code; print or save as PDF from the browser).
  .get("/print/codes/:codeId", guard("staff"), async (c) => {
    const { code, places } = await codes.managedCode(c.var.deps, actorOf(c), c.req.param("codeId"));
    const letters: LetterInput[] = places.map((p) => ({ code, recipient: code.recipientName, ...p }));
    return c.html(renderLetters(c.var.customer, c.var.app?.origin ?? "", letters));
  })
  .get("/print/buildings/:buildingId", guard("staff"), async (c) => {
    const rows = await codes.listBuildingCodes(c.var.deps, actorOf(c), c.req.param("buildingId"));
    const building = rows.length ? (await codes.codeDestination(c.var.deps, rows[0]?.code.id ?? ""))[0] : undefined;
    const letters: LetterInput[] = rows
      .filter((r) => r.status === "unused" || r.status === "sent")
      .map((r) => ({
        code: r.code,
        recipient: r.code.recipientName,
        unitName: r.unitName,
        buildingName: building?.buildingName ?? "",
        street: building?.street ?? "",
        postalCode: building?.postalCode ?? "",
        city: building?.city ?? "",
      }));
    return c.html(renderLetters(c.var.customer, c.var.app?.origin ?? "", letters));
  });
