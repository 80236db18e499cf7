import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/db/schema/customers";
import { MAIL_TEXTS } from "../../src/i18n/mail";
import { PAGE_TEXTS } from "../../src/i18n/pages";
import { makeWorld } from "../helpers/factories";
import { api } from "../helpers/http";

describe("server-rendered pages", () => {
  it("renders the home page in each language chosen with ?lang and keeps the choice in a cookie", async () => {
    const w = await makeWorld();
    for (const lang of LOCALES) {
      const res = await api(`/?lang=${lang}`, { app: w.slug });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(PAGE_TEXTS[lang].register);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("quartier_lang="));
      expect(cookie).toContain(`quartier_lang=${lang}`);
      expect(cookie).toMatch(/HttpOnly/i);
    }
  });

  it("follows the browser's Accept-Language when nothing was chosen", async () => {
    const w = await makeWorld();
    const html = await (await api("/", { app: w.slug, headers: { "accept-language": "it-CH,it;q=0.9" } })).text();
    expect(html).toContain('<html lang="it">');
  });

  it("escapes values it did not write itself", async () => {
    const w = await makeWorld();
    const html = await (
      await api(`/reset-password?token=${encodeURIComponent('"><script>alert(1)</script>')}`, { app: w.slug })
    ).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;");
  });

  it("serves every page with the CSP and HSTS headers", async () => {
    const w = await makeWorld();
    for (const path of ["/", "/verify-email?token=x", "/reset-password?token=x", "/api/docs", "/_dev/mail"]) {
      const res = await api(path, { app: w.slug });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy"), path).not.toContain("unsafe-inline");
      expect(res.headers.get("strict-transport-security"), path).toContain("max-age=31536000");
    }
  });
});

describe("language catalogues", () => {
  it("have every page and mail text in German, French, Italian and English", () => {
    for (const lang of LOCALES) {
      for (const [key, text] of Object.entries(PAGE_TEXTS[lang])) expect(text.trim(), `${lang}.${key}`).not.toBe("");
      for (const [key, t] of Object.entries(MAIL_TEXTS[lang])) {
        expect(t.subject.trim(), `${lang}.${key}`).not.toBe("");
        // Every mail leads back into the app, except the rejection, which carries the reason.
        expect(t.body, `${lang}.${key}`).toContain(key === "access-request-rejected" ? "{reason}" : "{link}");
      }
    }
  });

  it("translate at least 90 % of the English strings", () => {
    const en = Object.values(PAGE_TEXTS.en);
    for (const lang of ["de", "fr", "it"] as const) {
      const same = Object.values(PAGE_TEXTS[lang]).filter((t, i) => t === en[i]).length;
      expect(same / en.length, lang).toBeLessThanOrEqual(0.1);
    }
  });
});
