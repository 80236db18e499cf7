import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/shared/locales";
import { de } from "../../web/src/i18n/de";
import { en } from "../../web/src/i18n/en";
import { fr } from "../../web/src/i18n/fr";
import { it as itCatalogue } from "../../web/src/i18n/it";

/** Issue 6, item 4: four complete catalogues, really translated. */
const catalogues = { de, fr, it: itCatalogue, en };

describe("the web app's catalogues", () => {
  it("exist for every product language with exactly the English keys, none empty", () => {
    expect(Object.keys(catalogues).sort()).toEqual([...LOCALES].sort());
    for (const c of Object.values(catalogues)) {
      expect(Object.keys(c).sort()).toEqual(Object.keys(en).sort());
      for (const v of Object.values(c)) expect(v.trim()).not.toBe("");
    }
  });

  it("translate at least 90 % of the strings (German, French and Italian differ from English)", () => {
    const keys = Object.keys(en) as (keyof typeof en)[];
    for (const c of [de, fr, itCatalogue]) {
      const same = keys.filter((k) => c[k] === en[k]);
      expect(same.length / keys.length).toBeLessThanOrEqual(0.1);
    }
  });

  it("are the only source of user-facing text: no words between JSX tags or in labels of the screens", () => {
    const sources = import.meta.glob<string>("../../web/src/**/*.tsx", {
      query: "?raw",
      import: "default",
      eager: true,
    });
    expect(Object.keys(sources).length).toBeGreaterThan(3);
    for (const [file, text] of Object.entries(sources)) {
      // Text children such as `>Send<` and literal attributes such as `placeholder="Send"`.
      const between = [...text.matchAll(/>\s*(\p{L}[\p{L}\s.,:;!?'’…-]*)\s*</gu)]
        .map((m) => m[1] ?? "")
        .filter((w) => /\p{L}{2,}/u.test(w));
      const attrs = [...text.matchAll(/\b(?:placeholder|title|aria-label|alt)="([^"]*\p{L}[^"]*)"/gu)].map((m) => m[1]);
      expect([...between, ...attrs], file).toEqual([]);
    }
  });
});
