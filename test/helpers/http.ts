import { exports } from "cloudflare:workers";
import type { ErrorBody } from "../../src/shared/error-codes";

export const ORIGIN_OF = (slug: string) =>
  slug === "demo" ? "http://localhost:8787" : `http://${slug}.localhost:8787`;

export interface ApiOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** App slug: decides the Host header (default app `demo` is the bare host). */
  app?: string;
  /** Raw session token; sent as the session cookie. */
  session?: string | undefined;
}

/** Calls the real Worker entry (all middleware, real bindings) as a browser on the app's origin would. */
export async function api(path: string, o: ApiOptions = {}): Promise<Response> {
  const origin = ORIGIN_OF(o.app ?? "demo");
  const headers = new Headers(o.headers);
  headers.set("host", new URL(origin).host);
  if (o.json !== undefined) headers.set("content-type", "application/json");
  if (o.session) headers.set("cookie", `__Host-quartier_session=${o.session}`);
  const method = o.method ?? (o.json !== undefined ? "POST" : "GET");
  if (method !== "GET" && !headers.has("origin")) headers.set("origin", origin);
  const body = o.json !== undefined ? JSON.stringify(o.json) : o.body;
  return exports.default.fetch(
    new Request(`${origin}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
  );
}

export async function errorOf(res: Response): Promise<ErrorBody["error"]> {
  const body = (await res.json()) as ErrorBody;
  return body.error;
}

/** The session token from a Set-Cookie header. */
export function sessionFrom(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith("__Host-quartier_session="));
  const value = set?.split(";")[0]?.split("=")[1];
  return value || undefined;
}

export async function login(email: string, password: string, app = "demo"): Promise<string> {
  const res = await api("/api/auth/login", { app, json: { email, password } });
  if (res.status !== 200) throw new Error(`login failed for ${app}: ${res.status} ${await res.text()}`);
  const token = sessionFrom(res);
  if (!token) throw new Error("no session cookie");
  return token;
}
