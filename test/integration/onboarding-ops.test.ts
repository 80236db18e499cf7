import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemo } from "../../src/seed/demo";
import { createCustomer } from "../../src/services/customers";
import { api, errorOf, login } from "../helpers/http";

describe("operator: create-customer", () => {
  it("onboards a customer whose first admin sets a password through the one-time link", async () => {
    const { setPasswordLink, customerId } = await createCustomer(
      { directory: env.DIRECTORY, region: env.DB_EU },
      {
        slug: "acme",
        name: "ACME Verwaltung",
        jurisdiction: "eu",
        locale: "fr",
        admin: { email: "Ada@Acme.example", name: "Ada Admin" },
      },
      "http://acme.localhost:8787",
    );
    const token = new URL(setPasswordLink).searchParams.get("token") ?? "";
    expect(
      (
        await api("/api/auth/password-reset/confirm", {
          app: "acme",
          json: { token, password: "a long admin passphrase" },
        })
      ).status,
    ).toBe(204);
    const session = await login("ada@acme.example", "a long admin passphrase", "acme");
    const me = (await (await api("/api/me", { app: "acme", session })).json()) as {
      roles: { admin: boolean };
      customer: { jurisdiction: string };
    };
    expect(me.roles.admin).toBe(true);
    expect(me.customer.jurisdiction).toBe("eu");
    // Stored only in the EU database; the directory knows just slug → customer, jurisdiction.
    expect(await env.DB_CH.prepare("SELECT id FROM customers WHERE id = ?").bind(customerId).first()).toBeNull();
    const dir = await env.DIRECTORY.prepare("SELECT * FROM apps WHERE slug = 'acme'").first();
    expect(dir).toMatchObject({ customer_id: customerId, jurisdiction: "eu" });
    // The link works once.
    const again = await api("/api/auth/password-reset/confirm", {
      app: "acme",
      json: { token, password: "another passphrase" },
    });
    expect((await errorOf(again)).code).toBe("TOKEN_INVALID");
  });

  it("refuses a taken or malformed slug", async () => {
    const input = {
      name: "X",
      jurisdiction: "ch" as const,
      locale: "de" as const,
      admin: { email: "x@x.example", name: "X" },
    };
    await createCustomer({ directory: env.DIRECTORY, region: env.DB_CH }, { ...input, slug: "taken" }, "http://x");
    await expect(
      createCustomer({ directory: env.DIRECTORY, region: env.DB_CH }, { ...input, slug: "taken" }, "http://x"),
    ).rejects.toThrow(/taken/);
    await expect(
      createCustomer({ directory: env.DIRECTORY, region: env.DB_CH }, { ...input, slug: "Bad Slug!" }, "http://x"),
    ).rejects.toThrow(/Slug/);
  });
});

describe("demo seed", () => {
  it("is idempotent and gives working demo logins in both jurisdictions", async () => {
    await seedDemo(env);
    const count = async (db: D1Database) =>
      (await db.prepare("SELECT count(*) AS n FROM users WHERE customer_id LIKE 'demo-%'").first<{ n: number }>())?.n;
    const before = [await count(env.DB_CH), await count(env.DB_EU)];
    await seedDemo(env);
    expect([await count(env.DB_CH), await count(env.DB_EU)]).toEqual(before);
    expect(before).toEqual([5, 5]);
    const anna = await login("anna@demo.quartier.test", DEMO_PASSWORD, "demo");
    const marco = await login("marco@demo-eu.quartier.test", DEMO_PASSWORD, "demo-eu");
    const buildings = async (app: string, session: string) =>
      ((await (await api("/api/buildings", { app, session })).json()) as { city: string }[]).map((b) => b.city);
    expect(await buildings("demo", anna)).toEqual(["Zürich"]);
    expect(await buildings("demo-eu", marco)).toEqual(["Berlin"]);
  });
});
