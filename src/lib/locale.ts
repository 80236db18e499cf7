import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { LOCALES, type Locale } from "../db/schema/customers";

/** Strictly necessary preference cookie (declared in README): the language chosen before login. */
export const LANG_COOKIE = "quartier_lang";

const isLocale = (v: string | undefined): v is Locale => LOCALES.includes(v as Locale);

/** Language of a page: ?lang= (kept in the cookie), the account's, the cookie's, the browser's, the customer's. */
export function pageLocale(c: Context<AppEnv>): Locale {
  const q = c.req.query("lang");
  if (isLocale(q)) {
    setCookie(c, LANG_COOKIE, q, { path: "/", sameSite: "Lax", secure: true, httpOnly: true, maxAge: 365 * 86400 });
    return q;
  }
  if (c.var.actor) return c.var.actor.locale;
  const cookie = getCookie(c, LANG_COOKIE);
  if (isLocale(cookie)) return cookie;
  for (const part of (c.req.header("accept-language") ?? "").split(",")) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (isLocale(tag)) return tag;
  }
  return c.var.customer.locale;
}
