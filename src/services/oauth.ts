import { and, eq, gt, inArray, isNull, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Deps } from "../app-env";
import type { Db } from "../db/client";
import { API_SCOPES, type ApiClient, type ApiScope, apiClients, oauthRefreshTokens } from "../db/schema/api-clients";
import type { Jurisdiction } from "../db/schema/customers";
import { apiClientRoutes } from "../db/schema/directory";
import { users } from "../db/schema/people";
import { newId, randomToken, safeEqual, sha256Hex } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { dummyHash, verifyPassword } from "../lib/password";
import { DAY } from "../lib/time";
import { normaliseEmail } from "./accounts";
import { BATCH, drain } from "./purge-steps";
import * as throttle from "./throttle";

/**
 * OAuth2 for integrators (R-I1), docs/decisions/0015. Access tokens are short JWTs (HS256, typ
 * `at+jwt`) carrying customer and jurisdiction, so a request is routed without a directory lookup;
 * the client row is still read on every request, so a revoked client stops at once. Refresh tokens
 * are opaque, stored as hashes, rotated on every use; reuse of a rotated one revokes its family.
 */
export const ACCESS_TOKEN_TTL_S = 600;
export const REFRESH_TOKEN_TTL_MS = 30 * DAY;
export const TOKEN_ALG = "HS256";
export const TOKEN_TYP = "at+jwt";
export const TOKEN_AUDIENCE = "quartier-api";
const DEV_KEY_PREFIX = "dev-only-";

/** OAuth2 error (RFC 6749 §5.2): the token endpoint answers in the protocol's own shape. */
export class OAuthError extends Error {
  constructor(
    readonly error:
      | "invalid_request"
      | "invalid_client"
      | "invalid_grant"
      | "unauthorized_client"
      | "unsupported_grant_type",
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

export interface AccessClaims {
  sub: string;
  cid: string;
  cus: string;
  jur: Jurisdiction;
  scope: string;
  /** "client" for client credentials, "user" for the password grant (sub is then the user id). */
  kind: "client" | "user";
}

export function signingKey(env: { ENVIRONMENT: string; OAUTH_SIGNING_KEY?: string }): Uint8Array {
  const key = env.OAUTH_SIGNING_KEY as string | undefined;
  if (!key || key.length < 32 || (env.ENVIRONMENT === "production" && key.startsWith(DEV_KEY_PREFIX))) {
    throw new AppError("INTERNAL", "The API is not configured.");
  }
  return new TextEncoder().encode(key);
}

export function issuerOf(publicOrigin: string) {
  return publicOrigin;
}

export async function signAccessToken(key: Uint8Array, issuer: string, claims: AccessClaims, now: Date) {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ cid: claims.cid, cus: claims.cus, jur: claims.jur, scope: claims.scope, kind: claims.kind })
    .setProtectedHeader({ alg: TOKEN_ALG, typ: TOKEN_TYP })
    .setIssuer(issuer)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_S)
    .setJti(newId())
    .sign(key);
}

/** Verifies signature, algorithm, type, issuer, audience and expiry; undefined for any failure. */
export async function verifyAccessToken(
  key: Uint8Array,
  issuer: string,
  token: string,
  now: Date,
): Promise<(AccessClaims & { jti: string }) | undefined> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALG],
      typ: TOKEN_TYP,
      issuer,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ["exp", "iat", "sub", "jti"],
      currentDate: now,
      maxTokenAge: ACCESS_TOKEN_TTL_S + 60,
    });
    const { sub, cid, cus, jur, scope, kind, jti } = payload as Record<string, unknown>;
    if (typeof sub !== "string" || typeof cid !== "string" || typeof cus !== "string" || typeof jti !== "string")
      return undefined;
    if ((jur !== "ch" && jur !== "eu") || typeof scope !== "string" || (kind !== "client" && kind !== "user"))
      return undefined;
    return { sub, cid, cus, jur, scope, kind, jti };
  } catch (e) {
    if (e instanceof joseErrors.JOSEError || e instanceof TypeError) return undefined;
    throw e;
  }
}

export function parseScopes(s: string): ApiScope[] {
  const known = new Set<string>(API_SCOPES);
  return [...new Set(s.split(/\s+/).filter((x) => known.has(x)))] as ApiScope[];
}

/**
 * The scopes a token gets: the client's own, narrowed to the requested ones when the request names
 * any scope beyond the SDK's default `user:profile` (which every SDK call sends whatever it needs).
 */
export function grantedScopes(client: ApiClient, requested: string | undefined): string {
  const held = parseScopes(client.scopes);
  const asked = parseScopes(requested ?? "").filter((s) => s !== "user:profile");
  if (asked.length === 0) return held.join(" ");
  const wanted = new Set(parseScopes(requested ?? ""));
  return held.filter((s) => wanted.has(s)).join(" ");
}

// ---- Client registry (customer admins) ----------------------------------------------------------

export interface NewClientInput {
  name: string;
  scopes: ApiScope[];
  firstParty: boolean;
}

/** Registers a client: the secret is returned once and stored only as a hash. */
export async function createClient(
  deps: Deps,
  directory: D1Database,
  customerId: string,
  createdBy: string | null,
  input: NewClientInput,
) {
  const clientId = `qc_${randomToken(16)}`;
  const clientSecret = `qs_${randomToken(32)}`;
  const row: ApiClient = {
    id: clientId,
    customerId,
    name: input.name,
    scopes: [...new Set(input.scopes)].join(" "),
    secretHash: await sha256Hex(clientSecret),
    firstParty: input.firstParty,
    createdBy,
    createdAt: deps.now(),
    revokedAt: null,
  };
  await insertClient(deps.db, directory, deps.stores.jurisdiction, row);
  return { client: row, clientSecret };
}

/** Inserts a client with a known secret hash (the demo seed uses fixed, documented credentials). */
export async function insertClient(db: Db, directory: D1Database, jurisdiction: Jurisdiction, row: ApiClient) {
  // Region first: a directory row without a client is harmless (the token endpoint finds no client).
  await db.insert(apiClients).values(row).onConflictDoNothing();
  await drizzle(directory)
    .insert(apiClientRoutes)
    .values({
      clientId: row.id,
      customerId: row.customerId,
      jurisdiction,
      createdAt: row.createdAt,
    })
    .onConflictDoNothing();
}

export async function listClients(deps: Deps, customerId: string) {
  return deps.db.select().from(apiClients).where(eq(apiClients.customerId, customerId)).orderBy(apiClients.createdAt);
}

/** Revokes a client and every refresh token issued to it; its access tokens fail on the next request. */
export async function revokeClient(deps: Deps, customerId: string, clientId: string) {
  const now = deps.now();
  const [, updated] = await deps.db.batch([
    deps.db
      .update(oauthRefreshTokens)
      .set({ revokedAt: now, expiresAt: now })
      .where(
        and(
          eq(oauthRefreshTokens.clientId, clientId),
          eq(oauthRefreshTokens.customerId, customerId),
          isNull(oauthRefreshTokens.revokedAt),
        ),
      ),
    deps.db
      .update(apiClients)
      .set({ revokedAt: now })
      .where(and(eq(apiClients.id, clientId), eq(apiClients.customerId, customerId), isNull(apiClients.revokedAt)))
      .returning({ id: apiClients.id }),
  ]);
  if (updated.length === 0) {
    const exists = await deps.db.query.apiClients.findFirst({
      where: and(eq(apiClients.id, clientId), eq(apiClients.customerId, customerId)),
    });
    if (!exists) throw notFound("Client");
  }
}

/** The client of a token, if it still exists and is not revoked. */
export async function activeClient(deps: Deps, customerId: string, clientId: string) {
  const c = await deps.db.query.apiClients.findFirst({
    where: and(eq(apiClients.id, clientId), eq(apiClients.customerId, customerId), isNull(apiClients.revokedAt)),
  });
  return c;
}

// ---- Token endpoint -----------------------------------------------------------------------------

export async function routeOfClient(directory: D1Database, clientId: string) {
  const [row] = await drizzle(directory).select().from(apiClientRoutes).where(eq(apiClientRoutes.clientId, clientId));
  return row;
}

/** Authenticates the client by its secret (constant-time compare of hashes). */
export async function authenticateClient(deps: Deps, customerId: string, clientId: string, secret: string | undefined) {
  const client = await activeClient(deps, customerId, clientId);
  const given = await sha256Hex(secret ?? "");
  const ok = client !== undefined && secret !== undefined && safeEqual(given, client.secretHash);
  if (!client || !ok) throw new OAuthError("invalid_client", "Unknown client or wrong secret.", 401);
  return client;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export interface TokenContext {
  deps: Deps;
  key: Uint8Array;
  issuer: string;
  ip: string;
}

export async function clientCredentialsGrant(t: TokenContext, client: ApiClient, scope: string | undefined) {
  const granted = grantedScopes(client, scope);
  const access = await signAccessToken(
    t.key,
    t.issuer,
    {
      sub: client.id,
      cid: client.id,
      cus: client.customerId,
      jur: t.deps.stores.jurisdiction,
      scope: granted,
      kind: "client",
    },
    t.deps.now(),
  );
  return {
    access_token: access,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_S,
    scope: granted,
  } satisfies TokenResponse;
}

/** Password grant (first-party clients only): e-mail as username, throttled like the login form. */
export async function passwordGrant(
  t: TokenContext,
  client: ApiClient,
  username: string,
  password: string,
  scope: string | undefined,
) {
  if (!client.firstParty) throw new OAuthError("unauthorized_client", "This client may not use the password grant.");
  const { deps } = t;
  const email = normaliseEmail(username);
  const account = `${client.customerId}:${email}`;
  try {
    await throttle.consume(deps, throttle.LOGIN_PER_IP, t.ip);
    await throttle.consume(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  } catch {
    throw new OAuthError("invalid_grant", "Too many attempts. Try again later.");
  }
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.customerId, client.customerId), eq(users.email, email)),
  });
  const ok = verifyPassword(password, user?.passwordHash ?? dummyHash());
  if (!user || !ok || user.status !== "active") throw new OAuthError("invalid_grant", "E-mail or password is wrong.");
  await throttle.reset(deps, throttle.LOGIN_FAILURES_PER_ACCOUNT, account);
  return userTokens(t, client, user.id, grantedScopes(client, scope), newId());
}

async function userTokens(t: TokenContext, client: ApiClient, userId: string, scope: string, familyId: string) {
  const { deps } = t;
  const refresh = `qr_${randomToken(32)}`;
  const now = deps.now();
  await deps.db.insert(oauthRefreshTokens).values({
    id: newId(),
    customerId: client.customerId,
    clientId: client.id,
    userId,
    familyId,
    tokenHash: await sha256Hex(refresh),
    scopes: scope,
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
    usedAt: null,
    revokedAt: null,
    createdAt: now,
  });
  const access = await signAccessToken(
    t.key,
    t.issuer,
    { sub: userId, cid: client.id, cus: client.customerId, jur: deps.stores.jurisdiction, scope, kind: "user" },
    now,
  );
  return {
    access_token: access,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_S,
    scope,
    refresh_token: refresh,
  } satisfies TokenResponse;
}

/**
 * Refresh-token grant with rotation: the presented token is marked used in one conditional statement
 * (two concurrent uses cannot both win) and a new one of the same family is issued. A token that was
 * already used or revoked revokes its whole family: whoever holds the newer one must log in again.
 */
export async function refreshGrant(t: TokenContext, client: ApiClient, refreshToken: string) {
  const { deps } = t;
  const now = deps.now();
  const hash = await sha256Hex(refreshToken);
  const [taken] = await deps.db
    .update(oauthRefreshTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(oauthRefreshTokens.tokenHash, hash),
        eq(oauthRefreshTokens.clientId, client.id),
        eq(oauthRefreshTokens.customerId, client.customerId),
        isNull(oauthRefreshTokens.usedAt),
        isNull(oauthRefreshTokens.revokedAt),
        gt(oauthRefreshTokens.expiresAt, now),
      ),
    )
    .returning();
  if (!taken) {
    const known = await deps.db.query.oauthRefreshTokens.findFirst({
      where: and(eq(oauthRefreshTokens.tokenHash, hash), eq(oauthRefreshTokens.customerId, client.customerId)),
    });
    if (known?.usedAt) {
      await deps.db
        .update(oauthRefreshTokens)
        .set({ revokedAt: now, expiresAt: now })
        .where(and(eq(oauthRefreshTokens.familyId, known.familyId), isNull(oauthRefreshTokens.revokedAt)));
    }
    throw new OAuthError("invalid_grant", "The refresh token is invalid, used, revoked or expired.");
  }
  const user = await deps.db.query.users.findFirst({
    where: and(eq(users.id, taken.userId), eq(users.customerId, client.customerId)),
  });
  if (!user || user.status !== "active") throw new OAuthError("invalid_grant", "The account cannot log in.");
  return userTokens(t, client, taken.userId, taken.scopes, taken.familyId);
}

/** Ends every refresh token of a user (logout everywhere, erasure). */
export async function revokeUserRefreshTokens(deps: Deps, customerId: string, userId: string) {
  await deps.db
    .update(oauthRefreshTokens)
    .set({ revokedAt: deps.now(), expiresAt: deps.now() })
    .where(
      and(
        eq(oauthRefreshTokens.userId, userId),
        eq(oauthRefreshTokens.customerId, customerId),
        isNull(oauthRefreshTokens.revokedAt),
      ),
    );
}

/**
 * Retention purge of refresh tokens (data map: until expiry or revocation). Revocation also sets
 * `expires_at`, so one indexed condition finds both; rotated tokens stay until they expire, because
 * their reuse must still revoke the family. Bounded batches, safe to run twice.
 */
export async function purgeRefreshTokens(deps: Deps, now: Date, batch = BATCH): Promise<number> {
  return drain(() => {
    const ids = deps.db
      .select({ id: oauthRefreshTokens.id })
      .from(oauthRefreshTokens)
      .where(lte(oauthRefreshTokens.expiresAt, now))
      .limit(batch);
    return deps.db.delete(oauthRefreshTokens).where(inArray(oauthRefreshTokens.id, ids)).run();
  }, batch);
}
