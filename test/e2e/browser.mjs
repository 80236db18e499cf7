// Shared browser helpers for the e2e specs: Debian's Chromium with the flags this closed network
// needs (no background connections), a fresh profile per launch, screenshots into a git-ignored folder.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.E2E_BASE ?? "http://localhost:8788";
export const PORT = Number(process.env.E2E_PORT ?? 8788);
export const SHOTS = new URL("./screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** An app's origin: `demo` is the bare host; others are `<slug>.localhost`, which Chromium resolves. */
export const originOf = (slug = "demo") =>
  slug === "demo" ? BASE : BASE.replace("//localhost", `//${slug}.localhost`);

export const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Logs in through the home page form, as a person would; logged in, "/" is the app. */
export async function loginViaForm(page, email, password, slug = "demo") {
  await page.goto(`${originOf(slug)}/?lang=en`);
  // Locally every browser is one client address: forget its per-IP login window (development-only
  // route), so the suite's many logins do not trip the limit meant for an attacker.
  await page.evaluate(async () => {
    const res = await fetch("/api/dev/throttles/login-ip", { method: "DELETE" });
    if (res.status !== 204) throw new Error(`login-ip reset: ${res.status}`);
  });
  const form = page.locator('form[data-endpoint="/api/auth/login"]');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  await Promise.all([page.waitForURL(`${originOf(slug)}/app/**`), form.locator("button").click()]);
}

/** The newest mail to `to` in the dev mail viewer's JSON twin, read inside the browser's session. */
export async function latestMail(page, to, template) {
  for (let i = 0; i < 50; i++) {
    const mails = await page.evaluate(
      async (addr) => (await fetch(`/api/dev/mail?to=${encodeURIComponent(addr)}`)).json(),
      to,
    );
    const m = mails.find((x) => !template || x.template === template);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${template ?? ""} mail to ${to}`);
}

/** POSTs JSON from inside the page (its cookies, its origin) and returns the status. */
export const postJson = (page, path, body) =>
  page.evaluate(
    async ([u, b]) =>
      (await fetch(u, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) }))
        .status,
    [path, body],
  );

/**
 * A new resident of `building` with nothing decided yet: a code from the demo manager, sign-up with
 * it, e-mail confirmed (read from the dev mail viewer).
 */
export async function freshResident(browser, { building, name, email, password }) {
  const manager = await (await browser.newContext()).newPage();
  await loginViaForm(manager, "manager@demo.quartier.test", "quartier-demo");
  await postJson(manager, `/api/buildings/${building}/codes`, {});
  const codes = await manager.evaluate(async (b) => (await fetch(`/api/buildings/${b}/codes`)).json(), building);
  const code = codes.find((c) => c.status === "unused");
  assert.ok(code, "an unused code");
  await manager.context().close();

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${BASE}/?lang=en`);
  const signup = { code: code.code, name, email, password, locale: "en" };
  assert.equal(await postJson(page, "/api/onboarding/signup", signup), 202);
  const token = /token=([\w-]+)/.exec((await latestMail(page, email, "verify-email")).body)?.[1];
  assert.ok(token, "verification token");
  assert.equal(await postJson(page, "/api/auth/verify-email", { token, password }), 204);
  await page.context().close();
}
