import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { runWebhooks } from "../../src/services/webhook-delivery";
import { countRows } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { login } from "../helpers/http";
import { clientToken, registerClient, v1 } from "../helpers/oauth";
import { depsAt } from "../helpers/staff";
import { createWebhook, receiver, verifySignature } from "../helpers/webhooks";

// R-I3 on the integrator API: Idempotency-Key on /api/v1 writes (scoped to the client of a
// client-credentials token), and a v1 write reaching a webhook endpoint end to end.

let a: World;
let b: World;
let admin: string;
const tok = { erp: "", other: "", foreign: "", writeOnly: "" };

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld();
  admin = await login(a.emails.admin, PASSWORD, a.slug);
  const bAdmin = await login(b.emails.admin, PASSWORD, b.slug);
  tok.erp = await clientToken(await registerClient(admin, a.slug), a.slug);
  tok.other = await clientToken(await registerClient(admin, a.slug, { name: "Other" }), a.slug);
  tok.foreign = await clientToken(await registerClient(bAdmin, b.slug), b.slug);
});

const createProperty = (w: World, token: string, key: string, name: string) =>
  v1(`/apps/${w.customerId}/properties`, token, {
    app: w.slug,
    json: { name, timezone: "Europe/Zurich" },
    headers: { "idempotency-key": key },
  });
const propertiesNamed = (w: World, name: string) =>
  countRows(env.DB_CH, "SELECT count(*) AS n FROM properties WHERE customer_id = ? AND name = ?", w.customerId, name);

describe("Idempotency-Key on /api/v1", () => {
  it("replays a client's create once written, and refuses the key for another payload", async () => {
    const key = crypto.randomUUID();
    const first = await createProperty(a, tok.erp, key, "Idem V1");
    expect(first.status).toBe(201);
    const text = await first.text();
    const again = await createProperty(a, tok.erp, key, "Idem V1");
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toBe("application/json");
    expect(await again.text()).toBe(text);
    expect(await propertiesNamed(a, "Idem V1")).toBe(1);
    expect(await envelopeOf(await createProperty(a, tok.erp, key, "Idem V1 changed"))).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await propertiesNamed(a, "Idem V1 changed")).toBe(0);
  });

  it("scopes keys to the client: another client's same key is another key", async () => {
    const key = crypto.randomUUID();
    expect((await createProperty(a, tok.erp, key, "Idem V1 one")).status).toBe(201);
    const other = await createProperty(a, tok.other, key, "Idem V1 two");
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    const foreign = await createProperty(b, tok.foreign, key, "Idem V1 one");
    expect(foreign.status).toBe(201);
    expect(foreign.headers.get("idempotent-replayed")).toBeNull();
    expect(await propertiesNamed(a, "Idem V1 one")).toBe(1);
    expect(await propertiesNamed(b, "Idem V1 one")).toBe(1);
    expect(
      await countRows(env.DB_CH, "SELECT count(*) AS n FROM idempotency_keys WHERE key = ? AND user_id IS NULL", key),
    ).toBe(3);
  });

  it("writes once under parallel retries", async () => {
    const key = crypto.randomUUID();
    const all = await Promise.all(Array.from({ length: 6 }, () => createProperty(a, tok.erp, key, "Idem V1 parallel")));
    for (const r of all) expect([201, 409]).toContain(r.status);
    expect(await propertiesNamed(a, "Idem V1 parallel")).toBe(1);
  });
});

describe("a v1 write reaches a webhook endpoint", () => {
  it("delivers property.created with its external id, signed", async () => {
    const hook = await createWebhook(a, admin, ["property"]);
    const res = await v1(`/apps/${a.customerId}/properties`, tok.erp, {
      app: a.slug,
      json: { name: "Hooked", timezone: "Europe/Zurich", externalId: "ERP-P-1" },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    const r = receiver(hook.url);
    await runWebhooks(depsAt("ch", new Date(Date.now() + 60_000)), r.send);
    expect(r.got).toHaveLength(1);
    const msg = r.got[0];
    if (!msg) throw new Error("no delivery");
    expect(await verifySignature(hook.secret, msg, msg.body)).toBe(true);
    expect(JSON.parse(msg.body)).toMatchObject({
      type: "property.created",
      data: { id: created.id, externalId: "ERP-P-1" },
    });
    expect(msg.body).not.toContain("Hooked");
  });
});
