import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import { PAGE_TEXTS } from "../i18n/pages";
import { AppError } from "../lib/errors";
import { esc, page } from "../lib/html";
import { pageLocale } from "../lib/locale";
import { loginUrl, safeNext } from "../lib/next";
import { DECLARED_STORAGE, STORAGE_CATEGORIES } from "../shared/cookies";
import { declare } from "./define";
import { field, form, languageSwitch } from "./page-parts";

/**
 * Server-rendered account pages: the way into the app (log in, register, confirm, reset a password
 * from the links in the mails). Once logged in, "/" is the app (decision 0026).
 */
declare("GET", "/", "public");
declare("GET", "/verify-email", "public");
declare("GET", "/reset-password", "public");
declare("GET", "/privacy", "public");
declare("GET", "/app", "public");
declare("GET", "/app/*", "public");

/**
 * The web app's HTML shell (built by Vite into the static assets) goes through the Worker, so it
 * carries the security headers and CSP; its hashed scripts and styles are served as static files.
 * Without a session the shell would only bounce to the login: it is sent there at once, with the
 * path as `next` so the login lands where the link pointed.
 */
async function appShell(c: Context<AppEnv>) {
  if (!c.var.actor) return c.redirect(loginUrl(c.req.url), 302);
  const res = await c.env.ASSETS.fetch(new Request(new URL("/app/", c.req.url)));
  if (!res.ok) throw new AppError("NOT_FOUND", "The web app is not built: run `npm run build:web`.");
  return c.html(await res.text());
}

export const pageRoutes = new Hono<AppEnv>()
  .get("/privacy", (c) => {
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    // Every declared cookie and key with its category (R-P11, decision 0041); the categories below it.
    const category = (id: string) => STORAGE_CATEGORIES.find((k) => k.id === id)?.name[lang] ?? id;
    const rows = DECLARED_STORAGE.map(
      (d) =>
        `<tr data-declared="${esc(d.name)}" data-category="${esc(d.category)}"><th scope="row"><code>${esc(d.name)}</code> (${esc(d.kind)})</th><td>${esc(category(d.category))}</td><td>${esc(d.purpose[lang])}</td><td>${esc(d.duration[lang])}</td><td>${esc(t.firstParty)}</td></tr>`,
    ).join("");
    const categories = STORAGE_CATEGORIES.map(
      (k) =>
        `<li data-storage-category="${k.id}"><strong>${esc(k.name[lang])}</strong>: ${esc(k.description[lang])}</li>`,
    ).join("");
    return c.html(
      page(
        lang,
        t.cookiesTitle,
        `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.cookiesTitle)}</h1><p>${esc(t.cookiesIntro)}</p>
<table><thead><tr><th scope="col">${esc(t.cookieName)}</th><th scope="col">${esc(t.cookieCategory)}</th><th scope="col">${esc(t.cookiePurpose)}</th><th scope="col">${esc(t.cookieDuration)}</th><th scope="col">${esc(t.cookieParty)}</th></tr></thead><tbody>${rows}</tbody></table>
<h2>${esc(t.cookiesCategories)}</h2><ul>${categories}</ul><p>${esc(t.cookiesBeforeLogin)}</p>
<p><a href="/privacy/transparency">${esc(t.transparencyLink)}</a></p>
<p><a href="/">${esc(t.login)}</a></p>`,
      ),
    );
  })
  .get("/app", appShell)
  .get("/app/*", appShell)
  .get("/", async (c) => {
    // Logged in, the home is the app (their building); the account pages are for the way in.
    // After the login the page reloads "/" with its query: a safe `next` is where the person was going.
    if (c.var.actor) return c.redirect(safeNext(c.req.query("next")) ?? "/app/", 302);
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    const head = `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(c.var.customer.name)}</h1>`;
    const login = form(
      "/api/auth/login",
      field("email", t.email, "email", "username") + field("password", t.password, "password", "current-password"),
      t.login,
      "",
      t.failed,
      ' data-reload="1"',
    );
    const register = form(
      "/api/auth/register",
      field("name", t.name, "text", "name") +
        field("email", t.email, "email", "email") +
        field("password", t.password, "password", "new-password") +
        `<input type="hidden" name="locale" value="${lang}">`,
      t.register,
      t.registerDone,
      t.failed,
    );
    const forgot = form(
      "/api/auth/password-reset",
      field("email", t.email, "email", "email"),
      t.forgot,
      t.forgotDone,
      t.failed,
    );
    return c.html(
      page(
        lang,
        t.title,
        `${head}<section><h2>${esc(t.login)}</h2>${login}</section>
<section><h2>${esc(t.register)}</h2>${register}</section>
<section><h2>${esc(t.forgot)}</h2>${forgot}</section>
<footer><p>${esc(t.privacyNote)} <a href="/privacy">${esc(t.cookiesLink)}</a> · <a href="/privacy/transparency">${esc(t.transparencyLink)}</a></p><p><a href="/api/docs">${esc(t.apiDocs)}</a></p></footer>`,
      ),
    );
  })
  .get("/verify-email", (c) => {
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    // Confirming needs a click (a POST): mail scanners that fetch links must not use up the token.
    const token = `<input type="hidden" name="token" value="${esc(c.req.query("token") ?? "")}">${field("password", t.password, "password", "current-password")}`;
    return c.html(
      page(
        lang,
        t.verifyTitle,
        `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.verifyTitle)}</h1>${form("/api/auth/verify-email", token, t.verifyButton, t.verifyDone, t.failed)}<p><a href="/">${esc(t.login)}</a></p>`,
      ),
    );
  })
  .get("/reset-password", (c) => {
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    const fields = `<input type="hidden" name="token" value="${esc(c.req.query("token") ?? "")}">${field("password", t.newPassword, "password", "new-password")}`;
    return c.html(
      page(
        lang,
        t.resetTitle,
        `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.resetTitle)}</h1>${form("/api/auth/password-reset/confirm", fields, t.resetButton, t.resetDone, t.failed)}<p><a href="/">${esc(t.login)}</a></p>`,
      ),
    );
  });
