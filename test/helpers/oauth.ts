import { exports } from "cloudflare:workers";
import type { ApiScope } from "../../src/db/schema/api-clients";
import { ORIGIN_OF } from "./http";

export const ALL_SCOPES: ApiScope[] = ["user:profile", "master-data:read", "master-data:write"];

/** Registers a client through the admin API (R-I1); returns its id and the once-shown secret. */
export async function registerClient(
  session: string,
  app: string,
  o: { scopes?: ApiScope[]; firstParty?: boolean; name?: string } = {},
): Promise<{ clientId: string; clientSecret: string }> {
  const origin = ORIGIN_OF(app);
  const res = await exports.default.fetch(
    new Request(`${origin}/api/api-clients`, {
      method: "POST",
      headers: {
        host: new URL(origin).host,
        origin,
        "content-type": "application/json",
        cookie: `__Host-quartier_session=${session}`,
      },
      body: JSON.stringify({
        name: o.name ?? "ERP",
        scopes: o.scopes ?? ALL_SCOPES,
        firstParty: o.firstParty ?? false,
      }),
    }),
  );
  if (res.status !== 201) throw new Error(`client registration failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string; clientSecret: string };
  return { clientId: body.id, clientSecret: body.clientSecret };
}

/** POST /oauth/token as the SDK sends it (form fields, keys sorted). */
export async function tokenRequest(fields: Record<string, string | undefined>, app = "demo"): Promise<Response> {
  const origin = ORIGIN_OF(app);
  const form = new URLSearchParams();
  for (const k of Object.keys(fields).sort()) {
    const v = fields[k];
    if (v !== undefined) form.set(k, v);
  }
  return exports.default.fetch(
    new Request(`${origin}/oauth/token`, {
      method: "POST",
      headers: {
        host: new URL(origin).host,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        "user-agent": "Allthings Node SDK REST Client/2.16.0",
      },
      body: form.toString(),
    }),
  );
}

export async function clientToken(c: { clientId: string; clientSecret: string }, app = "demo", scope?: string) {
  const res = await tokenRequest(
    { grant_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret, scope },
    app,
  );
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function passwordToken(
  c: { clientId: string; clientSecret: string },
  username: string,
  password: string,
  app = "demo",
) {
  const res = await tokenRequest(
    {
      grant_type: "password",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      username,
      password,
      scope: "user:profile",
    },
    app,
  );
  if (res.status !== 200) throw new Error(`password token failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

export interface V1Options {
  method?: string;
  json?: unknown;
  /** Send a body-less request with content-type application/json (as the SDK does). */
  emptyJson?: boolean;
  app?: string;
  headers?: Record<string, string>;
}

/** Calls /api/v1 as the Allthings SDK does: bearer token, JSON content type on every request. */
export async function v1(path: string, token: string | undefined, o: V1Options = {}): Promise<Response> {
  const origin = ORIGIN_OF(o.app ?? "demo");
  const headers = new Headers(o.headers);
  headers.set("host", new URL(origin).host);
  headers.set("accept", "application/json");
  headers.set("content-type", "application/json");
  if (token) headers.set("authorization", `Bearer ${token}`);
  const method = o.method ?? (o.json !== undefined ? "POST" : "GET");
  const body = o.json !== undefined ? JSON.stringify(o.json) : undefined;
  return exports.default.fetch(
    new Request(`${origin}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
  );
}
