// The rights of the privacy center in a real browser (R-P4 erasure, R-P5 restriction, R-P7 consent,
// R-P15 own requests): a fresh resident restricts processing and finds it kept after a reload, with
// the request in "My requests"; gives and withdraws a consent the same way; then deletes the account
// with the password, lands logged out on the home page and cannot log in any more.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, latestMail, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-2";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const post = (page, path, body) =>
  page.evaluate(
    async ([u, b]) =>
      (await fetch(u, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) }))
        .status,
    [path, body],
  );

/** A new resident of BUILDING: a code from the manager, sign-up with it, e-mail confirmed. */
async function freshResident(email, pass) {
  const manager = await (await browser.newContext()).newPage();
  await loginViaForm(manager, "manager@demo.quartier.test", PASSWORD);
  await post(manager, `/api/buildings/${BUILDING}/codes`, {});
  const codes = await manager.evaluate(async (b) => (await fetch(`/api/buildings/${b}/codes`)).json(), BUILDING);
  const code = codes.find((c) => c.status === "unused");
  assert.ok(code, "an unused code");
  await manager.context().close();

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${BASE}/?lang=en`);
  const signup = { code: code.code, name: "Rita Rights", email, password: pass, locale: "en" };
  assert.equal(await post(page, "/api/onboarding/signup", signup), 202);
  const token = /token=([\w-]+)/.exec((await latestMail(page, email, "verify-email")).body)?.[1];
  assert.ok(token, "verification token");
  assert.equal(await post(page, "/api/auth/verify-email", { token, password: pass }), 204);
  await page.context().close();
}

test("a resident restricts processing, manages a consent, sees her requests and deletes her account", async () => {
  const email = `rights-${Date.now()}@example.test`;
  const pass = "rita's long passphrase";
  await freshResident(email, pass);

  // The product's CSP forbids injected scripts; this context bypasses it for axe only.
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(page, email, pass);
  await page.goto(`${BASE}/app/${BUILDING}/privacy`);

  // Restriction: a labelled checkbox, state read back from the API after a reload.
  const restriction = page.getByLabel("Restrict processing of my data");
  await restriction.check();
  await page.locator('[data-restriction="restriction"] .meta', { hasText: "Active since" }).waitFor();
  await page.reload();
  await page.locator('[data-restriction="restriction"] .meta', { hasText: "Active since" }).waitFor();
  assert.equal(await page.getByLabel("Restrict processing of my data").isChecked(), true);
  assert.equal(await page.getByLabel("Object to direct marketing").isChecked(), false);
  // The restriction is one of her requests, with its state and a due date.
  const row = page.locator('#myrequests-title ~ table tr[data-request="restriction"]');
  await row.waitFor();
  assert.match(await row.innerText(), /Restriction/);

  // Consent: giving and withdrawing are one button each, read back from the API.
  // (The newsletter has its own double opt-in section, without a consent button.)
  assert.equal(await page.locator('[data-consent="newsletter"]').count(), 0);
  const chatbot = page.locator('[data-consent="chatbot"]');
  await chatbot.getByRole("button", { name: "Give consent" }).click();
  await chatbot.locator("[role=status]", { hasText: "Given on" }).waitFor();
  await chatbot.getByRole("button", { name: "Withdraw consent" }).click();
  await chatbot.locator("[role=status]", { hasText: "Withdrawn on" }).waitFor();
  await shot(page, "privacy-center-rights");

  // Deletion: explained, the password asked again, a wrong one is refused in her language.
  await page.getByRole("button", { name: "Delete my account…" }).click();
  // The opened form takes the focus, so keyboard users continue in the password field.
  assert.equal(await page.evaluate(() => document.activeElement?.id), "delete-password");
  await page.getByLabel("Enter your password again").fill("not my password");
  await page.getByLabel("I understand that this cannot be undone").check();
  // No serious or critical accessibility violations on the whole privacy center.
  assert.deepEqual(await violations(page), []);
  await page.getByRole("button", { name: "Delete my account now" }).click();
  await page.locator("#delete-form [role=alert]", { hasText: "The password is not correct." }).waitFor();
  await page.getByLabel("Enter your password again").fill(pass);
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/"),
    page.getByRole("button", { name: "Delete my account now" }).click(),
  ]);
  // Logged out: the session is gone, the home page is the login form.
  assert.equal(await page.evaluate(async () => (await fetch("/api/me")).status), 401);
  await page.locator('form[data-endpoint="/api/auth/login"]').waitFor();

  // And the account cannot log in again.
  const form = page.locator('form[data-endpoint="/api/auth/login"]');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(pass);
  await form.locator("button").click();
  await form.locator(".status").filter({ hasText: /\S/ }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/");
  assert.notEqual(await post(page, "/api/auth/login", { email, password: pass }), 200);
  await page.context().close();
});
