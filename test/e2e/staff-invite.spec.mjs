// Staff invitations in a real browser (issue 6 item 3, decision 0039): the admin invites a new manager
// from Customer settings, the link is read from the dev mail viewer, the invitee sets a password on
// the server-rendered page (with its CSP: no script needed) and lands in the manager console. A second
// invitation is withdrawn and its link then says so. The new screens pass axe.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, latestMail, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
const stamp = Date.now() % 1_000_000;
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Fills and sends the invite form; resolves when the pending list shows the address. */
async function inviteFromConsole(admin, email, name) {
  const form = admin.locator("form", { has: admin.locator("#invite-email") });
  await form.waitFor();
  await form.locator("#invite-email").fill(email);
  await form.locator("#invite-name").fill(name);
  await form.locator("#invite-role").selectOption("property_manager");
  await form.locator("#invite-scope").selectOption(`building:${BUILDING}`);
  await form.locator("#invite-language").selectOption("en");
  await form.locator('button[type="submit"]').click();
  await form.locator(".status").filter({ hasText: /\S/ }).waitFor();
  const card = admin.locator("li[data-invitation]", { hasText: email });
  await card.waitFor();
  return card;
}

/** The link of the newest invitation mail to `email`, from the dev mail viewer's JSON twin. */
async function linkFor(page, email) {
  const mail = await latestMail(page, email, "staff-invitation");
  const link = /https?:\/\/\S+\/staff-invitation\?token=[\w%-]+&lang=\w+/.exec(mail.body)?.[0];
  assert.ok(link, "the mail carries the invitation link");
  return new URL(link).pathname + new URL(link).search;
}

test("an admin invites a manager, who sets a password and opens the manager console", async () => {
  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const email = `new-manager-${stamp}@example.test`;
  const card = await inviteFromConsole(admin, email, "Nina Neu");
  assert.equal(await card.locator('button[data-action="resend"]').count(), 1);
  await admin.waitForLoadState("networkidle");
  assert.deepEqual(await violations(admin), [], "staff screen with the invite form and pending invitations");
  await shot(admin, "admin-staff-invitations");
  const path = await linkFor(admin, email);

  // The invitee: a fresh browser with the product's CSP in force (nothing on the page needs script).
  const invitee = await (await browser.newContext()).newPage();
  const errors = [];
  invitee.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await invitee.goto(`${BASE}${path}`);
  await invitee.locator("h1").waitFor();
  assert.equal(await invitee.getAttribute("html", "lang"), "en");
  assert.match(await invitee.locator("main").innerText(), new RegExp(email));
  await invitee.locator('input[name="name"]').fill("Nina Neu");
  await invitee.locator('input[name="password"]').fill("nina's long new passphrase");
  await Promise.all([invitee.waitForURL(`${BASE}/app/**`), invitee.locator('button[type="submit"]').click()]);
  await invitee.goto(`${BASE}/app/${BUILDING}/manage`);
  await invitee.locator('nav.tabs a[href$="/manage"]').waitFor();
  assert.equal(await invitee.locator('a[href$="/admin"]').count(), 0, "a manager, not an admin");
  assert.deepEqual(
    errors.filter((e) => /Content Security Policy/i.test(e)),
    [],
    "no CSP violation on the way in",
  );

  // The link works once: opened again it says so (410).
  const again = await invitee.goto(`${BASE}${path}`);
  assert.equal(again?.status(), 410);
  await invitee.context().close();

  // The invitation left the pending list; the new manager is in the roles list.
  await admin.reload();
  await admin.locator("li[data-role]", { hasText: email }).waitFor();
  assert.equal(await admin.locator("li[data-invitation]", { hasText: email }).count(), 0);
  await admin.context().close();
});

test("a withdrawn invitation's link shows the withdrawn page; the page passes axe", async () => {
  const admin = await (await browser.newContext()).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const email = `withdrawn-${stamp}@example.test`;
  const card = await inviteFromConsole(admin, email, "Walter Weg");
  const path = await linkFor(admin, email);

  const invitee = await (await browser.newContext({ bypassCSP: true })).newPage();
  await invitee.goto(`${BASE}${path}`);
  await invitee.locator('input[name="password"]').waitFor();
  assert.deepEqual(await violations(invitee), [], "invitation page");
  await shot(invitee, "staff-invitation-page");

  await card.locator('button[data-action="revoke"]').click();
  await card.waitFor({ state: "detached" });
  const res = await invitee.goto(`${BASE}${path}`);
  assert.equal(res?.status(), 410);
  assert.match(await invitee.locator("[role=alert]").innerText(), /withdrawn/);
  assert.deepEqual(await violations(invitee), [], "withdrawn page");
  await invitee.context().close();
  await admin.context().close();
});
