import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/db/schema/customers";
import { TRANSPARENCY_TEXTS } from "../../src/i18n/transparency-page";
import { processingRecord } from "../../src/privacy/datamap";
import { makeWorld } from "../helpers/factories";
import { api } from "../helpers/http";

// R-P13: the transparency page, server-rendered in the four languages, for anyone: controller and
// contact, the supervisory authority of the customer's jurisdiction, processors, the declared cookies
// and the record of processing generated from the data map.

const escHtml = (s: string) =>
  s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");

describe("GET /privacy/transparency", () => {
  it("renders every section in de, fr, it and en, without login", async () => {
    const w = await makeWorld();
    for (const lang of LOCALES) {
      const res = await api(`/privacy/transparency?lang=${lang}`, { app: w.slug });
      expect(res.status, lang).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const html = await res.text();
      const t = TRANSPARENCY_TEXTS[lang];
      expect(html).toContain(`<html lang="${lang}">`);
      for (const text of [t.title, t.controller, t.contact, t.authority, t.processors, t.record, t.cookies]) {
        expect(html, `${lang}: ${text}`).toContain(escHtml(text));
      }
      expect(html).toContain(escHtml(t.authorityName[w.jurisdiction]));
      expect(html).toContain("Cloudflare, Inc.");
      expect(html).toContain("__Host-quartier_session");
      expect(html).toContain(escHtml(t.bases.consent));
    }
  });

  it("lists every personal field of the data map (newsletter proof included) and no non-personal one", async () => {
    const w = await makeWorld();
    const html = await (await api("/privacy/transparency?lang=en", { app: w.slug })).text();
    const rows = [...html.matchAll(/data-field="([^"]+)"/g)].map((m) => m[1]);
    const personal = processingRecord().filter((r) => r.personal);
    expect(rows).toEqual(personal.map((r) => `${r.store}.${r.table}.${r.column}`));
    expect(rows).toContain("region.newsletter_subscriptions.signup_ip");
    expect(rows).toContain("region.users.email");
    expect(rows).not.toContain("region.customers.name");
  });

  it("names the supervisory authority of the customer's jurisdiction", async () => {
    const ch = await makeWorld({ jurisdiction: "ch" });
    const eu = await makeWorld({ jurisdiction: "eu" });
    const chHtml = await (await api("/privacy/transparency?lang=de", { app: ch.slug })).text();
    const euHtml = await (await api("/privacy/transparency?lang=de", { app: eu.slug })).text();
    expect(chHtml).toContain('data-jurisdiction="ch"');
    expect(chHtml).toContain("https://www.edoeb.admin.ch");
    expect(chHtml).not.toContain("edpb.europa.eu");
    expect(euHtml).toContain('data-jurisdiction="eu"');
    expect(euHtml).toContain("edpb.europa.eu");
  });
});
