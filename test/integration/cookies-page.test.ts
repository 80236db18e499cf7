import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/db/schema/customers";
import { DECLARED_STORAGE, STORAGE_CATEGORIES } from "../../src/shared/cookies";
import { makeWorld } from "../helpers/factories";
import { api } from "../helpers/http";

// R-P11 (decision 0041): the public cookie page lists every declared cookie and storage key with its
// category, explains the four categories, and sets nothing optional; the way in shows no banner.

describe("GET /privacy (cookies and storage)", () => {
  it("lists every declaration with its category and the four categories, in each language", async () => {
    const w = await makeWorld();
    for (const lang of LOCALES) {
      const res = await api(`/privacy?lang=${lang}`, { app: w.slug });
      expect(res.status).toBe(200);
      const html = await res.text();
      for (const d of DECLARED_STORAGE) {
        expect(html, `${lang} ${d.name}`).toContain(`data-declared="${d.name}" data-category="${d.category}"`);
      }
      for (const k of STORAGE_CATEGORIES) expect(html).toContain(`data-storage-category="${k.id}"`);
      // Only strictly necessary cookies from the server (the language one, here): nothing optional.
      const set = res.headers.getSetCookie().map((c) => c.split("=")[0]);
      for (const name of set) {
        expect(DECLARED_STORAGE.find((d) => d.name === name)?.category, name).toBe("necessary");
      }
    }
  });

  it("the transparency page lists the optional item with its category", async () => {
    const w = await makeWorld();
    const html = await (await api("/privacy/transparency?lang=en", { app: w.slug })).text();
    expect(html).toContain("<code>quartier.prefs</code> (localStorage, Preferences)");
    expect(html).toContain("<code>quartier_lang</code> (cookie, Strictly necessary)");
  });

  it("the server-rendered way in carries no consent tool (nothing optional before login)", async () => {
    const w = await makeWorld();
    for (const path of ["/?lang=en", "/privacy?lang=en", "/privacy/transparency?lang=en"]) {
      const html = await (await api(path, { app: w.slug })).text();
      expect(html, path).not.toContain("data-cookie-tool");
    }
  });
});
