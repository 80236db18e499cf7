import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { PAGE_TEXTS } from "../i18n/pages";
import { TRANSPARENCY_TEXTS } from "../i18n/transparency-page";
import { esc, page } from "../lib/html";
import { pageLocale } from "../lib/locale";
import { processingRecord } from "../privacy/datamap";
import { DECLARED_STORAGE, STORAGE_CATEGORIES } from "../shared/cookies";
import { declare } from "./define";
import { languageSwitch } from "./page-parts";
import { AUTHORITIES, PROCESSORS } from "./privacy-transparency";

/**
 * The transparency page (R-P13), server-rendered in the four languages like the account pages
 * (decision 0026): controller and contact, rights, the supervisory authority of the customer's
 * jurisdiction, processors, the record of processing generated from the data map (personal fields
 * only), and the declared cookies. `GET /api/privacy/transparency` serves the same facts as JSON.
 */
declare("GET", "/privacy/transparency", "public");

export const transparencyPageRoutes = new Hono<AppEnv>().get("/privacy/transparency", (c) => {
  const lang = pageLocale(c);
  const t = TRANSPARENCY_TEXTS[lang];
  const customer = c.var.customer;
  const authority = AUTHORITIES[customer.jurisdiction];
  const th = (s: string) => `<th scope="col">${esc(s)}</th>`;
  const record = processingRecord()
    .filter((r) => r.personal)
    .map(
      (r) =>
        `<tr data-field="${esc(`${r.store}.${r.table}.${r.column}`)}"><th scope="row"><code>${esc(r.table)}.${esc(r.column)}</code></th><td>${esc(t.categories[r.category])}</td><td>${esc(r.purpose)}</td><td>${esc(t.bases[r.basis])}</td><td>${esc(r.retention)}</td><td>${esc(r.erasure)}</td></tr>`,
    )
    .join("");
  const cookies = DECLARED_STORAGE.map(
    (d) =>
      `<li><code>${esc(d.name)}</code> (${esc(d.kind)}, ${esc(STORAGE_CATEGORIES.find((k) => k.id === d.category)?.name[lang] ?? d.category)}): ${esc(d.purpose[lang])} ${esc(d.duration[lang])}</li>`,
  ).join("");
  const body = `${languageSwitch(lang, PAGE_TEXTS[lang].language, c.req.url)}
<h1>${esc(t.title)}</h1><p>${esc(t.intro)}</p>
<section id="controller"><h2>${esc(t.controller)}</h2><p>${esc(t.controllerText)} <strong>${esc(customer.name)}</strong></p></section>
<section id="contact"><h2>${esc(t.contact)}</h2><p>${esc(t.contactText)}</p>
<h3>${esc(t.rights)}</h3><ul>${t.rightsList.map((r) => `<li>${esc(r)}</li>`).join("")}</ul></section>
<section id="authority" data-jurisdiction="${esc(customer.jurisdiction)}"><h2>${esc(t.authority)}</h2><p>${esc(t.authorityName[customer.jurisdiction])}: <a href="${esc(authority.url)}" rel="noreferrer">${esc(authority.url)}</a></p></section>
<section id="processors"><h2>${esc(t.processors)}</h2><ul>${PROCESSORS.map((p) => `<li><strong>${esc(p.name)}</strong>: ${esc(p.name.startsWith("Cloudflare") ? `${t.processorPurpose}. ${t.processorLocation}.` : `${p.purpose}. ${p.location}.`)}</li>`).join("")}</ul><p>${esc(t.backups)}</p></section>
<section id="cookies"><h2>${esc(t.cookies)}</h2><p>${esc(t.cookiesText)}</p><ul>${cookies}</ul></section>
<section id="record"><h2>${esc(t.record)}</h2><p>${esc(t.recordIntro)}</p>
<table><thead><tr>${th(t.field)}${th(t.category)}${th(t.purpose)}${th(t.basis)}${th(t.retention)}${th(t.erasure)}</tr></thead><tbody>${record}</tbody></table></section>
<p><a href="/privacy">${esc(PAGE_TEXTS[lang].cookiesLink)}</a> · <a href="/">${esc(PAGE_TEXTS[lang].login)}</a></p>`;
  return c.html(page(lang, t.title, body));
});
