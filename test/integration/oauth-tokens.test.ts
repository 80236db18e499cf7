import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { configFrom } from "../../src/lib/config";
import { sha256Hex } from "../../src/lib/crypto";
import { regionStores } from "../../src/region";
import { purgeRefreshTokens } from "../../src/services/oauth";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { clientToken, passwordToken, registerClient, tokenRequest, v1 } from "../helpers/oauth";

/**
 * OAuth2 for integrators (R-I1, issue 7): grants, token format, and every way a bearer token must be
 * refused with 401 (expired, wrong audience, wrong algorithm, tampered, revoked client) while an
 * authenticated caller without the right gets 403 — the Allthings SDK retries every 401.
 */
let a: World;
let b: World;
let adminA: string;
let erp: { clientId: string; clientSecret: string };
let firstParty: { clientId: string; clientSecret: string };
const key = () => new TextEncoder().encode(env.OAUTH_SIGNING_KEY as string);

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld({ jurisdiction: "eu" });
  adminA = await login(a.emails.admin, PASSWORD, a.slug);
  erp = await registerClient(adminA, a.slug);
  firstParty = await registerClient(adminA, a.slug, { firstParty: true, name: "Own app" });
});

describe("client credentials", () => {
  it("issues a short JWT with typ, iss, aud, exp, sub, customer and jurisdiction (R-I1)", async () => {
    const res = await tokenRequest(
      {
        grant_type: "client_credentials",
        client_id: erp.clientId,
        client_secret: erp.clientSecret,
        scope: "user:profile",
      },
      a.slug,
    );
    expect(res.status).toBe(200);
    // The SDK compares the content type as a string.
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600 });
    expect(body.refresh_token).toBeUndefined();
    const token = body.access_token as string;
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "at+jwt" });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: env.PUBLIC_ORIGIN,
      aud: "quartier-api",
      sub: erp.clientId,
      cid: erp.clientId,
      cus: a.customerId,
      jur: "ch",
      kind: "client",
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(600);
    // The SDK's default scope does not narrow the grant; the client's scopes are granted.
    expect(String(claims.scope).split(" ").sort()).toEqual(["master-data:read", "master-data:write", "user:profile"]);
  });

  it("narrows to the requested scopes when the request names master-data scopes", async () => {
    const token = await clientToken(erp, a.slug, "master-data:read");
    expect(decodeJwt(token).scope).toBe("master-data:read");
    expect((await v1("/properties", token, { app: a.slug })).status).toBe(200);
    const write = await v1(`/apps/${a.customerId}/properties`, token, {
      app: a.slug,
      json: { name: "X", timezone: "Europe/Zurich" },
    });
    expect(write.status).toBe(403);
  });

  it("stores the secret only as a hash and never lists it", async () => {
    const row = await env.DB_CH.prepare("SELECT secret_hash FROM api_clients WHERE id = ?")
      .bind(erp.clientId)
      .first<{ secret_hash: string }>();
    expect(row?.secret_hash).toBe(await sha256Hex(erp.clientSecret));
    const list = await api("/api/api-clients", { app: a.slug, session: adminA });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).toContain(erp.clientId);
    expect(text).not.toContain(erp.clientSecret);
    expect(text).not.toContain(row?.secret_hash ?? "-");
    // The directory routes the client id, without personal data.
    const route = await env.DIRECTORY.prepare("SELECT * FROM api_client_routes WHERE client_id = ?")
      .bind(erp.clientId)
      .first();
    expect(route).toMatchObject({ customer_id: a.customerId, jurisdiction: "ch" });
  });

  it("refuses a wrong secret, an unknown client and unknown grants in the OAuth2 error shape", async () => {
    const wrong = await tokenRequest(
      { grant_type: "client_credentials", client_id: erp.clientId, client_secret: "nope" },
      a.slug,
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_client" });
    const unknown = await tokenRequest(
      { grant_type: "client_credentials", client_id: "qc_unknown", client_secret: "x" },
      a.slug,
    );
    expect(unknown.status).toBe(401);
    const grant = await tokenRequest(
      { grant_type: "authorization_code", client_id: erp.clientId, client_secret: erp.clientSecret },
      a.slug,
    );
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: "unsupported_grant_type" });
    const missing = await tokenRequest({ client_secret: "x" }, a.slug);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
  });

  it("lets only admins register clients", async () => {
    const manager = await login(a.emails.manager, PASSWORD, a.slug);
    const res = await api("/api/api-clients", {
      app: a.slug,
      session: manager,
      json: { name: "x", scopes: ["master-data:read"] },
    });
    expect(res.status).toBe(403);
  });
});

describe("bearer tokens are refused with 401 when invalid", () => {
  const claims = () => ({ cid: erp.clientId, cus: a.customerId, jur: "ch", scope: "master-data:read", kind: "client" });
  const sign = (o: { alg?: string; typ?: string; aud?: string; iss?: string; exp?: number; k?: Uint8Array } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims())
      .setProtectedHeader({ alg: o.alg ?? "HS256", typ: o.typ ?? "at+jwt" })
      .setIssuer(o.iss ?? env.PUBLIC_ORIGIN)
      .setAudience(o.aud ?? "quartier-api")
      .setSubject(erp.clientId)
      .setJti(crypto.randomUUID())
      .setIssuedAt(now - 5)
      .setExpirationTime(o.exp ?? now + 300)
      .sign(o.k ?? key());
  };

  it("accepts a well-formed token signed with the key (the control case)", async () => {
    expect((await v1("/properties", await sign(), { app: a.slug })).status).toBe(200);
  });

  it("refuses expired, wrong audience, wrong issuer, wrong type, wrong algorithm, other key, tampered, none", async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await sign();
    const [h, p, s] = good.split(".");
    const payload = JSON.parse(atob((p ?? "").replaceAll("-", "+").replaceAll("_", "/")));
    const tamperedPayload = btoa(JSON.stringify({ ...payload, cus: b.customerId }))
      .replaceAll("=", "")
      .replaceAll("+", "-")
      .replaceAll("/", "_");
    const noneHeader = btoa(JSON.stringify({ alg: "none", typ: "at+jwt" })).replaceAll("=", "");
    const bad = {
      expired: await sign({ exp: now - 60 }),
      audience: await sign({ aud: "someone-else" }),
      issuer: await sign({ iss: "https://evil.example" }),
      type: await sign({ typ: "JWT" }),
      algorithm: await sign({ alg: "HS512" }),
      otherKey: await sign({ k: new TextEncoder().encode("another-key-of-at-least-thirty-two-bytes!!") }),
      tampered: `${h}.${tamperedPayload}.${s}`,
      none: `${noneHeader}.${p}.`,
      garbage: "not-a-jwt",
    };
    for (const [why, token] of Object.entries(bad)) {
      const res = await v1("/properties", token, { app: a.slug });
      expect(res.status, why).toBe(401);
      expect(res.headers.get("www-authenticate"), why).toContain("Bearer");
      expect(await res.text(), why).not.toContain(a.propertyId);
    }
  });

  it("refuses every token of a revoked client at once, and its secret at the token endpoint", async () => {
    const c = await registerClient(adminA, a.slug, { name: "To revoke" });
    const token = await clientToken(c, a.slug);
    expect((await v1("/properties", token, { app: a.slug })).status).toBe(200);
    const del = await api(`/api/api-clients/${c.clientId}`, { app: a.slug, session: adminA, method: "DELETE" });
    expect(del.status).toBe(204);
    expect((await v1("/properties", token, { app: a.slug })).status).toBe(401);
    const again = await tokenRequest(
      { grant_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret },
      a.slug,
    );
    expect(again.status).toBe(401);
  });

  it("answers 401 without a token, with a challenge", async () => {
    const res = await v1("/properties", undefined, { app: a.slug });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });
});

describe("password and refresh-token grants", () => {
  it("accepts the e-mail as username for first-party clients only", async () => {
    const third = await tokenRequest(
      {
        grant_type: "password",
        client_id: erp.clientId,
        client_secret: erp.clientSecret,
        username: a.emails.admin,
        password: PASSWORD,
      },
      a.slug,
    );
    expect(third.status).toBe(400);
    expect(await third.json()).toMatchObject({ error: "unauthorized_client" });
    const t = await passwordToken(firstParty, a.emails.admin.toUpperCase(), PASSWORD, a.slug);
    expect(decodeJwt(t.access_token)).toMatchObject({ sub: a.userIds.admin, kind: "user", cus: a.customerId });
    const me = await v1("/me", t.access_token, { app: a.slug });
    expect(me.status).toBe(200);
    expect(me.headers.get("content-type")).toBe("application/json");
    expect(await me.json()).toMatchObject({ id: a.userIds.admin, email: a.emails.admin });
    const wrong = await tokenRequest(
      {
        grant_type: "password",
        client_id: firstParty.clientId,
        client_secret: firstParty.clientSecret,
        username: a.emails.admin,
        password: "wrong password",
      },
      a.slug,
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("rotates refresh tokens; reusing a rotated one revokes the whole family", async () => {
    const first = await passwordToken(firstParty, a.emails.manager, PASSWORD, a.slug);
    const refresh = (rt: string) =>
      tokenRequest(
        {
          grant_type: "refresh_token",
          client_id: firstParty.clientId,
          client_secret: firstParty.clientSecret,
          refresh_token: rt,
        },
        a.slug,
      );
    const r1 = await refresh(first.refresh_token);
    expect(r1.status).toBe(200);
    const second = (await r1.json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.access_token).sub).toBe(a.userIds.manager);
    // The first token again: theft suspected, the family (including the second token) is revoked.
    expect((await refresh(first.refresh_token)).status).toBe(400);
    expect((await refresh(second.refresh_token)).status).toBe(400);
    const rows = await env.DB_CH.prepare("SELECT revoked_at FROM oauth_refresh_tokens WHERE user_id = ?")
      .bind(a.userIds.manager)
      .all<{ revoked_at: number | null }>();
    expect(rows.results.length).toBe(2);
    expect(rows.results.every((r) => r.revoked_at !== null)).toBe(true);
    // Another client cannot use this client's refresh tokens either.
    const third = await passwordToken(firstParty, a.emails.manager, PASSWORD, a.slug);
    const foreign = await tokenRequest(
      {
        grant_type: "refresh_token",
        client_id: erp.clientId,
        client_secret: erp.clientSecret,
        refresh_token: third.refresh_token,
      },
      a.slug,
    );
    expect(foreign.status).toBe(400);
  });

  it("gives a resident's token /me but not master data (403, not 401)", async () => {
    const t = await passwordToken(firstParty, a.emails.resident, PASSWORD, a.slug);
    expect((await v1("/me", t.access_token, { app: a.slug })).status).toBe(200);
    expect((await v1("/properties", t.access_token, { app: a.slug })).status).toBe(403);
    expect((await v1(`/units/${a.unitIds[0]}`, t.access_token, { app: a.slug })).status).toBe(403);
  });

  it("answers 403 on /me for a client-credentials token (it has no account)", async () => {
    expect((await v1("/me", await clientToken(erp, a.slug), { app: a.slug })).status).toBe(403);
  });
});

describe("refresh-token retention (data map: until expiry or revocation)", () => {
  it("purges revoked and expired refresh tokens, keeps live ones, and a second run is a no-op", async () => {
    const deps = (now: Date) => ({
      db: createDb(env.DB_CH),
      stores: regionStores(env, "ch"),
      now: () => now,
      config: configFrom(env),
    });
    const live = await passwordToken(firstParty, a.emails.neighbour, PASSWORD, a.slug);
    const count = async () =>
      (
        await env.DB_CH.prepare("SELECT count(*) AS n FROM oauth_refresh_tokens WHERE customer_id = ?")
          .bind(a.customerId)
          .first<{ n: number }>()
      )?.n ?? -1;
    const before = await count();
    const revoked =
      (
        await env.DB_CH.prepare(
          "SELECT count(*) AS n FROM oauth_refresh_tokens WHERE customer_id = ? AND revoked_at IS NOT NULL",
        )
          .bind(a.customerId)
          .first<{ n: number }>()
      )?.n ?? 0;
    expect(revoked).toBeGreaterThan(0);
    const now = new Date(Date.now() + 1000);
    expect(await purgeRefreshTokens(deps(now), now)).toBeGreaterThanOrEqual(revoked);
    expect(await purgeRefreshTokens(deps(now), now)).toBe(0);
    expect(await count()).toBe(before - revoked);
    const still = await tokenRequest(
      {
        grant_type: "refresh_token",
        client_id: firstParty.clientId,
        client_secret: firstParty.clientSecret,
        refresh_token: live.refresh_token,
      },
      a.slug,
    );
    expect(still.status).toBe(200);
    const later = new Date(Date.now() + 31 * 86_400_000);
    await purgeRefreshTokens(deps(later), later);
    expect(await count()).toBe(0);
  });
});

describe("customer isolation by token", () => {
  it("serves the token's customer whatever the host, and never another's data (404)", async () => {
    const adminB = await login(b.emails.admin, PASSWORD, b.slug);
    const bClient = await registerClient(adminB, b.slug);
    const tokenB = await clientToken(bClient, b.slug);
    // B's token on A's host: routed by the token to B (eu); A's ids are unknown there.
    for (const path of [
      `/properties/${a.propertyId}`,
      `/groups/${a.buildingIds[0]}`,
      `/units/${a.unitIds[0]}`,
      `/utilisation-periods/${a.tenancyIds[0]}`,
      `/users/${a.userIds.resident}`,
    ]) {
      const res = await v1(path, tokenB, { app: a.slug });
      expect(res.status, path).toBe(404);
    }
    const list = await v1("/properties", tokenB, { app: a.slug });
    const body = (await list.json()) as { _embedded: { items: { id: string }[] }; total: number };
    expect(body._embedded.items.map((p) => p.id)).toEqual([b.propertyId]);
    expect((await v1(`/apps/${a.customerId}`, tokenB, { app: a.slug })).status).toBe(404);
  });
});

describe("CORS and rate limit", () => {
  it("answers the preflight of a browser client on /oauth/token and /api/v1", async () => {
    for (const path of ["/oauth/token", "/api/v1/properties"]) {
      const res = await api(path, {
        app: a.slug,
        method: "OPTIONS",
        headers: {
          origin: "https://erp.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
    }
  });

  it("answers 429 with Retry-After once a client exceeds its bucket", async () => {
    const c = await registerClient(adminA, a.slug, { name: "Greedy" });
    const token = await clientToken(c, a.slug);
    let limited: Response | undefined;
    for (let i = 0; i < 150 && !limited; i++) {
      const res = await v1("/properties?limit=1", token, { app: a.slug });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
