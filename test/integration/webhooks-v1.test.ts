import { beforeAll, describe, expect, it } from "vitest";
import { runWebhooks } from "../../src/services/webhook-delivery";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { clientToken, registerClient, v1 } from "../helpers/oauth";
import { depsAt } from "../helpers/staff";
import { receiver } from "../helpers/webhooks";

// R-I3: integrator clients manage their own webhook endpoints through /api/v1/webhooks; the customer
// admin sees every endpoint of the customer; other clients and other customers see none of them.

let a: World;
let b: World;
let admin: string;
const tok = { erp: "", other: "", foreign: "", writeOnly: "", revoked: "" };
let revokedClientId = "";

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld();
  admin = await login(a.emails.admin, PASSWORD, a.slug);
  const bAdmin = await login(b.emails.admin, PASSWORD, b.slug);
  tok.erp = await clientToken(await registerClient(admin, a.slug), a.slug);
  tok.other = await clientToken(await registerClient(admin, a.slug, { name: "Other" }), a.slug);
  tok.writeOnly = await clientToken(await registerClient(admin, a.slug, { scopes: ["user:profile"] }), a.slug);
  tok.foreign = await clientToken(await registerClient(bAdmin, b.slug), b.slug);
  const doomed = await registerClient(admin, a.slug, { name: "Doomed" });
  revokedClientId = doomed.clientId;
  tok.revoked = await clientToken(doomed, a.slug);
});

const hookBody = { url: "https://erp.example.com/quartier", entities: ["unit", "user"] };

describe("/api/v1/webhooks", () => {
  it("lets a client register, list, change, rotate and delete its own endpoints", async () => {
    const created = await v1("/webhooks", tok.erp, { app: a.slug, json: hookBody });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string; secret: string };
    expect(hook.secret).toMatch(/^whsec_/);
    const list = (await (await v1("/webhooks", tok.erp, { app: a.slug })).json()) as { id: string }[];
    expect(list.map((h) => h.id)).toEqual([hook.id]);
    const patched = await v1(`/webhooks/${hook.id}`, tok.erp, {
      app: a.slug,
      method: "PATCH",
      json: { entities: ["property"] },
    });
    expect(await patched.json()).toMatchObject({ entities: ["property"] });
    expect((await v1(`/webhooks/${hook.id}/secret`, tok.erp, { app: a.slug, method: "POST" })).status).toBe(200);
    expect((await v1(`/webhooks/${hook.id}/deliveries`, tok.erp, { app: a.slug })).status).toBe(200);
    expect((await v1(`/webhooks/${hook.id}`, tok.erp, { app: a.slug, method: "DELETE" })).status).toBe(204);
  });

  it("keeps clients apart; the customer admin sees every endpoint of the customer", async () => {
    const hook = (await (await v1("/webhooks", tok.erp, { app: a.slug, json: hookBody })).json()) as { id: string };
    const otherList = (await (await v1("/webhooks", tok.other, { app: a.slug })).json()) as { id: string }[];
    expect(otherList.map((h) => h.id)).not.toContain(hook.id);
    for (const [token, app] of [
      [tok.other, a.slug],
      [tok.foreign, b.slug],
      [tok.foreign, a.slug],
    ] as const) {
      const res = await v1(`/webhooks/${hook.id}`, token, { app, method: "PATCH", json: { enabled: false } });
      expect(await envelopeOf(res)).toBe("NOT_FOUND");
      expect(await envelopeOf(await v1(`/webhooks/${hook.id}/secret`, token, { app, method: "POST" }))).toBe(
        "NOT_FOUND",
      );
    }
    const foreignList = (await (await v1("/webhooks", tok.foreign, { app: b.slug })).json()) as { id: string }[];
    expect(foreignList).toEqual([]);
    const adminList = (await (await api("/api/webhooks", { app: a.slug, session: admin })).json()) as { id: string }[];
    expect(adminList.map((h) => h.id)).toContain(hook.id);
  });

  it("needs a token with the master-data:read scope (403 without it, 401 without a token)", async () => {
    expect(await envelopeOf(await v1("/webhooks", tok.writeOnly, { app: a.slug }))).toBe("FORBIDDEN");
    expect(await envelopeOf(await v1("/webhooks", undefined, { app: a.slug }))).toBe("UNAUTHENTICATED");
  });

  it("stops a revoked client's webhooks at once", async () => {
    const url = `https://doomed.example.test/${crypto.randomUUID()}`;
    const res = await v1("/webhooks", tok.revoked, { app: a.slug, json: { url, entities: ["utilisation-period"] } });
    expect(res.status).toBe(201);
    const revoke = await api(`/api/api-clients/${revokedClientId}`, { app: a.slug, session: admin, method: "DELETE" });
    expect(revoke.status).toBeLessThan(300);
    const created = await api(`/api/units/${a.unitIds[0]}/tenancies`, {
      app: a.slug,
      session: admin,
      json: { type: "vacant", startsOn: "2043-03-03" },
    });
    expect(created.status).toBe(201);
    const r = receiver(url);
    await runWebhooks(depsAt("ch", new Date(Date.now() + 60_000)), r.send);
    expect(r.got).toEqual([]);
  });
});
