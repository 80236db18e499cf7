import { describe, expect, it } from "vitest";
import { countRows, dbOfWorld, freshEmail, loginAs } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { acceptForm, invitationFromMail, invite, listInvitations, openPage } from "../helpers/staff-invitations";

// R-T4, decision 0001: staff invitations are customer admins' business and stay inside the customer.
// Another customer's admin cannot see, resend or revoke them, a token works only on its own app, and
// invalid input is refused with a stable code before anything is written.

async function setup() {
  const a = await makeWorld();
  const b = await makeWorld();
  const aAdmin = await loginAs(a.slug, a.emails.admin, PASSWORD);
  const bAdmin = await loginAs(b.slug, b.emails.admin, PASSWORD);
  const email = freshEmail("invitee");
  const res = await invite(a, aAdmin, {
    email,
    role: "property_manager",
    scopeType: "property",
    scopeId: a.propertyId,
  });
  expect(res.status).toBe(201);
  const { invitation } = (await res.json()) as { invitation: { id: string } };
  const { token } = await invitationFromMail(a.slug, email);
  return { a, b, aAdmin, bAdmin, email, id: invitation.id, token };
}

const written = async (w: World) => {
  const db = dbOfWorld(w);
  return {
    invitations: await countRows(db, "SELECT count(*) AS n FROM staff_invitations WHERE customer_id = ?", w.customerId),
    mails: await countRows(db, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?", w.customerId),
    roles: await countRows(db, "SELECT count(*) AS n FROM role_assignments WHERE customer_id = ?", w.customerId),
  };
};

describe("staff invitations across customers", () => {
  it("another customer's admin can neither list, resend nor revoke them", async () => {
    const { a, b, bAdmin, id } = await setup();
    const before = await written(a);
    expect(await listInvitations(b, bAdmin)).toEqual([]);
    const resend = await api(`/api/staff-invitations/${id}/resend`, { app: b.slug, session: bAdmin, method: "POST" });
    expect(await envelopeOf(resend)).toBe("NOT_FOUND");
    const revoke = await api(`/api/staff-invitations/${id}`, { app: b.slug, session: bAdmin, method: "DELETE" });
    expect(await envelopeOf(revoke)).toBe("NOT_FOUND");
    // B's session on A's host is not a session there at all.
    const onA = await api("/api/staff-invitations", { app: a.slug, session: bAdmin });
    expect(await envelopeOf(onA)).toBe("UNAUTHENTICATED");
    expect(await written(a)).toEqual(before);
    const row = await dbOfWorld(a)
      .prepare("SELECT revoked_at, send_count FROM staff_invitations WHERE id = ?")
      .bind(id)
      .first();
    expect(row).toEqual({ revoked_at: null, send_count: 1 });
  });

  it("binds the token to its customer: on another app the link is unknown (404) and nothing is created", async () => {
    const { a, b, email, token } = await setup();
    expect((await openPage(b.slug, token)).status).toBe(404);
    const res = await acceptForm(b.slug, { token, name: "Wrong App", password: "a long enough password" });
    expect(res.status).toBe(404);
    expect(await countRows(dbOfWorld(b), "SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
    expect((await openPage(a.slug, token)).status).toBe(200);
  });

  it("invites an address that has an account at another customer like any new one, revealing nothing", async () => {
    const { a, b, aAdmin } = await setup();
    const res = await invite(a, aAdmin, { email: b.emails.admin, role: "customer_admin", scopeType: "customer" });
    expect(res.status).toBe(201);
    const body = JSON.stringify(await res.json());
    expect(body).not.toContain(b.customerId);
    expect(body).not.toMatch(/userId|granted/);
    const { token } = await invitationFromMail(a.slug, b.emails.admin);
    const accepted = await acceptForm(a.slug, { token, name: "Second Account", password: "a separate password here" });
    expect(accepted.status).toBe(303);
    // A second, separate account at A; B's account is untouched.
    expect(await countRows(dbOfWorld(a), "SELECT count(*) AS n FROM users WHERE email = ?", b.emails.admin)).toBe(2);
    await loginAs(b.slug, b.emails.admin, PASSWORD);
  });

  it("refuses other customers' properties and buildings (404), writing nothing", async () => {
    const { a, b, aAdmin } = await setup();
    const before = await written(a);
    const email = freshEmail("foreign");
    const property = await invite(a, aAdmin, {
      email,
      role: "property_manager",
      scopeType: "property",
      scopeId: b.propertyId,
    });
    expect(await envelopeOf(property)).toBe("NOT_FOUND");
    const building = await invite(a, aAdmin, {
      email,
      role: "property_manager",
      scopeType: "building",
      scopeId: b.buildingIds[0],
    });
    expect(await envelopeOf(building)).toBe("NOT_FOUND");
    expect(await written(a)).toEqual(before);
  });
});

describe("staff invitations: who may, and what input", () => {
  it("is for customer admins only (403 for managers and residents, 401 without a session)", async () => {
    const { a, id } = await setup();
    const body = { email: freshEmail("x"), role: "customer_admin", scopeType: "customer" };
    for (const who of [a.emails.manager, a.emails.resident]) {
      const session = await loginAs(a.slug, who, PASSWORD);
      expect(await envelopeOf(await invite(a, session, body))).toBe("FORBIDDEN");
      expect(await envelopeOf(await api("/api/staff-invitations", { app: a.slug, session }))).toBe("FORBIDDEN");
      const resend = await api(`/api/staff-invitations/${id}/resend`, { app: a.slug, session, method: "POST" });
      expect(await envelopeOf(resend)).toBe("FORBIDDEN");
      const revoke = await api(`/api/staff-invitations/${id}`, { app: a.slug, session, method: "DELETE" });
      expect(await envelopeOf(revoke)).toBe("FORBIDDEN");
    }
    expect(await envelopeOf(await api("/api/staff-invitations", { app: a.slug, json: body }))).toBe("UNAUTHENTICATED");
  });

  it("refuses bad input with VALIDATION_FAILED (400) and writes nothing", async () => {
    const { a, aAdmin } = await setup();
    const before = await written(a);
    const email = freshEmail("bad");
    const bad: unknown[] = [
      {},
      { email: "not-an-address", role: "customer_admin", scopeType: "customer" },
      { email, role: "owner", scopeType: "customer" },
      { email, role: "customer_admin", scopeType: "property", scopeId: a.propertyId },
      { email, role: "property_manager", scopeType: "customer" },
      { email, role: "property_manager", scopeType: "property" },
      { email, role: "property_manager", scopeType: "unit", scopeId: a.unitIds[0] },
      { email, role: "customer_admin", scopeType: "customer", language: "es" },
      { email, role: "customer_admin", scopeType: "customer", name: "" },
      { email, role: "customer_admin", scopeType: "customer", token: "chosen-by-client" },
      { email, role: "customer_admin", scopeType: "customer", expiresAt: "2099-01-01" },
    ];
    for (const json of bad) {
      expect(await envelopeOf(await invite(a, aAdmin, json)), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
    const text = await api("/api/staff-invitations", {
      app: a.slug,
      session: aAdmin,
      method: "POST",
      body: "email=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(await envelopeOf(text)).toBe("UNSUPPORTED_MEDIA_TYPE");
    const unknown = await api("/api/staff-invitations/no-such-id/resend", {
      app: a.slug,
      session: aAdmin,
      method: "POST",
    });
    expect(await envelopeOf(unknown)).toBe("NOT_FOUND");
    expect(await written(a)).toEqual(before);
  });
});
