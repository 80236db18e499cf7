import { beforeAll, describe, expect, it } from "vitest";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { errorCode, type Sessions, send, sessionsOf } from "../helpers/tickets";

/**
 * R-T3: a customer chooses its micro-apps, overridable per property (decision 0040). Customer admins
 * force an app on or off for one property and clear that again; residents of the property's buildings
 * get 403 MICRO_APP_DISABLED on its resident APIs and do not find it in /api/me, residents of other
 * properties are unaffected. The rule: the property's row wins, else the customer-wide row, else on.
 */

interface Settings {
  apps: { key: string; enabled: boolean; name: string | null }[];
  overrides: { propertyId: string; key: string; enabled: boolean; name: string | null }[];
}
interface MeApps {
  apps: { key: string; name: string | null }[];
  buildingApps: { buildingIds: string[]; apps: { key: string; name: string | null }[] }[];
}

let w: World;
let s: Sessions;
let other: World;
let os: Sessions;
const P2 = () => `${w.propertyId}-two`;
const overridePath = (propertyId: string, key: string) => `/api/admin/properties/${propertyId}/micro-apps/${key}`;

beforeAll(async () => {
  w = await makeWorld();
  other = await makeWorld();
  [s, os] = await Promise.all([sessionsOf(w), sessionsOf(other)]);
  // Building 2 (resident "otherBuilding") moves to a second property of the same customer.
  const db = dbOf(w.jurisdiction);
  await db.batch([
    db
      .prepare("INSERT INTO properties (id, customer_id, name, external_id, created_at) VALUES (?, ?, 'Two', NULL, ?)")
      .bind(P2(), w.customerId, Date.now()),
    db.prepare("UPDATE buildings SET property_id = ? WHERE id = ?").bind(P2(), w.buildingIds[1]),
  ]);
});

async function rows(world: World) {
  const { results } = await dbOf(world.jurisdiction)
    .prepare(
      "SELECT property_id, app_key, enabled, custom_name FROM micro_apps WHERE customer_id = ? ORDER BY property_id, app_key",
    )
    .bind(world.customerId)
    .all();
  return results;
}

/** The apps the server says are on in one building, for this session (the web app's tabs). */
async function appsIn(session: string, buildingId: string) {
  const me = await send<MeApps>(w, session, "GET", "/api/me", 200);
  const groups = me.buildingApps.filter((g) => g.buildingIds.includes(buildingId));
  expect(groups, `building ${buildingId} in exactly one group`).toHaveLength(1);
  return groups[0]?.apps ?? [];
}
const keysIn = async (session: string, buildingId: string) => (await appsIn(session, buildingId)).map((a) => a.key);

async function status(session: string, path: string) {
  const res = await api(path, { app: w.slug, session });
  const code = res.status === 200 ? null : await errorCode(res);
  return { status: res.status, code };
}
const posts = (session: string, b: string) => status(session, `/api/buildings/${b}/posts`);
const OFF = { status: 403, code: "MICRO_APP_DISABLED" };
const ON = { status: 200, code: null };

describe("a missing row is on, for the server and for the app list alike", () => {
  it("lists every app as on for a customer with only a pinboard row, and the server agrees", async () => {
    const settings = await send<Settings>(w, s.admin, "GET", "/api/admin/micro-apps", 200);
    expect(settings.overrides).toEqual([]);
    expect(settings.apps).toHaveLength(10);
    expect(settings.apps.every((a) => a.enabled)).toBe(true);
    expect(settings.apps.find((a) => a.key === "pinboard")?.name).toBe("Board");
    // /api/me: customer-wide and per building, all ten on (onboarding writes rows; hand-made data may not).
    const me = await send<MeApps>(w, s.resident, "GET", "/api/me", 200);
    expect(me.apps.map((a) => a.key)).toContain("service-center");
    expect(await keysIn(s.resident, w.buildingIds[0])).toHaveLength(10);
    // The server treats the same missing row as on.
    expect(await status(s.resident, `/api/buildings/${w.buildingIds[0]}/documents`)).toEqual(ON);
  });

  it("lists only the resident's own buildings, and every building of the customer for an admin", async () => {
    const resident = await send<MeApps>(w, s.resident, "GET", "/api/me", 200);
    expect(resident.buildingApps.flatMap((g) => g.buildingIds)).toEqual([w.buildingIds[0]]);
    const admin = await send<MeApps>(w, s.admin, "GET", "/api/me", 200);
    expect(admin.buildingApps.flatMap((g) => g.buildingIds).sort()).toEqual([...w.buildingIds].sort());
  });
});

describe("many buildings", () => {
  it("lists every building of a customer with more buildings than one query may bind (D1: 100 parameters)", async () => {
    const big = await makeWorld();
    const admin = (await sessionsOf(big)).admin;
    const db = dbOf(big.jurisdiction);
    const extra = Array.from({ length: 120 }, (_, i) => `${big.customerId}-x${i}`);
    await db.batch(
      extra.map((id) =>
        db
          .prepare(
            "INSERT INTO buildings (id, customer_id, property_id, name, street, postal_code, city, country, created_at) VALUES (?, ?, ?, 'X', 'X', '8000', 'Zürich', 'CH', ?)",
          )
          .bind(id, big.customerId, big.propertyId, Date.now()),
      ),
    );
    const me = await send<MeApps>(big, admin, "GET", "/api/me", 200);
    expect(me.buildingApps).toHaveLength(1);
    expect(me.buildingApps[0]?.buildingIds.sort()).toEqual([...big.buildingIds, ...extra].sort());
  });
});

describe("override off for one property", () => {
  it("refuses the app to residents of that property, keeps it for residents elsewhere and for staff", async () => {
    expect(await posts(s.resident, w.buildingIds[0])).toEqual(ON);
    const after = await send<Settings>(w, s.admin, "PUT", overridePath(w.propertyId, "pinboard"), 200, {
      enabled: false,
      name: null,
    });
    expect(after.overrides).toEqual([{ propertyId: w.propertyId, key: "pinboard", enabled: false, name: null }]);
    // The customer-wide setting is unchanged.
    expect(after.apps.find((a) => a.key === "pinboard")).toEqual({ key: "pinboard", enabled: true, name: "Board" });

    expect(await posts(s.resident, w.buildingIds[0])).toEqual(OFF);
    expect(await posts(s.neighbour, w.buildingIds[0])).toEqual(OFF);
    expect(await keysIn(s.resident, w.buildingIds[0])).not.toContain("pinboard");
    // Residents of the other property: unaffected, on the API and in their list.
    expect(await posts(s.otherBuilding, w.buildingIds[1])).toEqual(ON);
    expect(await appsIn(s.otherBuilding, w.buildingIds[1])).toContainEqual({ key: "pinboard", name: "Board" });
    // Staff keep access for administration (decision 0035); their list shows what residents get there.
    expect(await posts(s.manager, w.buildingIds[0])).toEqual(ON);
    expect(await posts(s.admin, w.buildingIds[0])).toEqual(ON);
    expect(await keysIn(s.admin, w.buildingIds[0])).not.toContain("pinboard");
    expect(await keysIn(s.admin, w.buildingIds[1])).toContain("pinboard");
  });

  it('covers list endpoints without a building ("homes"): off where the resident lives, on elsewhere', async () => {
    await send(w, s.admin, "PUT", overridePath(w.propertyId, "service-center"), 200, { enabled: false, name: null });
    expect(await status(s.resident, "/api/tickets")).toEqual(OFF);
    expect(await status(s.otherBuilding, "/api/tickets")).toEqual(ON);
    await send(w, s.admin, "DELETE", overridePath(w.propertyId, "service-center"), 200);
    expect(await status(s.resident, "/api/tickets")).toEqual(ON);
  });

  it("clearing the override brings the customer setting back", async () => {
    const cleared = await send<Settings>(w, s.admin, "DELETE", overridePath(w.propertyId, "pinboard"), 200);
    expect(cleared.overrides).toEqual([]);
    expect(await posts(s.resident, w.buildingIds[0])).toEqual(ON);
    expect(await appsIn(s.resident, w.buildingIds[0])).toContainEqual({ key: "pinboard", name: "Board" });
    // Clearing what is not there is fine (idempotent) and writes nothing.
    const before = await rows(w);
    await send(w, s.admin, "DELETE", overridePath(w.propertyId, "pinboard"), 200);
    expect(await rows(w)).toEqual(before);
  });
});

describe("override on while the customer has the app off", () => {
  it("allows it for that property only, with the property's own name; clearing switches it off again", async () => {
    await send(w, s.admin, "PUT", "/api/customer/apps/pinboard", 200, { enabled: false, name: "Board" });
    expect(await posts(s.resident, w.buildingIds[0])).toEqual(OFF);
    expect(await posts(s.otherBuilding, w.buildingIds[1])).toEqual(OFF);

    await send(w, s.admin, "PUT", overridePath(w.propertyId, "pinboard"), 200, { enabled: true, name: "  Hof  " });
    expect(await posts(s.resident, w.buildingIds[0])).toEqual(ON);
    expect(await appsIn(s.resident, w.buildingIds[0])).toContainEqual({ key: "pinboard", name: "Hof" });
    expect(await posts(s.otherBuilding, w.buildingIds[1])).toEqual(OFF);
    expect(await keysIn(s.otherBuilding, w.buildingIds[1])).not.toContain("pinboard");

    // A second PUT updates the one row (no duplicate): forced on, the customer's name again.
    const again = await send<Settings>(w, s.admin, "PUT", overridePath(w.propertyId, "pinboard"), 200, {
      enabled: true,
      name: null,
    });
    expect(again.overrides).toEqual([{ propertyId: w.propertyId, key: "pinboard", enabled: true, name: null }]);
    expect(await appsIn(s.resident, w.buildingIds[0])).toContainEqual({ key: "pinboard", name: "Board" });
    expect((await rows(w)).filter((r) => r.app_key === "pinboard")).toHaveLength(2);

    await send(w, s.admin, "DELETE", overridePath(w.propertyId, "pinboard"), 200);
    expect(await posts(s.resident, w.buildingIds[0])).toEqual(OFF);
    await send(w, s.admin, "PUT", "/api/customer/apps/pinboard", 200, { enabled: true, name: "Board" });
    expect(await posts(s.resident, w.buildingIds[0])).toEqual(ON);
  });
});

describe("validation and tenancy: refused writes write nothing", () => {
  it("answers 400 for an unknown app, a bad name or an unknown field", async () => {
    const before = await rows(w);
    const bad = async (path: string, json: unknown) => {
      const res = await api(path, { app: w.slug, session: s.admin, method: "PUT", json });
      expect(res.status, path).toBe(400);
      expect(await errorCode(res)).toBe("VALIDATION_FAILED");
    };
    await bad(overridePath(w.propertyId, "chess-club"), { enabled: false, name: null });
    await bad(overridePath(w.propertyId, "pinboard"), { enabled: false, name: "x".repeat(61) });
    await bad(overridePath(w.propertyId, "pinboard"), { enabled: false, name: "   " });
    await bad(overridePath(w.propertyId, "pinboard"), { enabled: "no", name: null });
    await bad(overridePath(w.propertyId, "pinboard"), { enabled: false, name: null, propertyId: P2() });
    const del = await api(overridePath(w.propertyId, "chess-club"), {
      app: w.slug,
      session: s.admin,
      method: "DELETE",
    });
    expect(del.status).toBe(400);
    expect(await rows(w)).toEqual(before);
  });

  it("answers 404 for another customer's property or an unknown one, on their data and ours alike", async () => {
    // The other customer's property has an override of its own, which our admin must not touch.
    await send(other, os.admin, "PUT", `/api/admin/properties/${other.propertyId}/micro-apps/bookings`, 200, {
      enabled: false,
      name: "Theirs",
    });
    const [oursBefore, theirsBefore] = [await rows(w), await rows(other)];
    for (const method of ["PUT", "DELETE"]) {
      for (const propertyId of [other.propertyId, "no-such-property"]) {
        const res = await api(overridePath(propertyId, "bookings"), {
          app: w.slug,
          session: s.admin,
          method,
          ...(method === "PUT" ? { json: { enabled: true, name: "Hijacked" } } : {}),
        });
        expect(res.status, `${method} ${propertyId}`).toBe(404);
        const text = await res.text();
        expect(JSON.parse(text).error.code).toBe("NOT_FOUND");
        expect(text).not.toContain(other.customerId);
      }
    }
    expect(await rows(w)).toEqual(oursBefore);
    expect(await rows(other)).toEqual(theirsBefore);
    // Their list is theirs only.
    const mine = await send<Settings>(w, s.admin, "GET", "/api/admin/micro-apps", 200);
    expect(JSON.stringify(mine)).not.toContain(other.propertyId);
    expect(mine.apps.find((a) => a.key === "bookings")?.enabled).toBe(true);
  });

  it("refuses managers and residents (403) and anonymous callers (401)", async () => {
    const before = await rows(w);
    for (const [session, expected] of [
      [s.manager, 403],
      [s.resident, 403],
      [undefined, 401],
    ] as const) {
      for (const method of ["PUT", "DELETE"]) {
        const res = await api(overridePath(w.propertyId, "pinboard"), {
          app: w.slug,
          session,
          method,
          ...(method === "PUT" ? { json: { enabled: false, name: "Hijacked" } } : {}),
        });
        expect(res.status, `${method} as ${session === undefined ? "nobody" : "non-admin"}`).toBe(expected);
      }
      expect((await api("/api/admin/micro-apps", { app: w.slug, session })).status).toBe(expected);
    }
    expect(await rows(w)).toEqual(before);
  });
});
