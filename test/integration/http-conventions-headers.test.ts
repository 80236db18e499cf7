import { describe, expect, it } from "vitest";
import type { Access } from "../../src/routes/define";
import { loginAs } from "../helpers/accounts";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api } from "../helpers/http";

/** Security headers, caching and the API description (security.md D3, D4; design: OpenAPI 3.1). */

const ACCESS: readonly Access[] = ["public", "session", "staff", "admin", "dev", "api"];
const METHODS = new Set(["get", "put", "post", "patch", "delete", "head", "options", "trace"]);

function expectHardened(res: Response) {
  const hsts = res.headers.get("strict-transport-security") ?? "";
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
}

interface Operation {
  "x-access"?: string;
  "x-scope"?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, { description?: string }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, { type: string; in?: string; name?: string }> };
}

describe("security headers", () => {
  it("are on the HTML page: HSTS for a year, a CSP without inline script, nosniff", async () => {
    const w = await makeWorld();
    const res = await api("/", { app: w.slug });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expectHardened(res);
  });

  it("are on API answers, successful or not", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    expectHardened(await api("/api/me", { app: w.slug, session }));
    expectHardened(await api("/api/me", { app: w.slug }));
    expectHardened(await api("/api/nothing", { app: w.slug }));
    expectHardened(await api("/api/me", { app: "no-such-app" }));
  });
});

describe("caching", () => {
  it("is forbidden for authenticated API answers and for API errors", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const ok = await api("/api/me", { app: w.slug, session });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const buildings = await api("/api/buildings", { app: w.slug, session });
    expect(buildings.headers.get("cache-control")).toBe("no-store");
    expect((await api("/api/me", { app: w.slug })).headers.get("cache-control")).toBe("no-store");
  });

  it("is forbidden for the login answer that carries the session cookie", async () => {
    const w = await makeWorld();
    const res = await api("/api/auth/login", {
      app: w.slug,
      json: { email: w.emails.resident, password: PASSWORD },
      headers: { "cf-connecting-ip": "192.0.2.99" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document listing the login route", async () => {
    const w = await makeWorld();
    const res = await api("/api/openapi.json", { app: w.slug });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).not.toBe("");
    expect(doc.info.version).not.toBe("");
    expect(doc.paths["/api/auth/login"]?.post).toBeDefined();
    expect(doc.components?.securitySchemes?.session).toEqual({
      type: "apiKey",
      in: "cookie",
      name: "__Host-quartier_session",
    });
  });

  it("declares who may call every operation in x-access, with a session requirement where one is needed", async () => {
    const w = await makeWorld();
    const doc = (await (await api("/api/openapi.json", { app: w.slug })).json()) as OpenApiDoc;
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.has(method))
        .map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(ops.length).toBeGreaterThan(10);
    for (const { where, op } of ops) {
      const access = op["x-access"] as Access;
      expect(ACCESS, where).toContain(access);
      const needsSession = access === "session" || access === "staff" || access === "admin";
      // Integrator routes (/api/v1) need a bearer token with the route's scope instead of a session.
      if (access === "api") expect(op.security, where).toEqual([{ oauth2: [op["x-scope"]] }]);
      else expect(op.security, where).toEqual(needsSession ? [{ session: [] }] : []);
      expect(Object.keys(op.responses ?? {}).length, where).toBeGreaterThan(0);
      for (const r of Object.values(op.responses ?? {})) expect(typeof r.description, where).toBe("string");
    }
  });
});

describe("GET /api/docs", () => {
  it("renders the API description as HTML under the same CSP", async () => {
    const w = await makeWorld();
    const res = await api("/api/docs", { app: w.slug });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("/api/auth/login");
    expectHardened(res);
  });
});
