import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import { NEWSLETTER_TEXTS } from "../i18n/newsletter";
import { PAGE_TEXTS } from "../i18n/pages";
import { AppError } from "../lib/errors";
import { esc, page } from "../lib/html";
import { pageLocale } from "../lib/locale";
import { preferencesOf } from "../services/newsletter";
import { declare } from "./define";
import { form, languageSwitch } from "./page-parts";

/**
 * The pages behind the newsletter links (R-P8), no login needed: confirming the double opt-in (a
 * button, so mail scanners that fetch links do not confirm) and the preference centre of a mail.
 */
declare("GET", "/newsletter/confirm", "public");
declare("GET", "/newsletter/preferences", "public");

const tokenField = (c: Context<AppEnv>) =>
  `<input type="hidden" name="token" value="${esc(c.req.query("token") ?? "")}">`;

export const newsletterPageRoutes = new Hono<AppEnv>()
  .get("/newsletter/confirm", (c) => {
    const lang = pageLocale(c);
    const t = NEWSLETTER_TEXTS[lang];
    return c.html(
      page(
        lang,
        t.confirmTitle,
        `${languageSwitch(lang, PAGE_TEXTS[lang].language, c.req.url)}<h1>${esc(t.confirmTitle)}</h1>${form("/api/newsletter/confirm", tokenField(c), t.confirmButton, t.confirmDone, t.failed)}`,
      ),
    );
  })
  .get("/newsletter/preferences", async (c) => {
    const lang = pageLocale(c);
    const t = NEWSLETTER_TEXTS[lang];
    const head = `${languageSwitch(lang, PAGE_TEXTS[lang].language, c.req.url)}<h1>${esc(t.prefsTitle)}</h1>`;
    let prefs: Awaited<ReturnType<typeof preferencesOf>>;
    try {
      prefs = await preferencesOf(c.var.deps, c.var.customer.id, c.req.query("token") ?? "");
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return c.html(page(lang, t.prefsTitle, `${head}<p role="alert">${esc(t.failed)}: ${esc(e.message)}</p>`), 400);
    }
    if (prefs.status !== "confirmed") return c.html(page(lang, t.prefsTitle, `${head}<p>${esc(t.ended)}</p>`));
    const boxes = prefs.topics
      .map(
        (p) =>
          `<label><input type="checkbox" name="topic-${esc(p.id)}"${p.subscribed ? " checked" : ""}> ${esc(p.name)}</label>`,
      )
      .join("");
    const choose = form(
      "/api/newsletter/preferences",
      `${tokenField(c)}<fieldset><legend>${esc(t.prefsIntro)}</legend>${boxes}</fieldset>`,
      t.prefsSave,
      t.prefsSaved,
      t.failed,
    );
    const all = form("/api/newsletter/unsubscribe", tokenField(c), t.unsubscribeAllButton, t.unsubscribed, t.failed);
    return c.html(
      page(
        lang,
        t.prefsTitle,
        `${head}<section>${choose}</section><section><h2>${esc(t.unsubscribeAll)}</h2>${all}</section>`,
      ),
    );
  });
