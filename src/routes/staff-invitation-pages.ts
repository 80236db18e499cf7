import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import type { Locale } from "../db/schema/customers";
import { ROLE_NAMES, WHOLE_CUSTOMER } from "../i18n/staff-invitation-mail";
import { STAFF_INVITATION_TEXTS } from "../i18n/staff-invitation-pages";
import { AppError } from "../lib/errors";
import { esc, page } from "../lib/html";
import { pageLocale } from "../lib/locale";
import { setSessionCookie } from "../middleware/session";
import {
  acceptInvitation,
  invitationContext,
  type OpenInvitation,
  openInvitation,
} from "../services/staff-invitation-accept";
import { declare } from "./define";
import { wellFormed } from "./me";
import { languageSwitch } from "./page-parts";
import { password as passwordRule } from "./schemas";

/**
 * The invitee's page of a staff invitation (decision 0039): the mailed link's token is the only key.
 * Plain HTML forms (no script needed; the CSP allows none inline). Accepting sets the name and the
 * password (the sign-up rules), creates the account in the customer's jurisdiction, grants the role
 * and logs in. Ended links answer with a page in the person's language (410), unknown ones 404.
 */
declare("GET", "/staff-invitation", "public");
declare("POST", "/staff-invitation", "public");

const MAX_FORM_BYTES = 16 * 1024;
const PATH = "/staff-invitation";

type Texts = (typeof STAFF_INVITATION_TEXTS)[Locale];
const fill = (s: string, vars: Record<string, string>) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");

/**
 * Under the app-wide `Referrer-Policy: no-referrer` a browser posts a plain form with `Origin: null`,
 * which the CSRF guard refuses. This page relaxes its own policy to `same-origin` (no referrer ever
 * leaves the origin; the access log drops the query), so the form's Origin is the app's.
 */
const REFERRER = '<meta name="referrer" content="same-origin">';

function shell(c: Context<AppEnv>, lang: Locale, t: Texts, body: string) {
  c.header("cache-control", "no-store");
  return page(
    lang,
    t.title,
    `${REFERRER}${languageSwitch(lang, t.language, c.req.url)}<h1>${esc(t.title)}</h1>${body}`,
  );
}

async function form(c: Context<AppEnv>, lang: Locale, token: string, open: OpenInvitation, problem = "") {
  const t = STAFF_INVITATION_TEXTS[lang];
  const inv = open.invitation;
  const ctx = await invitationContext(c.var.deps, inv);
  const vars = {
    inviter: ctx.inviter,
    app: c.var.customer.name,
    role: ROLE_NAMES[lang][inv.role],
    scope: ctx.scopeName ?? WHOLE_CUSTOMER[lang],
  };
  const alert = problem ? `<p class="status" role="alert">${esc(problem)}</p>` : "";
  const hidden = `<input type="hidden" name="token" value="${esc(token)}">`;
  const action = `${PATH}?lang=${lang}`;
  if (open.account === "existing") {
    return shell(
      c,
      lang,
      t,
      `<p>${esc(fill(t.existingIntro, vars))}</p>${alert}<form method="post" action="${action}">${hidden}<button type="submit">${esc(t.acceptExisting)}</button></form>`,
    );
  }
  const fields = `${hidden}
<p>${esc(t.email)}: <strong>${esc(inv.email)}</strong></p>
<label>${esc(t.name)}<input name="name" required maxlength="120" autocomplete="name" value="${esc(inv.name ?? "")}"></label>
<label>${esc(t.password)}<input name="password" type="password" required minlength="8" maxlength="256" autocomplete="new-password" aria-describedby="password-hint"></label>
<p class="meta" id="password-hint">${esc(t.passwordHint)}</p>`;
  return shell(
    c,
    lang,
    t,
    `<p>${esc(fill(t.intro, vars))}</p>${alert}<form method="post" action="${action}">${fields}<button type="submit">${esc(t.accept)}</button></form>`,
  );
}

/** Unknown, ended and unusable links: a page saying which, with the status of the error. */
function refused(c: Context<AppEnv>, lang: Locale, e: unknown) {
  if (!(e instanceof AppError)) throw e;
  const t = STAFF_INVITATION_TEXTS[lang];
  const state = (e.details as { state?: string } | undefined)?.state;
  let text: string;
  if (e.code === "NOT_FOUND") text = t.notFound;
  else if (e.code === "INVITATION_ENDED")
    text = state === "accepted" ? t.accepted : state === "revoked" ? t.revoked : t.expired;
  else if (e.code === "EMAIL_TAKEN") text = t.closing;
  else throw e;
  const login = `<p><a href="/?lang=${lang}">${esc(t.login)}</a></p>`;
  return c.html(shell(c, lang, t, `<p role="alert">${esc(text)}</p>${login}`), e.status as 404);
}

export const staffInvitationPageRoutes = new Hono<AppEnv>()
  .get(PATH, async (c) => {
    const lang = pageLocale(c);
    const token = c.req.query("token") ?? "";
    try {
      return c.html(await form(c, lang, token, await openInvitation(c.var.deps, c.var.customer.id, token)));
    } catch (e) {
      return refused(c, lang, e);
    }
  })
  .post(PATH, async (c) => {
    const lang = pageLocale(c);
    const t = STAFF_INVITATION_TEXTS[lang];
    if (Number(c.req.header("content-length") ?? "0") > MAX_FORM_BYTES) {
      throw new AppError("PAYLOAD_TOO_LARGE", "The form is too large.");
    }
    const body = await c.req.parseBody();
    const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
    const token = str("token");
    let open: OpenInvitation;
    try {
      open = await openInvitation(c.var.deps, c.var.customer.id, token);
    } catch (e) {
      return refused(c, lang, e);
    }
    const name = str("name").trim();
    const password = str("password");
    if (open.account !== "existing") {
      // The sign-up rules: a name of 1–120 characters, a password of 8–256, well-formed Unicode.
      const problem =
        !name || name.length > 120 || !wellFormed(name)
          ? t.invalidName
          : !passwordRule.safeParse(password).success || !wellFormed(password)
            ? t.invalidPassword
            : "";
      if (problem) return c.html(await form(c, lang, token, open, problem), 400);
    }
    try {
      const done = await acceptInvitation(c.var.deps, c.var.customer.id, token, { name, password, locale: lang });
      if (done.session) {
        setSessionCookie(c, done.session);
        return c.redirect("/app/", 303);
      }
      const login = `<p><a href="/?lang=${lang}">${esc(t.login)}</a></p>`;
      return c.html(
        shell(c, lang, t, `<h2>${esc(t.addedTitle)}</h2><p role="status">${esc(t.added)}</p>${login}`),
        200,
      );
    } catch (e) {
      return refused(c, lang, e);
    }
  });
