import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { PAGE_TEXTS } from "../i18n/pages";
import { AppError } from "../lib/errors";
import { esc, page } from "../lib/html";
import { pageLocale } from "../lib/locale";
import { searchBuildings } from "../services/access-requests";
import { checkCode } from "../services/signup";
import { declare } from "./define";
import { field, form, languageSwitch } from "./page-parts";

/** Server-rendered onboarding pages: the personal sign-up link, access requests and their confirmation. */
declare("GET", "/signup", "public");
declare("GET", "/request-access", "public");
declare("GET", "/access-request", "public");

export const onboardingPageRoutes = new Hono<AppEnv>()
  .get("/signup", async (c) => {
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    const raw = (c.req.query("code") ?? "").slice(0, 64);
    let destination = "";
    let problem = "";
    if (raw) {
      try {
        const r = await checkCode(c.var.deps, c.var.customer.id, c.req.header("cf-connecting-ip") ?? "unknown", raw);
        const places = r.places.map(
          (p) => `<li>${esc(p.buildingName)}, ${esc(p.postalCode)} ${esc(p.city)} · ${esc(p.unitName)}</li>`,
        );
        destination = `<p>${esc(t.joining)}</p><ul>${places.join("")}</ul>`;
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        // In the page's language; a wrong, used, expired or revoked code reads the same.
        const text =
          e.code === "RATE_LIMITED" ? t.tooManyAttempts : e.code === "CODE_INVALID" ? t.codeInvalid : e.message;
        problem = `<p class="status" role="alert">${esc(text)}</p>`;
      }
    }
    const codeField = `<label>${esc(t.code)}<input name="code" required value="${esc(raw)}" autocomplete="one-time-code"></label>`;
    const body = c.var.actor
      ? `${form("/api/onboarding/redeem", codeField, t.redeemButton, t.redeemDone, t.failed)}<p><a href="/app/">${esc(t.openApp)}</a></p>`
      : `${form(
          "/api/onboarding/signup",
          codeField +
            field("name", t.name, "text", "name") +
            field("email", t.email, "email", "email") +
            field("password", t.password, "password", "new-password") +
            `<input type="hidden" name="locale" value="${lang}">`,
          t.signupButton,
          t.signupDone,
          t.failed,
        )}<p><a href="/">${esc(t.haveAccount)}</a></p>`;
    return c.html(
      page(
        lang,
        t.signupTitle,
        `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.signupTitle)}</h1>${problem}${destination}${body}<p><a href="/request-access">${esc(t.noCode)}</a></p>`,
      ),
    );
  })
  .get("/request-access", async (c) => {
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    const q = (c.req.query("q") ?? "").trim().slice(0, 100);
    const search = `<form method="get" action="/request-access"><label>${esc(t.searchLabel)}<input name="q" value="${esc(q)}" minlength="3" required></label><button type="submit">${esc(t.searchButton)}</button></form>`;
    let results = "";
    if (q.length >= 3) {
      const found = await searchBuildings(c.var.deps, c.var.customer.id, q);
      results = found.length
        ? form(
            "/api/access-requests",
            `<fieldset><legend>${esc(t.searchLabel)}</legend>${found
              .map(
                (b, i) =>
                  `<label><input type="radio" name="buildingId" value="${esc(b.id)}"${i === 0 ? " checked" : ""}> ${esc(b.name)}, ${esc(b.street)}, ${esc(b.postalCode)} ${esc(b.city)}</label>`,
              )
              .join("")}</fieldset>` +
              field("unit", t.unit) +
              field("name", t.name, "text", "name") +
              field("email", t.email, "email", "email") +
              `<input type="hidden" name="locale" value="${lang}">`,
            t.requestButton,
            t.requestDone,
            t.failed,
          )
        : `<p>${esc(t.noResults)}</p>`;
    }
    return c.html(
      page(
        lang,
        t.requestTitle,
        `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.requestTitle)}</h1>${search}${results}`,
      ),
    );
  })
  .get("/access-request", (c) => {
    const lang = pageLocale(c);
    const t = PAGE_TEXTS[lang];
    const token = `<input type="hidden" name="token" value="${esc(c.req.query("token") ?? "")}">`;
    return c.html(
      page(
        lang,
        t.requestVerifyTitle,
        `${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.requestVerifyTitle)}</h1>${form("/api/access-requests/verify", token, t.requestVerifyButton, t.requestVerifyDone, t.failed)}`,
      ),
    );
  });
