import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

export const IDEMPOTENCY_KEY_DOC =
  "Optional on every POST, PUT, PATCH and DELETE under /api (own API and /api/v1). 1–255 visible ASCII characters " +
  "(a UUID is a good key); scoped to the customer and the caller (the user, or the integrator client of a " +
  "client-credentials token). For 24 hours the same key with the same method, path and body replays the first " +
  "answer (status, content-type, location and body, with `Idempotent-Replayed: true`); with another request → 422 " +
  "IDEMPOTENCY_KEY_REUSED; while the first is still running → 409 IDEMPOTENCY_KEY_IN_FLIGHT with Retry-After. " +
  "Answers 5xx, 401, 403, 408, 425 and 429 are not kept, so a retry runs again. Anonymous requests ignore the key.";

const UNSAFE = new Set(["post", "put", "patch", "delete"]);

/**
 * Adds the Idempotency-Key header to every unsafe, authenticated /api operation of the OpenAPI
 * document. The middleware (src/middleware/idempotency.ts) handles all of them alike, so the header
 * is documented once here instead of in each route; validation is the middleware's, not zod's.
 */
export function documentIdempotencyKey(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("parameters", "IdempotencyKey", {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description: IDEMPOTENCY_KEY_DOC,
    schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
  });
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    const route = def.route as { method: string; path: string; "x-access"?: string; parameters?: unknown[] };
    if (!UNSAFE.has(route.method) || !route.path.startsWith("/api/") || route["x-access"] === "public") continue;
    route.parameters = [...(route.parameters ?? []), { $ref: "#/components/parameters/IdempotencyKey" }];
  }
}
