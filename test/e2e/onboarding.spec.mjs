// User journey (issue 3): a manager creates activation codes for a building, prints the letters
// (rendered to PDF and read back), and a new resident signs up through the personal link on a
// letter, confirms the e-mail from the dev mail viewer and sees their building.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BASE, latestMail, launch, loginViaForm, SHOTS, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-2"; // Limmatstrasse 14 (seeded)
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a manager prints one letter page per code, each with building, unit, code, link and QR code", async () => {
  const page = await (await browser.newContext()).newPage();
  await loginViaForm(page, "manager@demo.quartier.test", PASSWORD);
  const created = await page.evaluate(async (b) => {
    const r = await fetch(`/api/buildings/${b}/codes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    return { status: r.status, body: await r.json() };
  }, BUILDING);
  assert.equal(created.status, 201);
  const listed = await page.evaluate(async (b) => (await fetch(`/api/buildings/${b}/codes`)).json(), BUILDING);
  const printable = listed.filter((c) => c.status === "unused" || c.status === "sent");
  assert.ok(printable.length >= 1, "codes to print");

  await page.goto(`${BASE}/print/buildings/${BUILDING}`);
  const letters = page.locator("article.letter");
  assert.equal(await letters.count(), printable.length);
  const first = letters.first();
  const text = await first.innerText();
  assert.match(text, /Limmatstrasse 14/);
  assert.match(text, /[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/);
  assert.match(text, new RegExp(`${BASE}/signup\\?code=`));
  assert.equal(await first.locator("svg").count(), 1, "QR code");
  await shot(page, "letters-building");

  const pdf = await page.pdf({ format: "A4", printBackground: true });
  writeFileSync(join(SHOTS, "letters-building.pdf"), pdf);
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, printable.length, "one PDF page per letter");
  await page.context().close();
});

test("a new resident signs up with the link from a letter, confirms the e-mail and sees the building", async () => {
  const manager = await (await browser.newContext()).newPage();
  await loginViaForm(manager, "manager@demo.quartier.test", PASSWORD);
  const listed = await manager.evaluate(async (b) => (await fetch(`/api/buildings/${b}/codes`)).json(), BUILDING);
  const code = listed.find((c) => c.status === "unused");
  assert.ok(code, "an unused code");
  await manager.goto(`${BASE}/print/codes/${code.id}`);
  const link = (await manager.locator(".letter .link").innerText()).trim();
  await manager.context().close();

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${link}&lang=en`);
  assert.match(await page.locator("main").innerText(), /Limmatstrasse 14/);
  const email = `newcomer-${Date.now()}@example.test`;
  const form = page.locator('form[data-endpoint="/api/onboarding/signup"]');
  await form.locator('input[name="name"]').fill("Nora Newcomer");
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill("nora's long passphrase");
  await form.locator("button").click();
  await page
    .locator("form .status")
    .first()
    .filter({ hasText: /confirm/i })
    .waitFor();
  await shot(page, "signup-done");

  const mail = await latestMail(page, email, "verify-email");
  const verifyLink = /https?:\/\/\S+\/verify-email\?token=\S+/.exec(mail.body)?.[0];
  assert.ok(verifyLink, "verification link in the mail");
  await page.goto(`${verifyLink}&lang=en`);
  const verify = page.locator('form[data-endpoint="/api/auth/verify-email"]');
  await verify.locator('input[name="password"]').fill("nora's long passphrase");
  await verify.locator("button").click();
  await verify
    .locator(".status")
    .filter({ hasText: /Confirmed/ })
    .waitFor();

  // Logged in, the home is the app: their building's address, and their name in the account menu.
  await loginViaForm(page, email, "nora's long passphrase");
  await page.locator("main h1").waitFor();
  assert.match(await page.locator("main .address").innerText(), /Limmatstrasse 14/);
  assert.match(await page.locator("header .account > button").innerText(), /Nora Newcomer/);
  await shot(page, "signed-up-home");

  // The code was single use: the same link now says it is not valid.
  const again = await (await browser.newContext()).newPage();
  await again.goto(`${link}&lang=en`);
  assert.doesNotMatch(await again.locator("main").innerText(), /You are joining/);
  await again.context().close();
});

test("the home page carries the CSP and security headers", async () => {
  const page = await (await browser.newContext()).newPage();
  const res = await page.goto(`${BASE}/`);
  const h = res.headers();
  assert.match(h["content-security-policy"] ?? "", /script-src 'self'/);
  assert.match(h["strict-transport-security"] ?? "", /max-age=31536000/);
  assert.equal(h["x-content-type-options"], "nosniff");
  await page.context().close();
});
