// The rights of the privacy center in a real browser (R-P4 erasure, R-P5 restriction, R-P7 consent,
// R-P15 own requests): a fresh resident restricts processing and finds it kept after a reload, with
// the request in "My requests"; gives and withdraws a consent the same way; then deletes the account
// with the password, lands logged out on the home page and cannot log in any more.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, freshResident, launch, loginViaForm, postJson, shot } from "./browser.mjs";

const BUILDING = "demo-ch-building-2";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a resident restricts processing, manages a consent, sees her requests and deletes her account", async () => {
  const email = `rights-${Date.now()}@example.test`;
  const pass = "rita's long passphrase";
  await freshResident(browser, { building: BUILDING, name: "Rita Rights", email, password: pass });

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
  assert.notEqual(await postJson(page, "/api/auth/login", { email, password: pass }), 200);
  await page.context().close();
});
