// Languages across the way in and the app (issue 6, items 2 and 4; decision 0026): the choice on
// the login page is kept before login (declared cookie `quartier_lang`), logged in "/" is the app,
// the app's switch is kept in the account (it survives a reload and a new device), and logging out
// shows the login page in the language the person was using. Screenshots per language and on a phone.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, launch, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
const EMAIL = "chiara@demo.quartier.test";
const PHONE = { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function login(page, email) {
  const form = page.locator('form[data-endpoint="/api/auth/login"]');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/app/**`), form.locator("button").click()]);
  await page.locator("main h1").waitFor();
}

const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

test("the language chosen before login, in the app and at logout stays the person's", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  await page.locator('nav a[hreflang="fr"]').click();
  await page.waitForURL(`${BASE}/?lang=fr`);
  assert.equal(await htmlLang(page), "fr");
  const cookie = (await context.cookies()).find((c) => c.name === "quartier_lang");
  assert.equal(cookie?.value, "fr", "pre-login choice kept as the declared preference cookie");
  await page.goto(`${BASE}/`);
  assert.equal(await htmlLang(page), "fr", "the choice survives a new visit");

  await login(page, EMAIL);
  assert.match(page.url(), /\/app\//);
  const original = await htmlLang(page);
  await page.goto(`${BASE}/`);
  await page.waitForURL(`${BASE}/app/**`);

  try {
    await page.getByRole("combobox", { name: /Language|Sprache|Langue|Lingua/ }).selectOption("it");
    await page.locator('html[lang="it"]').waitFor();
    await page.waitForLoadState("networkidle");
    await page.reload();
    await page.locator("main h1").waitFor();
    assert.equal(await htmlLang(page), "it", "kept in the account across a reload");
    assert.equal(await page.locator("nav.tabs a", { hasText: "Chat" }).count(), 1);

    const other = await (await browser.newContext()).newPage();
    await other.goto(`${BASE}/?lang=en`);
    await login(other, EMAIL);
    assert.equal(await htmlLang(other), "it", "and on another device");
    await other.context().close();

    // Logging out by keyboard only: the account menu is a disclosure button.
    const menu = page.locator("header .account > button");
    await menu.focus();
    await page.keyboard.press("Enter");
    assert.equal(await menu.getAttribute("aria-expanded"), "true");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.closest(".account-panel") !== null), true);
    await Promise.all([page.waitForURL(`${BASE}/?lang=it`), page.keyboard.press("Enter")]);
    assert.equal(await htmlLang(page), "it", "the login page after logout speaks the person's language");
    assert.equal(await page.locator('form[data-endpoint="/api/auth/login"]').count(), 1);
  } finally {
    // The demo account's own language back, for the other specs.
    await page.goto(`${BASE}/?lang=en`);
    if ((await page.locator('form[data-endpoint="/api/auth/login"]').count()) === 1) await login(page, EMAIL);
    await page.evaluate(
      (l) =>
        fetch("/api/me", {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ locale: l }),
        }),
      original,
    );
    await context.close();
  }
});

test("the main screens in each language, and on a phone, for the people who look at them", async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/?lang=en`);
  await login(page, "admin@demo.quartier.test");
  const original = await htmlLang(page);
  const setLocale = (l) =>
    page.evaluate(
      (x) =>
        fetch("/api/me", {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ locale: x }),
        }),
      l,
    );
  try {
    for (const lang of ["de", "fr", "it", "en"]) {
      await setLocale(lang);
      for (const section of ["pinboard", "admin"]) {
        await page.goto(`${BASE}/app/${BUILDING}/${section}`);
        await page.locator(`html[lang="${lang}"]`).waitFor();
        await page.locator("main h1").waitFor();
        await page.waitForLoadState("networkidle");
        await shot(page, `app-${section}-${lang}`);
      }
    }
  } finally {
    await setLocale(original);
  }
  await context.close();

  const phone = await browser.newContext({ ...PHONE, bypassCSP: true });
  const mobile = await phone.newPage();
  await mobile.goto(`${BASE}/?lang=en`);
  await shot(mobile, "mobile-login");
  await login(mobile, "admin@demo.quartier.test");
  for (const section of ["pinboard", "chat", "manage", "admin"]) {
    await mobile.goto(`${BASE}/app/${BUILDING}/${section}`);
    await mobile.locator("main h1").waitFor();
    await mobile.waitForLoadState("networkidle");
    // Nothing wider than the phone: the page does not scroll sideways.
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `${section} is ${overflow}px wider than the phone`);
    assert.deepEqual(await violations(mobile), [], `${section} on a phone`);
    await shot(mobile, `mobile-${section}`);
  }
  await mobile.locator("header .account > button").click();
  await shot(mobile, "mobile-account-menu");
  await phone.close();
});
