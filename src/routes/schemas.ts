import { z } from "@hono/zod-openapi";
import { LOCALES } from "../db/schema/customers";

/** Shared API schemas. Request objects are strict: unknown fields are refused with 400. */
export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
    requestId: z.string(),
  })
  .openapi("Error");

export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: errorSchema } } },
  401: { description: "Not logged in", content: { "application/json": { schema: errorSchema } } },
  403: { description: "Not allowed", content: { "application/json": { schema: errorSchema } } },
  404: { description: "Not found", content: { "application/json": { schema: errorSchema } } },
  413: { description: "Body too large", content: { "application/json": { schema: errorSchema } } },
  415: { description: "Body is not JSON", content: { "application/json": { schema: errorSchema } } },
  429: { description: "Too many attempts", content: { "application/json": { schema: errorSchema } } },
} as const;

export const json = <T extends z.ZodType>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const email = z.string().trim().email().max(254);
/** ASVS: at least 8 characters, long passphrases welcome, no composition rules, verified as typed. */
export const password = z.string().min(8).max(256);
export const locale = z.enum(LOCALES);
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Expected YYYY-MM-DD");
export const id = (name: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name, in: "path" } });

/** Responses are built field by field from their schemas' shapes, never by spreading a row. */
export const pick = <T extends Record<string, unknown>, K extends keyof T>(row: T, keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, row[k]])) as Pick<T, K>;

/** An optional instant as the API writes it (ISO 8601, UTC). */
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
