import { describe, expect, it } from "vitest";
import { LANG_COOKIE } from "../../src/lib/locale";
import { SESSION_COOKIE } from "../../src/middleware/session";
import { CONSENT_PURPOSE } from "../../src/services/consents";
import {
  CONSENT_STORAGE_KEY,
  COOKIE_TEXT_VERSION,
  DECLARED_STORAGE,
  PREFERENCES_PURPOSE,
  PREFS_STORAGE_KEY,
  STORAGE_CATEGORIES,
} from "../../src/shared/cookies";
import { LOCALES } from "../../src/shared/locales";
import {
  choiceFromLedger,
  needsChoice,
  optionalKeys,
  parseChoice,
  parsePrefs,
  preferencesAllowed,
  prefsValue,
} from "../../web/src/features/consent/logic";

// R-P11 (decision 0041): every cookie and storage key is declared with a category; only the
// "preferences" category is optional, and its keys are written only with a choice that allows them.

describe("the declared cookies and storage keys", () => {
  it("are unique, first-party, described in the four languages, in a category the product uses", () => {
    const names = DECLARED_STORAGE.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of DECLARED_STORAGE) {
      expect(d.party).toBe("first");
      const category = STORAGE_CATEGORIES.find((k) => k.id === d.category);
      expect(category?.use, d.name).not.toBe("unused");
      for (const l of LOCALES) {
        expect(d.purpose[l].trim(), `${d.name} ${l}`).not.toBe("");
        expect(d.duration[l].trim(), `${d.name} ${l}`).not.toBe("");
      }
    }
    expect(STORAGE_CATEGORIES.map((k) => [k.id, k.use])).toEqual([
      ["necessary", "always"],
      ["preferences", "optional"],
      ["statistics", "unused"],
      ["marketing", "unused"],
    ]);
    for (const k of STORAGE_CATEGORIES) for (const l of LOCALES) expect(k.name[l] && k.description[l]).toBeTruthy();
  });

  it("declare the cookies the server sets as strictly necessary; nothing optional is a cookie", () => {
    const cookie = (name: string) => DECLARED_STORAGE.find((d) => d.kind === "cookie" && d.name === name);
    expect(cookie(`__Host-${SESSION_COOKIE}`)?.category).toBe("necessary");
    expect(cookie(LANG_COOKIE)?.category).toBe("necessary");
    // Optional storage lives only in the browser, where the consent tool can delete it at once.
    expect(DECLARED_STORAGE.filter((d) => d.category !== "necessary").map((d) => [d.name, d.kind])).toEqual([
      [PREFS_STORAGE_KEY, "localStorage"],
    ]);
    expect(DECLARED_STORAGE.find((d) => d.name === CONSENT_STORAGE_KEY)?.category).toBe("necessary");
  });

  it("cover every storage key the web app names, and the app writes no cookie or other storage", () => {
    const sources = import.meta.glob<string>(["../../web/src/**/*.ts", "../../web/src/**/*.tsx"], {
      query: "?raw",
      import: "default",
      eager: true,
    });
    const keys = new Set<string>();
    for (const [file, text] of Object.entries(sources)) {
      if (file.includes("/i18n/")) continue;
      for (const m of text.matchAll(/["'`](quartier[._][\w.-]+)["'`]/g)) keys.add(m[1] ?? "");
      expect(text, file).not.toMatch(/document\.cookie|sessionStorage|indexedDB|caches\.open/);
    }
    // The way in (server-rendered pages, their one script) stores nothing in the browser at all.
    const wayIn = import.meta.glob<string>("../../web/public/static/*.js", {
      query: "?raw",
      import: "default",
      eager: true,
    });
    expect(Object.keys(wayIn).length).toBeGreaterThan(0);
    for (const [file, text] of Object.entries(wayIn)) {
      expect(text, file).not.toMatch(/localStorage|document\.cookie|sessionStorage|indexedDB/);
    }
    expect(keys.size).toBeGreaterThan(0);
    for (const k of keys)
      expect(
        DECLARED_STORAGE.map((d) => d.name),
        k,
      ).toContain(k);
  });

  it("use a ledger purpose the consent service accepts, with a version label the API accepts", () => {
    expect(PREFERENCES_PURPOSE).toMatch(CONSENT_PURPOSE);
    expect(COOKIE_TEXT_VERSION).toMatch(/^[A-Za-z0-9._-]{1,40}$/);
  });
});

describe("the consent tool's rules", () => {
  const at = "2026-11-29T10:00:00.000Z";
  it("take the person's choice from the ledger's latest cookies-preferences decision only", () => {
    expect(choiceFromLedger([])).toBeNull();
    expect(choiceFromLedger([{ purpose: "chatbot", granted: true, textVersion: "x", at }])).toBeNull();
    expect(
      choiceFromLedger([
        { purpose: "chatbot", granted: true, textVersion: "x", at },
        { purpose: PREFERENCES_PURPOSE, granted: false, textVersion: COOKIE_TEXT_VERSION, at },
      ]),
    ).toEqual({ preferences: false, at, textVersion: COOKIE_TEXT_VERSION });
  });

  it("ask while there is no choice or only one on older texts; allow storage only with a yes", () => {
    const yes = { preferences: true, at, textVersion: COOKIE_TEXT_VERSION };
    expect(needsChoice(null)).toBe(true);
    expect(needsChoice(yes)).toBe(false);
    expect(needsChoice({ ...yes, textVersion: "cookies-2020-01" })).toBe(true);
    expect(preferencesAllowed(null)).toBe(false);
    expect(preferencesAllowed({ ...yes, preferences: false })).toBe(false);
    expect(preferencesAllowed(yes)).toBe(true);
  });

  it("read the device copy and the preferences defensively", () => {
    expect(parseChoice(null)).toBeNull();
    expect(parseChoice("{not json")).toBeNull();
    expect(parseChoice(JSON.stringify({ preferences: "yes", at, textVersion: "v" }))).toBeNull();
    expect(parseChoice(JSON.stringify({ preferences: true, at, textVersion: "v", extra: 1 }))).toEqual({
      preferences: true,
      at,
      textVersion: "v",
    });
    expect(parsePrefs(JSON.stringify({ theme: "dark" }))).toEqual({ theme: "dark" });
    expect(parsePrefs(JSON.stringify({ theme: "neon" }))).toBeNull();
    expect(parsePrefs("[")).toBeNull();
  });

  it("store nothing for the default theme, and delete exactly the optional keys without consent", () => {
    expect(prefsValue("system")).toBeNull();
    expect(prefsValue("light")).toBe('{"theme":"light"}');
    expect(optionalKeys()).toEqual([PREFS_STORAGE_KEY]);
  });
});
