import { LOCALES } from "../db/schema/customers";
import { esc } from "../lib/html";

/** Building blocks of the server-rendered pages (forms are posted as JSON by /static/app.js). */
export function form(endpoint: string, fields: string, button: string, done: string, failed: string, extra = "") {
  return `<form data-endpoint="${esc(endpoint)}" data-done="${esc(done)}" data-failed="${esc(failed)}"${extra}>
${fields}<button type="submit">${esc(button)}</button><p class="status" role="status" aria-live="polite"></p></form>`;
}
export const field = (name: string, label: string, type = "text", auto = "") =>
  `<label>${esc(label)}<input name="${name}" type="${type}" required${auto ? ` autocomplete="${auto}"` : ""}></label>`;

/**
 * Links to the same page in the other languages. The page's own query (a sign-up code, a token from
 * a mail, a search) is kept: switching language must not lose the link the person came with.
 */
export function languageSwitch(current: string, label: string, url?: string) {
  const href = (l: string) => {
    const q = new URLSearchParams(url ? new URL(url).search : "");
    q.set("lang", l);
    return `?${q.toString()}`;
  };
  const links = LOCALES.map((l) =>
    l === current
      ? `<strong lang="${l}">${l.toUpperCase()}</strong>`
      : `<a href="${esc(href(l))}" lang="${l}" hreflang="${l}">${l.toUpperCase()}</a>`,
  );
  return `<nav aria-label="${esc(label)}">${links.join(" · ")}</nav>`;
}
