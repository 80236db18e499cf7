import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { API_SCOPES } from "../db/schema/api-clients";
import { configFrom } from "../lib/config";
import { regionStores } from "../region";
import * as oauth from "../services/oauth";
import { actorOf, defineRoute } from "./define";
import { errorResponses, id, json, jsonBody } from "./schemas";

const tokenForm = z
  .object({
    grant_type: z.string().openapi({ example: "client_credentials" }),
    client_id: z.string().openapi({ example: "qc_demo-ch-erp" }),
    client_secret: z.string().optional(),
    scope: z.string().optional().openapi({ example: "master-data:read master-data:write" }),
    username: z.string().optional().openapi({ description: "password grant: the account's e-mail" }),
    password: z.string().optional(),
    refresh_token: z.string().optional(),
  })
  .openapi("TokenRequest");

const tokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    scope: z.string(),
    refresh_token: z.string().optional(),
  })
  .openapi("TokenResponse", {
    example: {
      access_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9…",
      token_type: "Bearer",
      expires_in: 600,
      scope: "master-data:read master-data:write",
    },
  });
const oauthError = z
  .object({ error: z.string(), error_description: z.string(), requestId: z.string() })
  .openapi("OAuthError");

const token = defineRoute("public", {
  method: "post",
  path: "/oauth/token",
  tags: ["Integrator API"],
  summary: "OAuth2 token endpoint: client_credentials, password (first-party clients), refresh_token (rotating)",
  description:
    "Form-encoded (RFC 6749). Access tokens are JWTs (HS256, typ at+jwt) valid for 10 minutes. Errors use the OAuth2 shape `{error, error_description}`.",
  request: { body: { required: true, content: { "application/x-www-form-urlencoded": { schema: tokenForm } } } },
  responses: {
    200: json(tokenResponse, "Token issued"),
    400: json(oauthError, "invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type"),
    401: json(oauthError, "invalid_client"),
  },
});

const clientSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(API_SCOPES)),
    firstParty: z.boolean(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiClient");

const listClients = defineRoute("admin", {
  method: "get",
  path: "/api/api-clients",
  tags: ["Integrator API"],
  summary: "OAuth2 clients of the customer",
  responses: { 200: json(z.array(clientSchema)), ...errorResponses },
});
const createClient = defineRoute("admin", {
  method: "post",
  path: "/api/api-clients",
  tags: ["Integrator API"],
  summary: "Register an OAuth2 client; the secret is shown in this answer only",
  request: {
    body: jsonBody(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        scopes: z.array(z.enum(API_SCOPES)).min(1),
        firstParty: z.boolean().optional().openapi({ description: "May use the password grant (own apps only)" }),
      }),
    ),
  },
  responses: {
    201: json(clientSchema.extend({ clientSecret: z.string() }), "Created; keep the secret, it is not shown again"),
    ...errorResponses,
  },
});
const revokeClient = defineRoute("admin", {
  method: "delete",
  path: "/api/api-clients/{clientId}",
  tags: ["Integrator API"],
  summary: "Revoke a client: its tokens stop working at once, its refresh tokens are revoked",
  request: { params: z.object({ clientId: id("clientId") }) },
  responses: { 204: { description: "Revoked" }, ...errorResponses },
});

const toClient = (r: {
  id: string;
  name: string;
  scopes: string;
  firstParty: boolean;
  createdAt: Date;
  revokedAt: Date | null;
}) => ({
  id: r.id,
  name: r.name,
  scopes: oauth.parseScopes(r.scopes),
  firstParty: r.firstParty,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt ? r.revokedAt.toISOString() : null,
});

export const oauthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    token,
    async (c) => {
      c.header("cache-control", "no-store");
      c.header("pragma", "no-cache");
      const fail = (e: oauth.OAuthError) =>
        c.json({ error: e.error, error_description: e.description, requestId: c.var.requestId }, e.status);
      try {
        const form = c.req.valid("form");
        const route = await oauth.routeOfClient(c.env.DIRECTORY, form.client_id);
        if (!route) throw new oauth.OAuthError("invalid_client", "Unknown client or wrong secret.", 401);
        const stores = regionStores(c.env, route.jurisdiction);
        const config = configFrom(c.env);
        const deps = { db: createDb(stores.db), stores, now: () => new Date(), config };
        const t: oauth.TokenContext = {
          deps,
          key: oauth.signingKey(c.env),
          issuer: oauth.issuerOf(config.publicOrigin),
          ip: c.req.header("cf-connecting-ip") ?? "unknown",
        };
        const client = await oauth.authenticateClient(deps, route.customerId, form.client_id, form.client_secret);
        let body: oauth.TokenResponse;
        if (form.grant_type === "client_credentials") {
          body = await oauth.clientCredentialsGrant(t, client, form.scope);
        } else if (form.grant_type === "password") {
          if (!form.username || !form.password)
            throw new oauth.OAuthError("invalid_request", "username and password are required.");
          body = await oauth.passwordGrant(t, client, form.username, form.password, form.scope);
        } else if (form.grant_type === "refresh_token") {
          if (!form.refresh_token) throw new oauth.OAuthError("invalid_request", "refresh_token is required.");
          body = await oauth.refreshGrant(t, client, form.refresh_token);
        } else {
          throw new oauth.OAuthError("unsupported_grant_type", "Use client_credentials, password or refresh_token.");
        }
        return c.json(body, 200);
      } catch (e) {
        if (e instanceof oauth.OAuthError) return fail(e);
        throw e;
      }
    },
    (result, c) => {
      if (!result.success) {
        return c.json(
          {
            error: "invalid_request",
            error_description: "grant_type and client_id are required.",
            requestId: c.var.requestId,
          },
          400,
        );
      }
    },
  )
  .openapi(listClients, async (c) => {
    const rows = await oauth.listClients(c.var.deps, actorOf(c).customerId);
    return c.json(rows.map(toClient), 200);
  })
  .openapi(createClient, async (c) => {
    const a = actorOf(c);
    const input = c.req.valid("json");
    const { client, clientSecret } = await oauth.createClient(c.var.deps, c.env.DIRECTORY, a.customerId, a.userId, {
      name: input.name,
      scopes: input.scopes,
      firstParty: input.firstParty ?? false,
    });
    return c.json({ ...toClient(client), clientSecret }, 201);
  })
  .openapi(revokeClient, async (c) => {
    await oauth.revokeClient(c.var.deps, actorOf(c).customerId, c.req.valid("param").clientId);
    return c.body(null, 204);
  });
