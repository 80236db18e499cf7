import {
  COOKIE_TEXT_VERSION,
  DECLARED_STORAGE,
  PREFERENCES_PURPOSE,
  PREFS_STORAGE_KEY,
  type StorageDeclaration,
} from "../../../../src/shared/cookies";

/**
 * The consent tool's rules without the browser (R-P11, decision 0041), so they can be tested alone:
 * what counts as a choice, what the device copy may hold, and which keys must go without consent.
 */
export type Theme = "system" | "light" | "dark";
export const THEMES: readonly Theme[] = ["system", "light", "dark"];

/** The choice about the one optional category: allowed or not, when, on which version of the texts. */
export interface Choice {
  preferences: boolean;
  at: string;
  textVersion: string;
}

/** A ledger decision as `GET /api/me/consents` returns it. */
export interface LedgerDecision {
  purpose: string;
  granted: boolean;
  textVersion: string;
  at: string;
}

/** The person's current choice from their ledger: the latest decision on `cookies-preferences`. */
export function choiceFromLedger(current: readonly LedgerDecision[]): Choice | null {
  const d = current.find((c) => c.purpose === PREFERENCES_PURPOSE);
  return d ? { preferences: d.granted, at: d.at, textVersion: d.textVersion } : null;
}

/** The device copy (`quartier.consent`); anything malformed counts as "no choice". */
export function parseChoice(raw: string | null): Choice | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<Choice>;
    if (typeof v.preferences !== "boolean" || typeof v.at !== "string" || typeof v.textVersion !== "string")
      return null;
    return { preferences: v.preferences, at: v.at, textVersion: v.textVersion };
  } catch {
    return null;
  }
}

/** The banner asks while there is no choice, or only one made on an older version of the texts. */
export function needsChoice(choice: Choice | null): boolean {
  return !choice || choice.textVersion !== COOKIE_TEXT_VERSION;
}

/** Optional storage may be written only with a choice that allows it. */
export function preferencesAllowed(choice: Choice | null): boolean {
  return choice?.preferences === true;
}

/** The stored preferences (`quartier.prefs`); unknown values are ignored. */
export function parsePrefs(raw: string | null): { theme: Theme } | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { theme?: unknown };
    return THEMES.includes(v.theme as Theme) ? { theme: v.theme as Theme } : null;
  } catch {
    return null;
  }
}

/** What to keep for a theme: nothing for the default ("system" needs no storage). */
export function prefsValue(theme: Theme): string | null {
  return theme === "system" ? null : JSON.stringify({ theme });
}

/** The declared browser-storage keys of the optional categories: deleted whenever consent is missing. */
export function optionalKeys(declared: readonly StorageDeclaration[] = DECLARED_STORAGE): string[] {
  return declared.filter((d) => d.category !== "necessary" && d.kind === "localStorage").map((d) => d.name);
}

export { PREFS_STORAGE_KEY };
