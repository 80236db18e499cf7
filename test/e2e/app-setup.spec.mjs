// Customer settings in a real browser (issues 6 and 8): the admin adds and edits a ticket category and
// a service provider, and registers a webhook endpoint whose signing secret is shown once. Axe-checked.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

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

const getJson = (page, path) => page.evaluate(async (p) => (await fetch(p)).json(), path);

test("an admin adds, edits and retires a ticket category and adds a service provider (R-M3)", async () => {
  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const name = `Lift ${stamp}`;
  const create = admin.locator("form", { has: admin.locator("#category-new-name") });
  await create.waitFor();
  await create.locator("#category-new-name").fill(name);
  await create.locator("#category-new-hours").fill("48");
  await create.locator('button[type="submit"]').click();
  const card = admin.locator("li[data-category]", { has: admin.locator("legend", { hasText: name }) });
  await card.waitFor();
  let category = (await getJson(admin, "/api/ticket-categories")).find((c) => c.name === name);
  assert.equal(category?.deadlineHours, 48);

  // Edit name and deadline in place.
  const renamed = `${name} und Treppenhaus`;
  await card.locator('input[name="name"]').fill(renamed);
  await card.locator('input[name="deadlineHours"]').fill("24");
  await card.locator('button[type="submit"]').click();
  const edited = admin.locator("li[data-category]", { has: admin.locator("legend", { hasText: renamed }) });
  await edited.waitFor();
  category = (await getJson(admin, "/api/ticket-categories")).find((c) => c.id === category.id);
  assert.deepEqual([category.name, category.deadlineHours], [renamed, 24]);

  // A service provider.
  const company = `Sanitär Muster ${stamp} AG`;
  const provider = admin.locator("form", { has: admin.locator("#provider-new-name") });
  await provider.locator("#provider-new-name").fill(company);
  await provider.locator("#provider-new-email").fill(`auftrag-${stamp}@sanitaer.example`);
  await provider.locator("#provider-new-trade").fill("Sanitär");
  await provider.locator('button[type="submit"]').click();
  const row = admin.locator("li[data-provider]", { has: admin.locator("legend", { hasText: company }) });
  await row.waitFor();
  await row.locator('input[name="trade"]').fill("Sanitär und Heizung");
  await row.locator('button[type="submit"]').click();
  await row.locator(".status").filter({ hasText: /\S/ }).waitFor();
  const saved = (await getJson(admin, "/api/service-providers")).find((p) => p.name === company);
  assert.equal(saved?.trade, "Sanitär und Heizung");
  await admin.waitForLoadState("networkidle");
  assert.deepEqual(await violations(admin), [], "categories and providers");
  await shot(admin, "admin-ticket-setup");

  // Retire the category: it leaves the list residents choose from, stays listed here and comes back.
  admin.once("dialog", (d) => d.accept());
  await edited.locator("button.secondary").click();
  await admin.locator(`li[data-category="${category.id}"][data-archived]`).waitFor();
  assert.deepEqual(await violations(admin), [], "a retired category");
  const offered = (await getJson(admin, "/api/ticket-categories")).map((c) => c.id);
  assert.ok(!offered.includes(category.id), "retired category is no longer offered");
  await edited.locator("button.secondary").click();
  await admin.locator(`li[data-category="${category.id}"]:not([data-archived])`).waitFor();
  const back = (await getJson(admin, "/api/ticket-categories")).map((c) => c.id);
  assert.ok(back.includes(category.id), "reinstated category is offered again");
  await admin.context().close();
});

test("an admin adds a webhook endpoint, sees its secret once, rotates it, switches it off and deletes it (R-I3)", async () => {
  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  await admin.goto(`${BASE}/app/${BUILDING}/admin`);
  const form = admin.locator("form", { has: admin.locator("#webhook-url") });
  await form.waitFor();
  const url = `https://erp.example.com/hooks/quartier-${stamp}`;
  await form.locator("#webhook-url").fill(url);
  await form.locator("#webhook-description").fill("ERP");
  await form.locator('input[name="entities"][value="unit"]').check();
  await form.locator('input[name="entities"][value="utilisation-period"]').check();
  await form.locator('button[type="submit"]').click();
  const secret = (await admin.locator("[data-webhook-secret]").innerText()).trim();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
  const card = admin.locator("li[data-webhook]", { hasText: url });
  await card.waitFor();
  assert.equal(await card.locator('[data-webhook-state="enabled"]').count(), 1);
  assert.deepEqual(await violations(admin), [], "webhooks with the secret shown");
  await shot(admin, "admin-webhooks");

  // Never shown again after a reload; the list never carries secrets.
  await admin.reload();
  await card.waitFor();
  assert.equal(await admin.locator("[data-webhook-secret]").count(), 0, "the secret is shown once");
  const listed = await getJson(admin, "/api/webhooks");
  assert.ok(!JSON.stringify(listed).includes(secret), "the list never carries the secret");

  // Rotation shows a new secret once; the old one keeps signing for a while.
  admin.once("dialog", (d) => d.accept());
  await card.getByRole("button", { name: /Schlüssel|secret/i }).click();
  const rotated = (await admin.locator("[data-webhook-secret]").innerText()).trim();
  assert.match(rotated, /^whsec_/);
  assert.notEqual(rotated, secret);
  await card.locator(".meta", { hasText: /alter Schlüssel|old secret/ }).waitFor();

  // Recent deliveries (none yet), then switch off, then delete.
  await card.getByRole("button", { name: /Zustellungen|deliveries/i }).click();
  await card.locator(".empty").waitFor();
  await card.getByRole("button", { name: /Abschalten|Switch off/i }).click();
  await card.locator('[data-webhook-state="manual"]').waitFor();
  admin.once("dialog", (d) => d.accept());
  await card.getByRole("button", { name: /Löschen|Delete/i }).click();
  await card.waitFor({ state: "detached" });
  assert.equal((await getJson(admin, "/api/webhooks")).filter((w) => w.url === url).length, 0);
  await admin.context().close();
});
