// The consent tool in a real browser (issue 6, item 5; R-P11 cookies, R-P7 consent ledger; decision
// 0041). A new resident sees the question on the first visit, answers "only necessary" by keyboard;
// a dark theme then lives for the page only (no `quartier.prefs`). Allowing preferences stores the
// theme at once and the ledger shows the consent in the privacy center; withdrawing deletes the key
// at once. axe finds nothing serious with the banner open, in the light and the dark theme.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, freshResident, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const prefsKey = (page) => page.evaluate(() => localStorage.getItem("quartier.prefs"));
const ledger = (page) => page.evaluate(async () => (await fetch("/api/me/consents")).json());
const active = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName, id: el?.id, text: el?.textContent?.trim() };
  });

test("first visit asks; only necessary stores no preference; allowing keeps the theme; withdrawing deletes it", async () => {
  const email = `consent-${Date.now()}@example.test`;
  const pass = "cora's long passphrase";
  await freshResident(browser, { building: BUILDING, name: "Cora Consent", email, password: pass });

  // The product's CSP forbids injected scripts; this context bypasses it for axe only.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await loginViaForm(page, email, pass);
  await page.goto(`${BASE}/app/${BUILDING}/pinboard`);

  // The question, on the first visit: a labelled region at the top, the app usable behind it.
  const banner = page.locator('section[data-cookie-tool="ask"]');
  await banner.waitFor();
  assert.equal(await banner.getByRole("heading", { name: "Cookies and storage" }).count(), 1);
  const only = banner.getByRole("button", { name: "Only necessary" });
  const choose = banner.getByRole("button", { name: "Choose" });
  // No dark pattern: both answers look the same (colour, size, weight).
  const look = (b) =>
    b.evaluate((el) => {
      const s = getComputedStyle(el);
      return [s.color, s.backgroundColor, s.fontSize, s.fontWeight, s.padding, s.borderWidth].join(" ");
    });
  assert.equal(await look(only), await look(choose));
  assert.equal(await page.locator("main h1").count(), 1, "the app is there, not blocked");
  assert.deepEqual(await violations(page), [], "banner open, light theme");

  // Keyboard only: Tab reaches the answers right after the skip link; Enter on "Choose" opens the
  // categories with the focus on the one choice there is; Escape folds them back without deciding.
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : null));
  for (let i = 0; i < 6 && (await active(page)).text !== "Choose"; i++) await page.keyboard.press("Tab");
  assert.equal((await active(page)).text, "Choose");
  await page.keyboard.press("Enter");
  assert.equal(await choose.getAttribute("aria-expanded"), "true");
  assert.equal((await active(page)).id, "cookie-preferences", "focus on the preferences checkbox");
  const categories = await banner
    .locator("[data-category]")
    .evaluateAll((l) => l.map((e) => [e.dataset.category, e.textContent]));
  assert.deepEqual(
    categories.map(([c]) => c),
    ["necessary", "preferences", "statistics", "marketing"],
  );
  assert.match(categories[1][1], /quartier\.prefs/, "the preferences category lists its item");
  assert.match(categories[2][1], /not used by Quartier/);
  assert.match(categories[3][1], /not used by Quartier/);
  assert.equal(await banner.getByLabel("Preferences", { exact: true }).isChecked(), false, "off until chosen");
  assert.deepEqual(await violations(page), [], "categories open, light theme");
  await shot(page, "consent-banner-choose");
  await page.keyboard.press("Escape");
  assert.equal(await choose.getAttribute("aria-expanded"), "false");
  assert.equal((await active(page)).text, "Choose");
  await page.keyboard.press("Shift+Tab");
  assert.equal((await active(page)).text, "Only necessary");
  await page.keyboard.press("Enter");
  await banner.waitFor({ state: "detached" });
  assert.equal((await active(page)).id, "main", "focus moves on to the content");
  await page.locator(".app-footer [role=status]", { hasText: "Your choice is saved." }).waitFor();
  let consents = await ledger(page);
  assert.deepEqual(
    consents.current.filter((d) => d.purpose === "cookies-preferences").map((d) => [d.granted, d.textVersion]),
    [[false, "cookies-2026-11"]],
    "the choice is in the ledger with its text version (R-P7)",
  );
  assert.ok(await page.evaluate(() => localStorage.getItem("quartier.consent")), "mirrored on the device");

  // "Only necessary": a dark theme applies, for this page only — nothing is stored.
  await page.getByRole("combobox", { name: "Theme" }).selectOption("dark");
  await page.locator('html[data-theme="dark"]').waitFor();
  assert.equal(await prefsKey(page), null, "no quartier.prefs without consent");
  assert.deepEqual(await violations(page), [], "dark theme");
  await page.reload();
  await page.locator('.app-footer[data-choice="necessary"]').waitFor();
  assert.equal(await page.locator("html").getAttribute("data-theme"), null, "gone after the page life");
  assert.equal(await page.locator("[data-cookie-tool]").count(), 0, "the question does not come back");

  // Changing the choice from the footer: dark first (memory), then allow preferences → kept at once.
  await page.getByRole("combobox", { name: "Theme" }).selectOption("dark");
  const footerButton = page.locator(".app-footer").getByRole("button", { name: "Cookies and storage" });
  await footerButton.click();
  const change = page.locator('section[data-cookie-tool="change"]');
  await change.waitFor();
  assert.equal((await active(page)).id, "cookie-tool-title", "focus moves to the opened panel");
  assert.deepEqual(await violations(page), [], "panel open, dark theme");
  await shot(page, "consent-panel-dark");
  await change.getByLabel("Preferences", { exact: true }).check();
  await change.getByRole("button", { name: "Save my choice" }).click();
  await change.waitFor({ state: "detached" });
  assert.equal((await active(page)).text, "Cookies and storage", "focus back on the footer button");
  assert.equal(await prefsKey(page), JSON.stringify({ theme: "dark" }), "the theme is kept once allowed");
  await page.reload();
  await page.locator('html[data-theme="dark"]').waitFor();

  // The privacy center shows the ledger's decision, its time and text version.
  await page.goto(`${BASE}/app/${BUILDING}/privacy`);
  const settings = page.locator('section[data-cookie-settings="preferences"]');
  await settings.waitFor();
  assert.match(
    await settings.locator("[role=status]").innerText(),
    /Your choice: preferences allowed \(since .+\) · text version cookies-2026-11/,
  );
  consents = await ledger(page);
  assert.deepEqual(
    consents.history.filter((d) => d.purpose === "cookies-preferences").map((d) => d.granted),
    [false, true],
    "both decisions kept",
  );

  // A second tab of the same browser, opened while preferences are allowed.
  const tab = await context.newPage();
  await tab.goto(`${BASE}/app/${BUILDING}/pinboard`);
  await tab.locator('html[data-theme="dark"]').waitFor();

  // Withdrawing (one button, as easy as giving): the key is deleted at once, without a reload.
  await settings.getByRole("button", { name: "Withdraw consent to preferences" }).click();
  await page.locator('section[data-cookie-settings="necessary"]').waitFor();
  assert.equal(await prefsKey(page), null, "quartier.prefs deleted at once");
  // The other tab follows the withdrawal: a theme chosen there is no longer stored.
  await tab.waitForFunction(() => JSON.parse(localStorage.getItem("quartier.consent") ?? "{}").preferences === false);
  await tab.getByRole("combobox", { name: "Theme" }).selectOption("light");
  await tab.locator('html[data-theme="light"]').waitFor();
  assert.equal(await prefsKey(tab), null, "nothing stored from the other tab after the withdrawal");
  await tab.close();
  assert.equal(await page.locator("html").getAttribute("data-theme"), "dark", "the page keeps its look meanwhile");
  await page.reload();
  await page.locator('section[data-cookie-settings="necessary"]').waitFor();
  assert.equal(await page.locator("html").getAttribute("data-theme"), null);
  assert.equal(await prefsKey(page), null);
  await context.close();

  // The choice is the person's, in the ledger: another browser does not ask again.
  const other = await (await browser.newContext()).newPage();
  await loginViaForm(other, email, pass);
  await other.locator("main h1").waitFor();
  // The ledger was read (its choice copied to this device) and the question stays away.
  await other.locator('.app-footer[data-choice="necessary"]').waitFor();
  assert.equal(await other.locator("[data-cookie-tool]").count(), 0);
  assert.match(await other.evaluate(() => localStorage.getItem("quartier.consent") ?? ""), /"preferences":false/);
  await other.context().close();
});

test("following a dark system setting, the main screens and the open question stay axe-clean", async () => {
  const context = await browser.newContext({ bypassCSP: true, colorScheme: "dark" });
  const page = await context.newPage();
  await loginViaForm(page, "manager@demo.quartier.test", PASSWORD);
  // The dark palette on the screens with the most surfaces (posts, chat, console, privacy center).
  for (const section of ["chat", "manage", "privacy", "pinboard"]) {
    await page.goto(`${BASE}/app/${BUILDING}/${section}`);
    await page.locator("main h1").waitFor();
    await page.waitForLoadState("networkidle");
    assert.deepEqual(await violations(page), [], `${section}, system dark theme`);
  }
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(17, 20, 24)", "the dark palette applies without any stored preference");
  assert.equal(await page.evaluate(() => localStorage.getItem("quartier.prefs")), null);
  // Open the panel (or find the question): either way the tool is shown in the dark theme.
  await page.locator('.app-footer:not([data-choice="unknown"])').waitFor();
  if ((await page.locator("[data-cookie-tool]").count()) === 0) {
    await page
      .locator(".app-footer")
      .getByRole("button", { name: /Cookie/ })
      .click();
  }
  await page.locator("[data-cookie-tool]").waitFor();
  assert.deepEqual(await violations(page), [], "system dark theme");
  await context.close();
});
