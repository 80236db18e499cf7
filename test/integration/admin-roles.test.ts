import { describe, expect, it } from "vitest";
import { loginAs } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api } from "../helpers/http";

/** Customer admins give staff roles (issue 6, item 3; R-T4): POST /api/roles. */

const grant = (w: World, session: string, json: unknown) => api("/api/roles", { app: w.slug, session, json });
const me = async (w: World, session: string) =>
  (await (await api("/api/me", { app: w.slug, session })).json()) as {
    roles: { admin: boolean; staff: boolean; managedBuildingIds: string[] };
  };

describe("POST /api/roles", () => {
  it("makes a resident the manager of one building, who then manages exactly that building", async () => {
    const w = await makeWorld();
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const res = await grant(w, admin, {
      email: w.emails.neighbour.toUpperCase(),
      role: "property_manager",
      scopeType: "building",
      scopeId: w.buildingIds[1],
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      userId: w.userIds.neighbour,
      email: w.emails.neighbour,
      role: "property_manager",
      scopeType: "building",
      scopeId: w.buildingIds[1],
      endsOn: null,
    });
    expect(Object.keys(body).sort()).toEqual(
      ["email", "endsOn", "id", "name", "role", "scopeId", "scopeType", "startsOn", "userId"].sort(),
    );
    const neighbour = await loginAs(w.slug, w.emails.neighbour, PASSWORD);
    expect((await me(w, neighbour)).roles).toEqual({
      admin: false,
      staff: true,
      managedBuildingIds: [w.buildingIds[1]],
    });
    const listed = (await (await api("/api/roles", { app: w.slug, session: admin })).json()) as { id: string }[];
    expect(listed.map((r) => r.id)).toContain(body.id);
  });

  it("makes another account a customer admin with the customer as scope", async () => {
    const w = await makeWorld();
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const res = await grant(w, admin, { email: w.emails.manager, role: "customer_admin", scopeType: "customer" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ scopeType: "customer", scopeId: w.customerId });
    const manager = await loginAs(w.slug, w.emails.manager, PASSWORD);
    expect((await me(w, manager)).roles.admin).toBe(true);
  });

  it("refuses roles that do not fit their scope with VALIDATION_FAILED, writing nothing", async () => {
    const w = await makeWorld();
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const bad = [
      { email: w.emails.resident, role: "customer_admin", scopeType: "property", scopeId: w.propertyId },
      { email: w.emails.resident, role: "property_manager", scopeType: "customer" },
      { email: w.emails.resident, role: "property_manager", scopeType: "property" },
      { email: w.emails.resident, role: "property_manager", scopeType: "unit", scopeId: w.unitIds[0] },
      {
        email: w.emails.resident,
        role: "property_manager",
        scopeType: "property",
        scopeId: w.propertyId,
        startsOn: "2030-01-02",
        endsOn: "2030-01-01",
      },
      { email: "not-an-address", role: "property_manager", scopeType: "property", scopeId: w.propertyId },
    ];
    for (const json of bad)
      expect(await envelopeOf(await grant(w, admin, json)), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    const resident = await loginAs(w.slug, w.emails.resident, PASSWORD);
    expect((await me(w, resident)).roles.staff).toBe(false);
  });

  it("answers 404 for an address without an account here and for another customer's property", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const unknown = {
      email: "nobody@example.test",
      role: "property_manager",
      scopeType: "property",
      scopeId: w.propertyId,
    };
    expect(await envelopeOf(await grant(w, admin, unknown))).toBe("NOT_FOUND");
    // The other customer's account and property are not reachable from this customer.
    const foreignPerson = { ...unknown, email: other.emails.resident };
    expect(await envelopeOf(await grant(w, admin, foreignPerson))).toBe("NOT_FOUND");
    const foreignProperty = { ...unknown, email: w.emails.resident, scopeId: other.propertyId };
    expect(await envelopeOf(await grant(w, admin, foreignProperty))).toBe("NOT_FOUND");
    const foreignBuilding = { ...foreignProperty, scopeType: "building", scopeId: other.buildingIds[0] };
    expect(await envelopeOf(await grant(w, admin, foreignBuilding))).toBe("NOT_FOUND");
    const otherAdmin = await loginAs(other.slug, other.emails.admin, PASSWORD);
    const roles = (await (await api("/api/roles", { app: other.slug, session: otherAdmin })).json()) as unknown[];
    expect(roles).toHaveLength(2);
  });

  it("is for customer admins only", async () => {
    const w = await makeWorld();
    const body = { email: w.emails.resident, role: "customer_admin", scopeType: "customer" };
    const manager = await loginAs(w.slug, w.emails.manager, PASSWORD);
    expect(await envelopeOf(await grant(w, manager, body))).toBe("FORBIDDEN");
    expect(await envelopeOf(await api("/api/roles", { app: w.slug, json: body }))).toBe("UNAUTHENTICATED");
  });
});
