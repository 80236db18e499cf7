import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { clientToken, passwordToken, registerClient, v1 } from "../helpers/oauth";

/**
 * Allthings v1 master data on Quartier's own tables (R-I1, R-T1, issue 7): shapes and wire names of
 * allthings-api.md §2, the list envelope with filters and pages, upsert by external id, check-in and
 * check-out, registration codes, id lookup — and the webhook outbox row of every write (R-I3).
 */
let w: World;
let token: string;
let app: string;
type Json = Record<string, unknown>;

async function ok(res: Response, status = 200): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  // The SDK refuses anything but exactly application/json.
  expect(res.headers.get("content-type")).toBe("application/json");
  return JSON.parse(text) as Json;
}
const changes = async (objectId: string) =>
  (
    await env.DB_CH.prepare(
      "SELECT entity, action, related_id FROM master_data_changes WHERE object_id = ? ORDER BY occurred_at",
    )
      .bind(objectId)
      .all<{ entity: string; action: string; related_id: string | null }>()
  ).results;

beforeAll(async () => {
  w = await makeWorld();
  app = w.slug;
  const admin = await login(w.emails.admin, PASSWORD, w.slug);
  token = await clientToken(await registerClient(admin, w.slug), w.slug);
});

describe("the estate tree through v1", () => {
  let propertyId = "";
  let groupId = "";
  let unitId = "";
  let periodId = "";
  let userId = "";

  it("creates and reads a property, with an outbox row in the same batch", async () => {
    const p = await ok(
      await v1(`/apps/${w.customerId}/properties`, token, {
        app,
        json: { name: "Pröpärty Süd", timezone: "Europe/Berlin", externalId: "P-1", label: "PS", unknownField: 1 },
      }),
      201,
    );
    expect(p).toMatchObject({
      name: "Pröpärty Süd",
      timezone: "Europe/Berlin",
      externalId: "P-1",
      label: "PS",
      readOnly: false,
    });
    propertyId = p.id as string;
    expect(await ok(await v1(`/properties/${propertyId}`, token, { app }))).toEqual(p);
    expect(await changes(propertyId)).toEqual([{ entity: "property", action: "created", related_id: null }]);
    const patched = await ok(
      await v1(`/properties/${propertyId}`, token, { app, method: "PATCH", json: { label: "PS2" } }),
    );
    expect(patched.label).toBe("PS2");
    expect((await changes(propertyId)).map((c) => c.action)).toEqual(["created", "updated"]);
  });

  it("upserts by externalId instead of duplicating, and refuses one that belongs elsewhere", async () => {
    const again = await ok(
      await v1(`/apps/${w.customerId}/properties`, token, {
        app,
        json: { name: "Renamed", timezone: "Europe/Berlin", externalId: "P-1" },
      }),
      200,
    );
    expect(again.id).toBe(propertyId);
    expect(again.name).toBe("Renamed");
    const g = await ok(
      await v1(`/properties/${propertyId}/groups`, token, { app, json: { name: "G", externalId: "G-X" } }),
      201,
    );
    const elsewhere = await v1(`/properties/${w.propertyId}/groups`, token, {
      app,
      json: { name: "G2", externalId: "G-X" },
    });
    expect(elsewhere.status).toBe(409);
    expect(((await elsewhere.json()) as { error: { code: string } }).error.code).toBe("EXTERNAL_ID_TAKEN");
    expect(g.id).toBeTruthy();
  });

  it("creates a group with propertyManagerID and a nullable address, with stats", async () => {
    const g = await ok(
      await v1(`/properties/${propertyId}/groups`, token, {
        app,
        json: {
          name: "Haus A",
          propertyManagerID: "pm-1",
          externalId: "G-1",
          address: { street: "Hauptstrasse", houseNumber: "5", postalCode: "8000", city: "Zürich", country: "CH" },
        },
      }),
      201,
    );
    groupId = g.id as string;
    expect(g).toMatchObject({
      propertyManagerID: "pm-1",
      property: propertyId,
      address: {
        street: "Hauptstrasse",
        houseNumber: "5",
        postalCode: "8000",
        city: "Zürich",
        country: "CH",
        latitude: null,
      },
      stats: { unitCount: 0, tenantCount: 0, invitationCount: 0, inhabitedUnits: 0, occupancy: 0 },
    });
    // Quartier's own screens read the full street line.
    const row = await env.DB_CH.prepare("SELECT street FROM buildings WHERE id = ?")
      .bind(groupId)
      .first<{ street: string }>();
    expect(row?.street).toBe("Hauptstrasse 5");
    const bare = await ok(
      await v1(`/properties/${propertyId}/groups`, token, { app, json: { name: "No address" } }),
      201,
    );
    expect(bare.address).toMatchObject({
      street: null,
      houseNumber: null,
      postalCode: null,
      city: null,
      country: null,
    });
    const patched = await ok(
      await v1(`/groups/${groupId}`, token, { app, method: "PATCH", json: { propertyManagerId: "pm-2" } }),
    );
    expect(patched.propertyManagerID).toBe("pm-2");
    expect((await changes(groupId)).map((c) => c.action)).toEqual(["created", "updated"]);
  });

  it("creates a unit: unset objectType and size come back as null", async () => {
    const u = await ok(
      await v1(`/groups/${groupId}/units`, token, { app, json: { name: "1.1", type: "rented" } }),
      201,
    );
    expect(u).toMatchObject({
      name: "1.1",
      type: "rented",
      objectType: null,
      size: null,
      group: groupId,
      stats: { tenantCount: 0, invitationCount: 0 },
    });
    unitId = u.id as string;
    const p = await ok(
      await v1(`/units/${unitId}`, token, { app, method: "PATCH", json: { objectType: "parking-space", size: 12.5 } }),
    );
    expect(p).toMatchObject({ objectType: "parking-space", size: 12.5 });
    const kind = await env.DB_CH.prepare("SELECT type FROM units WHERE id = ?").bind(unitId).first<{ type: string }>();
    expect(kind?.type).toBe("parking");
  });

  it("creates a utilisation period with _embedded.invitations as an array, refuses overlaps (409)", async () => {
    const up = await ok(
      await v1(`/units/${unitId}/utilisation-periods`, token, {
        app,
        json: { startDate: "2025-01-01T00:00:00.000Z", externalId: "V-1" },
      }),
      201,
    );
    periodId = up.id as string;
    expect(up).toMatchObject({
      startDate: "2025-01-01",
      endDate: null,
      type: "tenant",
      externalId: "V-1",
      tenantIDs: [],
      unit: unitId,
      _embedded: { invitations: [], users: [] },
    });
    const overlap = await v1(`/units/${unitId}/utilisation-periods`, token, { app, json: { startDate: "2026-01-01" } });
    expect(overlap.status).toBe(409);
    const bad = await v1(`/utilisation-periods/${periodId}`, token, {
      app,
      method: "PATCH",
      json: { endDate: "2024-01-01" },
    });
    expect(bad.status).toBe(400);
  });

  it("creates a user (wire tenantIDs, Allthings locale) and checks them in and out", async () => {
    const u = await ok(
      await v1("/users", token, {
        app,
        json: {
          email: "Neu.Mieter@Example.test",
          username: "Neu Mieter",
          locale: "fr_FR",
          externalId: "T-1",
          creationContext: w.customerId,
          plainPassword: "a long password 123",
        },
      }),
      201,
    );
    userId = u.id as string;
    expect(u).toMatchObject({
      email: "neu.mieter@example.test",
      username: "Neu Mieter",
      locale: "fr_FR",
      externalId: "T-1",
      tenantIDs: {},
      roles: [],
    });
    const wrongApp = await v1("/users", token, {
      app,
      json: { email: "x@example.test", username: "X", locale: "de_DE", creationContext: "other-app" },
    });
    expect(wrongApp.status).toBe(404);
    const taken = await v1("/users", token, {
      app,
      json: { email: w.emails.resident, username: "Dup", locale: "de_DE" },
    });
    expect(taken.status).toBe(409);

    const checkedIn = await ok(
      await v1(`/utilisation-periods/${periodId}/users`, token, { app, json: { email: "NEU.MIETER@example.test" } }),
    );
    expect((checkedIn._embedded as { users: { id: string }[] }).users.map((x) => x.id)).toEqual([userId]);
    expect(checkedIn.userCount).toBe(1);
    const mine = await ok(await v1(`/users/${userId}/utilisation-periods`, token, { app }));
    expect((mine._embedded as { items: { id: string }[] }).items.map((x) => x.id)).toEqual([periodId]);
    expect(await changes(periodId)).toContainEqual({
      entity: "utilisation-period",
      action: "checked-in",
      related_id: userId,
    });

    // The checked-in user can log in through a first-party client (password grant, e-mail as username).
    const admin = await login(w.emails.admin, PASSWORD, w.slug);
    const own = await registerClient(admin, w.slug, { firstParty: true });
    const t = await passwordToken(own, "neu.mieter@example.test", "a long password 123", w.slug);
    expect(await ok(await v1("/me", t.access_token, { app }))).toMatchObject({ id: userId });

    const out = await v1(`/utilisation-periods/${periodId}/users/${userId}`, token, { app, method: "DELETE" });
    expect(out.status).toBe(204);
    expect(await out.text()).toBe("");
    expect(
      (await v1(`/utilisation-periods/${periodId}/users/${userId}`, token, { app, method: "DELETE" })).status,
    ).toBe(404);
    expect(await changes(periodId)).toContainEqual({
      entity: "utilisation-period",
      action: "checked-out",
      related_id: userId,
    });
  });

  it("creates, reads, changes and deletes registration codes (ERP-chosen code, wire tenantID)", async () => {
    const c = await ok(
      await v1("/registration-codes", token, {
        app,
        json: {
          code: "erp-1234-5678",
          utilisationPeriods: periodId,
          tenantID: "T-9",
          permanent: false,
          tenant: { email: "Future@Example.test", name: "Future Tenant" },
        },
      }),
      201,
    );
    expect(c).toMatchObject({
      code: "ERP12345678",
      utilisationPeriods: [periodId],
      tenantID: "T-9",
      permanent: false,
      email: "future@example.test",
    });
    const short = await v1("/registration-codes", token, {
      app,
      json: { code: "1234", utilisationPeriods: [periodId] },
    });
    expect(short.status).toBe(400);
    const dup = await v1("/registration-codes", token, {
      app,
      json: { code: "ERP12345678", utilisationPeriods: [periodId] },
    });
    expect(dup.status).toBe(400);
    const patched = await ok(
      await v1(`/registration-codes/${c.id}`, token, { app, method: "PATCH", json: { permanent: true } }),
    );
    expect(patched).toMatchObject({ permanent: true, tenantID: "T-9" });
    expect(await ok(await v1(`/invitations/${c.id}`, token, { app }))).toMatchObject({ id: c.id, code: "ERP12345678" });
    const up = await ok(await v1(`/utilisation-periods/${periodId}`, token, { app }));
    expect((up._embedded as { invitations: { id: string }[] }).invitations.map((x) => x.id)).toEqual([c.id]);
    const generated = await ok(
      await v1(`/utilisation-periods/${periodId}/registration-codes`, token, { app, json: { permanent: false } }),
      201,
    );
    expect(generated.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const del = await v1(`/invitations/${c.id}`, token, { app, method: "DELETE" });
    expect(del.status).toBe(204);
    expect((await v1(`/invitations/${c.id}`, token, { app })).status).toBe(404);
    expect((await changes(c.id as string)).map((x) => x.action)).toEqual(["created", "updated", "deleted"]);
  });

  it("looks ids up by external id, null for unknown ones", async () => {
    const r = await ok(
      await v1(`/id-lookup/${w.customerId}/property`, token, { app, json: { externalIds: ["P-1", "nope"] } }),
    );
    expect(r).toEqual({ "P-1": propertyId, nope: null });
    const users = await ok(await v1(`/id-lookup/${w.customerId}/user`, token, { app, json: { externalIds: "T-1" } }));
    expect(users).toEqual({ "T-1": userId });
    const units = await ok(
      await v1(`/id-lookup/${w.customerId}/utilisationPeriod`, token, {
        app,
        json: { externalIds: ["V-1"], parentId: "other-unit" },
      }),
    );
    expect(units).toEqual({ "V-1": null });
  });
});

describe("lists: envelope, filters, pages (allthings-api.md §2.4)", () => {
  it("filters by scalar and list values, e-mail case-insensitively, and pages with a total", async () => {
    for (const n of [1, 2, 3]) {
      await ok(
        await v1("/users", token, {
          app,
          json: { email: `list${n}@example.test`, username: `L${n}`, locale: "de_DE", externalId: `L-${n}` },
        }),
        201,
      );
    }
    const q = (f: unknown, extra = "") => `/users?filter=${encodeURIComponent(JSON.stringify(f))}${extra}`;
    const byEmail = await ok(await v1(q({ email: ["LIST1@example.test", "list2@EXAMPLE.test"] }), token, { app }));
    expect(byEmail.total).toBe(2);
    const both = await ok(await v1(q({ email: "list1@example.test", externalId: ["L-2"] }), token, { app }));
    expect(both.total).toBe(0);
    const page2 = await ok(await v1(q({ externalId: ["L-1", "L-2", "L-3"] }, "&limit=2&page=2"), token, { app }));
    expect(page2.total).toBe(3);
    expect((page2._embedded as { items: Json[] }).items).toHaveLength(1);
    expect((page2._embedded as { items: Json[] }).items[0]).toMatchObject({ externalId: "L-3", tenantIDs: {} });
    const all = await ok(await v1("/users?filter=%7B%7D&limit=-1&page=1", token, { app }));
    expect(all.total).toBeGreaterThanOrEqual(8);
    const unicode = await ok(
      await v1(`/properties?filter=${encodeURIComponent(JSON.stringify({ name: "Renamed" }))}`, token, { app }),
    );
    expect(unicode.total).toBe(1);
  });

  it("refuses unknown filter fields and bad paging with 400 (not silently everything)", async () => {
    expect((await v1(`/users?filter=${encodeURIComponent('{"password":"x"}')}`, token, { app })).status).toBe(400);
    expect((await v1("/users?filter=not-json", token, { app })).status).toBe(400);
    expect((await v1("/units?limit=0", token, { app })).status).toBe(400);
    expect((await v1("/groups?page=0", token, { app })).status).toBe(400);
  });
});

describe("body conventions", () => {
  it("takes an empty body as {} on /api/v1 (validation still applies) while /api stays strict", async () => {
    const empty = await v1(`/utilisation-periods/${w.tenancyIds[0]}/users`, token, { app, method: "POST" });
    expect(empty.status).toBe(400);
    const unknown = await v1(`/properties/${w.propertyId}`, token, { app, method: "PATCH", json: { whatever: true } });
    expect(unknown.status).toBe(200);
    const admin = await login(w.emails.admin, PASSWORD, w.slug);
    const strict = await api(`/api/units/${w.unitIds[0]}/tenancies`, {
      app: w.slug,
      session: admin,
      json: { type: "tenant", startsOn: "2090-01-01", whatever: true },
    });
    expect(strict.status).toBe(400);
  });

  it("writes an outbox row for tenancies created through Quartier's own API too", async () => {
    const admin = await login(w.emails.admin, PASSWORD, w.slug);
    const res = await api(`/api/units/${w.unitIds[1]}/tenancies`, {
      app: w.slug,
      session: admin,
      json: { type: "ownership", startsOn: "2090-01-01" },
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    expect(await changes(id)).toEqual([{ entity: "utilisation-period", action: "created", related_id: null }]);
  });
});

describe("documentation", () => {
  it("lists every v1 route, the token endpoint and the oauth2 scheme in the OpenAPI document, with examples", async () => {
    const doc = (await (await api("/api/openapi.json", { app })).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; "x-scope"?: string }>>;
      components: { securitySchemes: Record<string, { type: string }>; schemas: Record<string, { example?: unknown }> };
    };
    expect(doc.components.securitySchemes.oauth2?.type).toBe("oauth2");
    expect(doc.paths["/oauth/token"]?.post).toBeTruthy();
    for (const path of [
      "/api/v1/me",
      "/api/v1/users",
      "/api/v1/utilisation-periods/{periodId}/users",
      "/api/v1/id-lookup/{appId}/{resource}",
    ]) {
      expect(doc.paths[path], path).toBeTruthy();
    }
    expect(doc.paths["/api/v1/users"]?.post?.security).toEqual([{ oauth2: ["master-data:write"] }]);
    expect(doc.components.schemas.V1Property?.example).toBeTruthy();
  });
});

describe("Quartier's own API writes go to the webhook outbox too (R-I3)", () => {
  it("code create, redemption check-in, revoke and a name change each leave their outbox row", async () => {
    const admin = await login(w.emails.admin, PASSWORD, w.slug);
    const created = await api(`/api/tenancies/${w.tenancyIds[1]}/codes`, { app: w.slug, session: admin, json: {} });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; code: string } | { id: string; code: string }[];
    const code = Array.isArray(body) ? body[0] : body;
    if (!code) throw new Error("no code");
    expect((await changes(code.id)).map((c) => c.action)).toEqual(["created"]);
    // The resident of building 1 redeems it: checked into the tenancy of building 2.
    const resident = await login(w.emails.resident, PASSWORD, w.slug);
    const redeemed = await api("/api/onboarding/redeem", { app: w.slug, session: resident, json: { code: code.code } });
    expect(redeemed.status).toBeLessThan(300);
    expect(await changes(w.tenancyIds[1])).toContainEqual({
      entity: "utilisation-period",
      action: "checked-in",
      related_id: w.userIds.resident,
    });
    const second = await api(`/api/tenancies/${w.tenancyIds[1]}/codes`, { app: w.slug, session: admin, json: {} });
    const b2 = (await second.json()) as { id: string } | { id: string }[];
    const other = Array.isArray(b2) ? b2[0] : b2;
    if (!other) throw new Error("no code");
    expect(
      (await api(`/api/codes/${other.id}`, { app: w.slug, session: admin, method: "DELETE" })).status,
    ).toBeLessThan(300);
    expect((await changes(other.id)).map((c) => c.action)).toEqual(["created", "deleted"]);
    // Revoking again changes nothing and writes nothing.
    await api(`/api/codes/${other.id}`, { app: w.slug, session: admin, method: "DELETE" });
    expect((await changes(other.id)).map((c) => c.action)).toEqual(["created", "deleted"]);
    const renamed = await api("/api/me", {
      app: w.slug,
      session: resident,
      method: "PATCH",
      json: { name: "Renamed Resident" },
    });
    expect(renamed.status).toBe(200);
    expect(await changes(w.userIds.resident)).toContainEqual({ entity: "user", action: "updated", related_id: null });
  });
});

describe("privacy (R-P5)", () => {
  it("does not serve a person whose processing is restricted, nor an erased one", async () => {
    const restricted = w.userIds.neighbour;
    await env.DB_CH.prepare(
      "INSERT INTO processing_restrictions (id, customer_id, user_id, kind, created_at) VALUES (?, ?, ?, 'restriction', ?)",
    )
      .bind(crypto.randomUUID(), w.customerId, restricted, Date.now())
      .run();
    await env.DB_CH.prepare("UPDATE users SET status = 'erased' WHERE id = ?").bind(w.userIds.otherBuilding).run();
    for (const id of [restricted, w.userIds.otherBuilding]) {
      expect((await v1(`/users/${id}`, token, { app })).status).toBe(404);
    }
    const list = await ok(await v1("/users?limit=-1", token, { app }));
    const ids = (list._embedded as { items: { id: string }[] }).items.map((u) => u.id);
    expect(ids).toContain(w.userIds.resident);
    expect(ids).not.toContain(restricted);
    expect(ids).not.toContain(w.userIds.otherBuilding);
    const up = await ok(await v1(`/utilisation-periods/${w.tenancyIds[0]}`, token, { app }));
    const inside = (up._embedded as { users: { id: string }[] }).users.map((u) => u.id);
    expect(inside).toEqual([w.userIds.resident]);
    expect(JSON.stringify(up)).not.toContain(w.emails.neighbour);
  });
});
