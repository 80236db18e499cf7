import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { countRows, dbOfWorld, freshEmail, loginAs, mailsTo } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { addProperty } from "../helpers/staff";
import {
  acceptForm,
  cookieOf,
  type InvitationDto,
  invitationFromMail,
  invite,
  listInvitations,
  openPage,
} from "../helpers/staff-invitations";

// Issue 6 item 3, R-T4, R-A2: a customer admin invites a new manager by e-mail; the invitee sets a
// name and password on the server-rendered page, which creates the account, grants the role in one
// batch and logs in. Single use, 7 days, revocable; the token exists only in the mail.

const NEW_PASSWORD = "a long and new manager passphrase";
const me = async (w: World, session: string) =>
  (await (await api("/api/me", { app: w.slug, session })).json()) as {
    email: string;
    name: string;
    locale: string;
    roles: { admin: boolean; staff: boolean; managedBuildingIds: string[] };
  };

async function invited(w: World, json: Record<string, unknown> = {}) {
  const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
  const email = freshEmail("manager");
  const res = await invite(w, admin, {
    email,
    role: "property_manager",
    scopeType: "property",
    scopeId: w.propertyId,
    ...json,
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { outcome: string; invitation: InvitationDto };
  expect(body.outcome).toBe("invited");
  const { token, lang, mail } = await invitationFromMail(w.slug, email);
  return { admin, email, invitation: body.invitation, token, lang, mail };
}

describe("inviting a new manager (decision 0039)", () => {
  it("mails a link; accepting creates the account, grants exactly the invited property and logs in", async () => {
    const w = await makeWorld();
    const other = await addProperty(w);
    const { email, invitation, token, lang, mail } = await invited(w, { name: "Mia Muster", language: "fr" });
    expect(invitation).toMatchObject({ email, name: "Mia Muster", language: "fr", status: "pending", sendCount: 1 });
    expect(Object.keys(invitation)).not.toContain("token");
    // In the invitee's language, with the admin's name and the property's name; valid 7 days.
    expect(lang).toBe("fr");
    expect(mail.subject).toMatch(/^Invitation à Customer /);
    expect(mail.body).toContain(`Property ${w.propertyId.slice(5)}`);
    expect(new Date(invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);
    // Only the hash is stored.
    const row = await dbOfWorld(w)
      .prepare("SELECT * FROM staff_invitations WHERE id = ?")
      .bind(invitation.id)
      .first<Record<string, unknown>>();
    expect(row?.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const page = await openPage(w.slug, token, "fr");
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain(email);
    expect(html).not.toMatch(/<script>|onclick=|style="/);
    // A plain form post must carry the app's Origin for the CSRF guard (see the page's comment).
    expect(html).toContain('<meta name="referrer" content="same-origin">');

    const res = await acceptForm(w.slug, { token, name: "Mia Muster", password: NEW_PASSWORD }, "fr");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/app/");
    const session = cookieOf(res);
    expect(session).toBeTruthy();
    const who = await me(w, session ?? "");
    expect(who).toMatchObject({ email, name: "Mia Muster", locale: "fr" });
    expect(who.roles).toEqual({ admin: false, staff: true, managedBuildingIds: [...w.buildingIds].sort() });
    expect(who.roles.managedBuildingIds).not.toContain(other.buildingId);
    // The address is verified by using the link: the password logs in at once.
    await loginAs(w.slug, email, NEW_PASSWORD);
    const units = await api(`/api/buildings/${w.buildingIds[0]}/units`, { app: w.slug, session });
    expect(units.status).toBe(200);
    const foreign = await api(`/api/buildings/${other.buildingId}/units`, { app: w.slug, session });
    expect([403, 404]).toContain(foreign.status);
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    expect(await listInvitations(w, admin)).toEqual([]);
  });

  it("works once: a second use, and one of two concurrent uses, get the 'already accepted' page", async () => {
    const w = await makeWorld();
    const { email, token } = await invited(w);
    const [a, b] = await Promise.all([
      acceptForm(w.slug, { token, name: "First", password: NEW_PASSWORD }),
      acceptForm(w.slug, { token, name: "Second", password: "another long passphrase" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([303, 410]);
    const loser = a.status === 410 ? a : b;
    expect(await loser.text()).toContain("already accepted");
    expect(cookieOf(loser)).toBeUndefined();
    const db = dbOfWorld(w);
    expect(await countRows(db, "SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(1);
    expect(
      await countRows(
        db,
        "SELECT count(*) AS n FROM role_assignments r JOIN users u ON u.id = r.user_id WHERE u.email = ?",
        email,
      ),
    ).toBe(1);
    const again = await acceptForm(w.slug, { token, name: "Third", password: NEW_PASSWORD });
    expect(again.status).toBe(410);
    expect((await openPage(w.slug, token)).status).toBe(410);
    expect(
      await countRows(
        db,
        "SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
        email,
      ),
    ).toBe(1);
  });

  it("an expired link shows the expiry page (410) and writes nothing; a resend gives a new link", async () => {
    const w = await makeWorld();
    const { admin, email, invitation, token } = await invited(w);
    const db = dbOfWorld(w);
    await db
      .prepare("UPDATE staff_invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, invitation.id)
      .run();
    const page = await openPage(w.slug, token);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("has expired");
    expect((await acceptForm(w.slug, { token, name: "Late", password: NEW_PASSWORD })).status).toBe(410);
    expect(await countRows(db, "SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
    expect((await listInvitations(w, admin))[0]).toMatchObject({ id: invitation.id, status: "expired" });

    const resent = await api(`/api/staff-invitations/${invitation.id}/resend`, {
      app: w.slug,
      session: admin,
      method: "POST",
    });
    expect(resent.status).toBe(200);
    expect(await resent.json()).toMatchObject({ id: invitation.id, status: "pending", sendCount: 2 });
    const fresh = await invitationFromMail(w.slug, email);
    expect(fresh.token).not.toBe(token);
    // The earlier link is gone with its hash.
    expect((await openPage(w.slug, token)).status).toBe(404);
    expect((await acceptForm(w.slug, { token: fresh.token, name: "On Time", password: NEW_PASSWORD })).status).toBe(
      303,
    );
  });

  it("a revoked link shows the withdrawn page (410); revoked invitations cannot be resent", async () => {
    const w = await makeWorld();
    const { admin, email, invitation, token } = await invited(w);
    const del = () => api(`/api/staff-invitations/${invitation.id}`, { app: w.slug, session: admin, method: "DELETE" });
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(204);
    const page = await openPage(w.slug, token);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("withdrawn");
    expect((await acceptForm(w.slug, { token, name: "Nope", password: NEW_PASSWORD })).status).toBe(410);
    expect(await countRows(dbOfWorld(w), "SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
    expect(await listInvitations(w, admin)).toEqual([]);
    const resend = await api(`/api/staff-invitations/${invitation.id}/resend`, {
      app: w.slug,
      session: admin,
      method: "POST",
    });
    expect(await envelopeOf(resend)).toBe("INVITATION_ENDED");
  });

  it("an accepted invitation cannot be revoked (end the role instead)", async () => {
    const w = await makeWorld();
    const { admin, invitation, token } = await invited(w);
    expect((await acceptForm(w.slug, { token, name: "Kim", password: NEW_PASSWORD })).status).toBe(303);
    const del = await api(`/api/staff-invitations/${invitation.id}`, { app: w.slug, session: admin, method: "DELETE" });
    expect(await envelopeOf(del)).toBe("INVITATION_ENDED");
  });

  it("gives an active account of the customer the role at once, with a notice mail", async () => {
    const w = await makeWorld();
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const res = await invite(w, admin, {
      email: w.emails.otherBuilding.toUpperCase(),
      role: "property_manager",
      scopeType: "building",
      scopeId: w.buildingIds[0],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      outcome: "granted",
      role: { userId: w.userIds.otherBuilding, scopeType: "building", scopeId: w.buildingIds[0], endsOn: null },
    });
    const notice = (await mailsTo(w.slug, w.emails.otherBuilding)).find((m) => m.template === "staff-role-granted");
    expect(notice?.subject).toMatch(/^New role on /);
    expect(
      await countRows(dbOfWorld(w), "SELECT count(*) AS n FROM staff_invitations WHERE customer_id = ?", w.customerId),
    ).toBe(0);
    const session = await loginAs(w.slug, w.emails.otherBuilding, PASSWORD);
    expect((await me(w, session)).roles.managedBuildingIds).toEqual([w.buildingIds[0]]);
  });

  it("completes an unconfirmed registration of the address; its old verification link dies", async () => {
    const w = await makeWorld();
    const email = freshEmail("pending");
    expect(
      (await api("/api/auth/register", { app: w.slug, json: { name: "Pat", email, password: "registered before" } }))
        .status,
    ).toBe(202);
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const res = await invite(w, admin, { email, role: "customer_admin", scopeType: "customer" });
    expect(res.status).toBe(201);
    const link = await invitationFromMail(w.slug, email);
    const accepted = await acceptForm(w.slug, { token: link.token, name: "Pat Admin", password: NEW_PASSWORD });
    expect(accepted.status).toBe(303);
    const who = await me(w, cookieOf(accepted) ?? "");
    expect(who.roles.admin).toBe(true);
    const db = dbOfWorld(w);
    expect(await countRows(db, "SELECT count(*) AS n FROM users WHERE email = ? AND status = 'active'", email)).toBe(1);
    expect(
      await countRows(
        db,
        "SELECT count(*) AS n FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = ? AND t.used_at IS NULL",
        email,
      ),
    ).toBe(0);
  });

  it("refuses a second pending invitation for the same address, role and scope (INVITATION_PENDING)", async () => {
    const w = await makeWorld();
    const { admin, email } = await invited(w);
    const again = await invite(w, admin, {
      email,
      role: "property_manager",
      scopeType: "property",
      scopeId: w.propertyId,
    });
    expect(await envelopeOf(again)).toBe("INVITATION_PENDING");
    // Another scope is another invitation.
    const building = await invite(w, admin, {
      email,
      role: "property_manager",
      scopeType: "building",
      scopeId: w.buildingIds[1],
    });
    expect(building.status).toBe(201);
    expect(await listInvitations(w, admin)).toHaveLength(2);
  });

  it("re-renders the form with the reason for a short password or an empty name (400), writing nothing", async () => {
    const w = await makeWorld();
    const { email, token } = await invited(w);
    const short = await acceptForm(w.slug, { token, name: "Short", password: "1234567" });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("between 8 and 256");
    const noName = await acceptForm(w.slug, { token, name: "  ", password: NEW_PASSWORD });
    expect(noName.status).toBe(400);
    expect(await noName.text()).toContain("enter your name");
    expect(await countRows(dbOfWorld(w), "SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
    expect((await openPage(w.slug, token)).status).toBe(200);
    expect((await openPage(w.slug, "not-a-token")).status).toBe(404);
  });
});
