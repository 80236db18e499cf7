import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/services/webhook-url";
import { countRows } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { createWebhook } from "../helpers/webhooks";

// R-I3: customer admins manage webhook endpoints; secrets are shown once; targets are validated.

let a: World;
let b: World;
const s = { aAdmin: "", aManager: "", aResident: "", bAdmin: "" };

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld();
  s.aAdmin = await login(a.emails.admin, PASSWORD, a.slug);
  s.aManager = await login(a.emails.manager, PASSWORD, a.slug);
  s.aResident = await login(a.emails.resident, PASSWORD, a.slug);
  s.bAdmin = await login(b.emails.admin, PASSWORD, b.slug);
});

interface WebhookDto {
  id: string;
  url: string;
  entities: string[];
  enabled: boolean;
  disabledReason: string | null;
  previousSecretValidUntil: string | null;
  secret?: string;
}

const listOf = async (w: World, session: string) => {
  const res = await api("/api/webhooks", { app: w.slug, session });
  expect(res.status).toBe(200);
  return (await res.json()) as WebhookDto[];
};

describe("/api/webhooks for customer admins", () => {
  it("creates an endpoint and shows its secret once: whsec_ and 32 random bytes", async () => {
    const hook = await createWebhook(a, s.aAdmin, ["unit", "user"]);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(hook.secret.slice(6))).toHaveLength(32);
    const listed = (await listOf(a, s.aAdmin)).find((x) => x.id === hook.id);
    expect(listed).toMatchObject({ url: hook.url, entities: ["unit", "user"], enabled: true, disabledReason: null });
    const text = JSON.stringify(await listOf(a, s.aAdmin));
    expect(text).not.toContain(hook.secret);
    expect(text).not.toContain('secret":');
  });

  it("changes entities and enabled, rotates the secret and deletes the endpoint", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    const path = `/api/webhooks/${hook.id}`;
    const patched = await api(path, {
      app: a.slug,
      session: s.aAdmin,
      method: "PATCH",
      json: { entities: ["property"], enabled: false },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ entities: ["property"], enabled: false, disabledReason: "manual" });

    const rotated = await api(`${path}/secret`, { app: a.slug, session: s.aAdmin, method: "POST" });
    expect(rotated.status).toBe(200);
    const r = (await rotated.json()) as WebhookDto;
    expect(r.secret).toMatch(/^whsec_/);
    expect(r.secret).not.toBe(hook.secret);
    expect(Date.parse(r.previousSecretValidUntil ?? "") - Date.now()).toBeGreaterThan(23 * 3_600_000);

    expect((await api(path, { app: a.slug, session: s.aAdmin, method: "DELETE" })).status).toBe(204);
    expect(await envelopeOf(await api(path, { app: a.slug, session: s.aAdmin, method: "DELETE" }))).toBe("NOT_FOUND");
    expect(await countRows(env.DB_CH, "SELECT count(*) AS n FROM webhook_endpoints WHERE id = ?", hook.id)).toBe(0);
  });

  it("is for customer admins only: managers and residents get 403, anonymous 401", async () => {
    const body = { url: "https://erp.example.com/hook", entities: ["unit"] };
    for (const session of [s.aManager, s.aResident]) {
      expect(await envelopeOf(await api("/api/webhooks", { app: a.slug, session }))).toBe("FORBIDDEN");
      expect(await envelopeOf(await api("/api/webhooks", { app: a.slug, session, json: body }))).toBe("FORBIDDEN");
    }
    expect(await envelopeOf(await api("/api/webhooks", { app: a.slug }))).toBe("UNAUTHENTICATED");
  });

  it("never shows or changes another customer's endpoints", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    expect((await listOf(b, s.bAdmin)).map((x) => x.id)).not.toContain(hook.id);
    const path = `/api/webhooks/${hook.id}`;
    const tries = [
      api(path, { app: b.slug, session: s.bAdmin, method: "PATCH", json: { enabled: false } }),
      api(path, { app: b.slug, session: s.bAdmin, method: "DELETE" }),
      api(`${path}/secret`, { app: b.slug, session: s.bAdmin, method: "POST" }),
      api(`${path}/deliveries`, { app: b.slug, session: s.bAdmin }),
    ];
    for (const res of await Promise.all(tries)) {
      const text = await res.clone().text();
      expect(await envelopeOf(res)).toBe("NOT_FOUND");
      expect(text).not.toContain(hook.url);
    }
    // A session of B on A's host is not a session there.
    expect(await envelopeOf(await api("/api/webhooks", { app: a.slug, session: s.bAdmin }))).toBe("UNAUTHENTICATED");
    expect((await listOf(a, s.aAdmin)).find((x) => x.id === hook.id)).toMatchObject({ enabled: true });
  });

  it("refuses bad targets with 400 WEBHOOK_URL_REFUSED and unknown entities with 400", async () => {
    for (const url of ["ftp://erp.example.com/x", "not a url", "https://user:pw@erp.example.com/x"]) {
      const res = await api("/api/webhooks", { app: a.slug, session: s.aAdmin, json: { url, entities: ["unit"] } });
      expect(await envelopeOf(res), url).toBe("WEBHOOK_URL_REFUSED");
    }
    const unknown = await api("/api/webhooks", {
      app: a.slug,
      session: s.aAdmin,
      json: { url: "https://erp.example.com/x", entities: ["ticket"] },
    });
    expect(await envelopeOf(unknown)).toBe("VALIDATION_FAILED");
  });

  it("allows loopback http targets in development (local receivers and tests)", async () => {
    const res = await api("/api/webhooks", {
      app: a.slug,
      session: s.aAdmin,
      json: { url: "http://127.0.0.1:8799/hook", entities: ["unit"] },
    });
    expect(res.status).toBe(201);
  });

  it("documents the endpoints, the signature scheme and the Idempotency-Key header in the OpenAPI document", async () => {
    const doc = (await (await api("/api/openapi.json", { app: a.slug })).json()) as {
      paths: Record<string, Record<string, { description?: string; parameters?: { $ref?: string }[] }>>;
      components: { parameters: Record<string, { name: string; in: string; description: string }> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/webhooks", "/api/webhooks/{webhookId}"]));
    expect(doc.paths["/api/webhooks"]?.post?.description).toContain("webhook-signature");
    const create = doc.paths["/api/webhooks"]?.post;
    expect(create?.parameters?.map((p) => p.$ref)).toContain("#/components/parameters/IdempotencyKey");
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: "Idempotency-Key", in: "header" });
    expect(doc.components.parameters.IdempotencyKey?.description).toContain("422");
    // Every unsafe, authenticated /api operation carries it; GETs and public writes do not.
    const refs = (path: string, method: string) => doc.paths[path]?.[method]?.parameters?.map((p) => p.$ref) ?? [];
    expect(refs("/api/units/{unitId}/tenancies", "post")).toContain("#/components/parameters/IdempotencyKey");
    expect(refs("/api/webhooks", "get")).not.toContain("#/components/parameters/IdempotencyKey");
    expect(refs("/api/auth/login", "post")).not.toContain("#/components/parameters/IdempotencyKey");
  });
});

describe("webhook target validation in production (SSRF guard)", () => {
  const production = { environment: "production" as const };
  const refused = [
    "http://erp.example.com/hook",
    "https://127.0.0.1/hook",
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://0x7f.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.10/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd12:3456::1]/hook",
    "https://8.8.8.8/hook",
    "https://localhost/hook",
    "https://LOCALHOST./hook",
    "https://api.localhost/hook",
    "https://printer.local/hook",
    "https://db.internal/hook",
    "https://router.home.arpa/hook",
    "https://intranet/hook",
    "https://user:pw@erp.example.com/hook",
  ];
  for (const url of refused) {
    it(`refuses ${url}`, () => {
      expect(() => checkWebhookUrl(url, production)).toThrowError(
        expect.objectContaining({ code: "WEBHOOK_URL_REFUSED" }),
      );
    });
  }
  it("accepts https targets on public host names", () => {
    for (const url of ["https://erp.example.com/hooks/quartier", "https://hooks.example.ch:8443/in?x=1"]) {
      expect(checkWebhookUrl(url, production).toString()).toBe(url);
    }
  });
  it("accepts loopback only in development", () => {
    expect(checkWebhookUrl("http://127.0.0.1:8799/x", { environment: "development" }).hostname).toBe("127.0.0.1");
    expect(() => checkWebhookUrl("http://127.0.0.1:8799/x", production)).toThrow();
  });
});
