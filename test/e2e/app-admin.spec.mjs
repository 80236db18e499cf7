// Customer admin (issue 6, item 3): the admin renames a micro-app and residents see the new name;
// the admin gives a resident a manager role and ends it again. The admin screen passes axe.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, latestMail, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("an admin renames the pinboard and a resident sees the new name", async () => {
  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const pinboard = admin.locator('form[data-app="pinboard"]');
  await pinboard.waitFor();
  await admin.waitForLoadState("networkidle");
  assert.deepEqual(await violations(admin), [], "admin screen");
  await shot(admin, "admin-apps");

  const name = `Hausbrett ${Date.now() % 100000}`;
  const previous = await pinboard.locator('input[name="name"]').inputValue();
  await pinboard.locator('input[name="name"]').fill(name);
  await pinboard.getByRole("button").click();
  await pinboard.locator(".status").filter({ hasText: /\S/ }).waitFor();
  // The admin's own tabs follow at once.
  await admin.locator("nav.tabs").getByRole("link", { name }).waitFor();

  const resident = await (await browser.newContext()).newPage();
  await loginViaForm(resident, "anna@demo.quartier.test", PASSWORD);
  await resident.goto(`${BASE}/app/${BUILDING}/pinboard`);
  const tab = resident.locator("nav.tabs").getByRole("link", { name });
  await tab.waitFor();
  assert.equal(await tab.getAttribute("aria-current"), "page");
  assert.equal(await resident.locator('a[href$="/admin"]').count(), 0, "no admin section for residents");
  await resident.context().close();

  // Put the demo's name back for the other specs and for people who look at the demo.
  await pinboard.locator('input[name="name"]').fill(previous);
  await pinboard.getByRole("button").click();
  await admin
    .locator("nav.tabs")
    .getByRole("link", { name: previous || /Pinboard|Pinnwand/ })
    .waitFor();
  await admin.context().close();
});

test("an admin gives a resident a manager role for a building and ends it", async () => {
  const admin = await (await browser.newContext()).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const form = admin.locator("form", { has: admin.locator("#grant-email") });
  await form.waitFor();
  await form.locator("#grant-email").fill("nobody-here@example.test");
  await form.locator("#grant-scope").selectOption(`building:${BUILDING}`);
  await form.locator('button[type="submit"]').click();
  await form.locator(".status").filter({ hasText: /\S/ }).waitFor();
  assert.equal(await admin.locator("li[data-role]", { hasText: "nobody-here" }).count(), 0);

  await form.locator("#grant-email").fill("beat@demo.quartier.test");
  await form.locator("#grant-scope").selectOption(`building:${BUILDING}`);
  await form.locator('button[type="submit"]').click();
  const row = admin
    .locator("li[data-role]", { hasText: "beat@demo.quartier.test" })
    .filter({ has: admin.locator("button") });
  await row.waitFor();

  const beat = await (await browser.newContext()).newPage();
  await loginViaForm(beat, "beat@demo.quartier.test", PASSWORD);
  await beat.goto(`${BASE}/app/${BUILDING}/manage`);
  await beat.locator('nav.tabs a[href$="/manage"]').waitFor();
  await shot(admin, "admin-staff");

  await row.getByRole("button").click();
  await admin
    .locator("li[data-role]", { hasText: "beat@demo.quartier.test" })
    .filter({ has: admin.locator("button") })
    .waitFor({ state: "detached" });
  await beat.reload();
  await beat.locator("main h1").waitFor();
  assert.equal(await beat.locator('nav.tabs a[href$="/manage"]').count(), 0, "the console is gone with the role");
  await beat.context().close();
  await admin.context().close();
});

test("an admin registers an API client, sees its secret once and revokes it", async () => {
  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const form = admin.locator("form", { has: admin.locator("#client-name") });
  await form.waitFor();
  const name = `ERP ${Date.now() % 100000}`;
  await form.locator("#client-name").fill(name);
  await form.locator('input[name="scopes"][value="master-data:read"]').check();
  await form.locator('button[type="submit"]').click();
  const secret = (await admin.locator("[data-client-secret]").innerText()).trim();
  const clientId = (await admin.locator("[data-client-id]").innerText()).trim();
  assert.ok(secret.length >= 20, "a secret is shown");
  const card = admin.locator(`li[data-client="${clientId}"]`);
  await card.waitFor();
  assert.deepEqual(await violations(admin), [], "API clients");
  await shot(admin, "admin-api-clients");

  // The secret works at the token endpoint, and no longer after the admin revokes the client.
  const grant = () =>
    admin.evaluate(
      async ([id, s]) =>
        (
          await fetch("/oauth/token", {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ grant_type: "client_credentials", client_id: id, client_secret: s }),
          })
        ).status,
      [clientId, secret],
    );
  assert.equal(await grant(), 200);
  admin.once("dialog", (d) => d.accept());
  await card.getByRole("button").click();
  await card.locator("button").waitFor({ state: "detached" });
  assert.equal(await grant(), 401);
  await admin.reload();
  await admin.locator(`li[data-client="${clientId}"]`).waitFor();
  assert.equal(await admin.locator("[data-client-secret]").count(), 0, "the secret is never shown again");
  await admin.context().close();
});

test("a resident's erasure appears in the admin's queue of data subject requests", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${BASE}/?lang=en`);
  const email = `leaving-${Date.now()}@example.test`;
  const pass = "a long passphrase to leave with";
  const registered = await page.evaluate(
    async ([e, p]) =>
      (
        await fetch("/api/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "Lea Leaving", email: e, password: p, locale: "en" }),
        })
      ).status,
    [email, pass],
  );
  assert.equal(registered, 202);
  const mail = await latestMail(page, email, "verify-email");
  const token = /token=([\w-]+)/.exec(mail.body)?.[1];
  assert.ok(token, "verification token");
  const post = (path, body) =>
    page.evaluate(
      async ([u, b]) =>
        (await fetch(u, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) }))
          .status,
      [path, body],
    );
  assert.equal(await post("/api/auth/verify-email", { token, password: pass }), 204);
  assert.equal(await post("/api/auth/login", { email, password: pass }), 200);
  const erased = await post("/api/me/erasure", { password: pass });
  assert.equal(erased, 202);
  await page.context().close();

  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const queue = admin.locator("section", { has: admin.locator("#dsr-title") });
  await queue.waitFor();
  // Done erasures leave the open queue: show all, then the newest erasure has a trail.
  await queue.getByRole("checkbox").uncheck();
  const item = queue.locator("li[data-dsr]").first();
  await item.waitFor();
  assert.ok((await queue.locator("li[data-dsr]").count()) >= 1);
  assert.doesNotMatch(await queue.innerText(), new RegExp(email), "the queue never shows the person's address");
  await queue.locator("li[data-dsr]").last().getByRole("button").first().click();
  await queue.locator("li[data-dsr] ol li").first().waitFor();
  assert.deepEqual(await violations(admin), [], "DSR queue");
  await shot(admin, "admin-dsr-queue");
  await admin.context().close();
});
