// Before any consent (issue 6, item 5; R-P11; decision 0041): everything the browser holds is declared
// as strictly necessary, the privacy page lists it with its category, the way in (server-rendered,
// nothing optional) shows no consent banner, choosing a theme without consent stores nothing, and no
// request leaves the product's origin.
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

  // The privacy page declares what the product sets, with its category; read it as a visitor would.
  await page.goto(`${BASE}/privacy?lang=fr`);
  const declared = new Map(
    await page
      .locator("[data-declared]")
      .evaluateAll((rows) => rows.map((r) => [r.dataset.declared, r.dataset.category])),
  );
  assert.equal(declared.get("__Host-quartier_session"), "necessary");
  assert.equal(declared.get("quartier_lang"), "necessary");
  assert.equal(declared.get("quartier.consent"), "necessary");
  assert.equal(declared.get("quartier.prefs"), "preferences", "the one optional item is declared as such");
  // The four categories are explained; statistics and marketing are not used.
  const categories = await page
    .locator("[data-storage-category]")
    .evaluateAll((l) => l.map((e) => e.dataset.storageCategory));
  assert.deepEqual(categories, ["necessary", "preferences", "statistics", "marketing"]);
  const necessaryOnly = async (where) => {
    for (const c of await context.cookies()) {
      assert.equal(declared.get(c.name), "necessary", `${where}: cookie ${c.name} must be declared necessary`);
    }
    for (const key of await page.evaluate(() => Object.keys(localStorage))) {
      assert.equal(declared.get(key), "necessary", `${where}: localStorage key ${key} must be declared necessary`);
    }
  };
  await necessaryOnly("privacy page");

  // The way in is server-rendered and uses nothing optional: no consent banner there (decision 0041).
  await page.goto(`${BASE}/?lang=en`);
  assert.equal(await page.locator("[data-cookie-tool]").count(), 0, "no banner before login");

  await loginViaForm(page, "anna@demo.quartier.test", PASSWORD);
  await page.goto(`${BASE}/app/${BUILDING}/pinboard`);
  await page.locator('[data-status="online"]').waitFor();
  const text = `Nur notwendige Cookies ${Date.now()}`;
  await page.locator("#new-post").fill(text);
  await page.locator("form.compose").first().locator('button[type="submit"]').click();
  await page.locator(".post:not(.pending)", { hasText: text }).waitFor();
  await necessaryOnly("after login and a post");

  // No choice yet: the app asks, and a theme chosen meanwhile is not stored (page life only).
  await page.locator('[data-cookie-tool="ask"]').waitFor();
  await page.locator("[data-theme-switch]").selectOption("dark");
  await page.locator('html[data-theme="dark"]').waitFor();
  await page.waitForLoadState("networkidle");
  await necessaryOnly("after choosing a theme without consent");
  assert.equal(await page.evaluate(() => localStorage.getItem("quartier.prefs")), null);

  assert.deepEqual(
    [...origins].filter((o) => o !== new URL(BASE).origin),
    [],
    "requests to other origins",
  );
  await context.close();
});
