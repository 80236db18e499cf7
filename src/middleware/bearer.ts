import { and, eq, isNull } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { apiClients } from "../db/schema/api-clients";
import { customers } from "../db/schema/customers";
import { configFrom } from "../lib/config";
import { AppError } from "../lib/errors";
import { regionStores } from "../region";
import { loadActor } from "../services/actor";
import { takeApiRequest } from "../services/api-rate-limit";
import { issuerOf, parseScopes, signingKey, verifyAccessToken } from "../services/oauth";

export const isApiV1 = (path: string) => path === "/api/v1" || path.startsWith("/api/v1/");
export const isOAuth = (path: string) => path === "/oauth/token";

const unauthenticated = (why: string) =>
  new AppError("UNAUTHENTICATED", why, undefined, {
    "www-authenticate": 'Bearer realm="quartier", error="invalid_token"',
  });

/**
 * Step 3 for the integrator API (/api/v1): the bearer token, never the session cookie, says who calls.
 * The token names customer and jurisdiction, so the request is routed by it (not by the host); the
 * client row is read on every request so revocation takes effect at once, and a password-grant token
 * gets its user's actor with memberships read fresh, as a session would. A missing token leaves
 * `apiClient` null (the route's guard answers 401); a present but invalid one is 401 here.
 */
export const bearer = createMiddleware<AppEnv>(async (c, next) => {
  if (!isApiV1(c.req.path)) return next();
  c.set("actor", null);
  c.set("apiClient", null);
  c.set("sessionToken", undefined);
  const header = c.req.header("authorization");
  if (header === undefined) return next();
  const m = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
  if (!m?.[1] || m[1].length > 4096) throw unauthenticated("The bearer token is malformed.");
  const config = configFrom(c.env);
  const claims = await verifyAccessToken(signingKey(c.env), issuerOf(config.publicOrigin), m[1], new Date());
  if (!claims) throw unauthenticated("The bearer token is invalid or expired.");

  const stores = regionStores(c.env, claims.jur);
  const deps = { db: createDb(stores.db), stores, now: () => new Date(), config };
  const [clientRows, customerRows] = await deps.db.batch([
    deps.db
      .select({ id: apiClients.id })
      .from(apiClients)
      .where(and(eq(apiClients.id, claims.cid), eq(apiClients.customerId, claims.cus), isNull(apiClients.revokedAt))),
    deps.db.select().from(customers).where(eq(customers.id, claims.cus)),
  ]);
  const customer = customerRows[0];
  if (!clientRows[0] || !customer) throw unauthenticated("The client of this token is revoked.");

  // Development only: `wrangler dev --var API_RATE_LIMIT:off` lets bench/api-v1.mjs measure the server
  // rather than the limiter (check:production refuses the var).
  const limiterOff =
    c.env.ENVIRONMENT === "development" && (c.env as { API_RATE_LIMIT?: string }).API_RATE_LIMIT === "off";
  const limited = limiterOff ? undefined : takeApiRequest(claims.cid, Date.now());
  if (limited) {
    throw new AppError(
      "RATE_LIMITED",
      "Too many requests for this client.",
      { retryAfterSeconds: limited },
      {
        "retry-after": String(limited),
      },
    );
  }

  if (claims.kind === "user") {
    const actor = await loadActor(deps, { id: `token:${claims.jti}`, userId: claims.sub, customerId: claims.cus });
    // The account was disabled or erased since the token was issued.
    if (!actor) throw unauthenticated("The account of this token cannot log in.");
    c.set("actor", actor);
  }
  c.set("deps", deps);
  c.set("customer", customer);
  c.set("apiClient", { clientId: claims.cid, customerId: claims.cus, scopes: parseScopes(claims.scope) });
  await next();
});
