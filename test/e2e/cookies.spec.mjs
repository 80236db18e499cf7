// Before any consent (issue 6, item 5; R-P11): everything the browser holds is declared as strictly
// necessary, the privacy page lists it, and no request leaves the product's origin.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, launch, loginViaForm } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a visit, a login and a post leave only declared, necessary cookies and storage, all first-party", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const origins = new Set();
  context.on("request", (r) => origins.add(new URL(r.url()).origin));
  page.on("websocket", (ws) => origins.add(new URL(ws.url()).origin.replace(/^ws/, "http")));

  // The privacy page declares what the product sets; read its list as a visitor would.
  await page.goto(`${BASE}/privacy?lang=fr`);
  const declared = await page.locator("[data-declared]").evaluateAll((rows) => rows.map((r) => r.dataset.declared));
  assert.ok(declared.includes("__Host-quartier_session") && declared.includes("quartier_lang"), declared.join(", "));

  await loginViaForm(page, "anna@demo.quartier.test", PASSWORD);
  await page.goto(`${BASE}/app/${BUILDING}/pinboard`);
  await page.locator('[data-status="online"]').waitFor();
  const text = `Nur notwendige Cookies ${Date.now()}`;
  await page.locator("#new-post").fill(text);
  await page.locator("form.compose").first().locator('button[type="submit"]').click();
  await page.locator(".post:not(.pending)", { hasText: text }).waitFor();

  const cookies = (await context.cookies()).map((c) => c.name);
  for (const name of cookies) assert.ok(declared.includes(name), `undeclared cookie ${name}`);
  const keys = await page.evaluate(() => Object.keys(localStorage));
  for (const key of keys) assert.ok(declared.includes(key), `undeclared localStorage key ${key}`);
  assert.deepEqual(
    [...origins].filter((o) => o !== new URL(BASE).origin),
    [],
    "requests to other origins",
  );
  await context.close();
});
