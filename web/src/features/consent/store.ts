import { signal } from "@preact/signals";
import { CONSENT_STORAGE_KEY, COOKIE_TEXT_VERSION, PREFERENCES_PURPOSE } from "../../../../src/shared/cookies";
import { api } from "../../api";
import {
  type Choice,
  choiceFromLedger,
  type LedgerDecision,
  optionalKeys,
  PREFS_STORAGE_KEY,
  parseChoice,
  parsePrefs,
  preferencesAllowed,
  prefsValue,
  type Theme,
} from "./logic";

/**
 * The consent tool's state in the browser (R-P11, R-P7, decision 0041). The ledger
 * (`/api/me/consents`, purpose `cookies-preferences`) holds the person's choice; `quartier.consent`
 * is the device's copy (strictly necessary), read at start so the theme applies before the API
 * answers. Without a choice that allows preferences nothing optional is stored: the theme lives in
 * memory for this page only, and the optional keys are deleted at once.
 */
export const choice = signal<Choice | null>(null);
/** The ledger was read: only then may the banner ask (a choice made on another device counts). */
export const ledgerRead = signal(false);
export const theme = signal<Theme>("system");
/** Open as the first question, or to change the choice (from the footer), with the element to refocus. */
/** "Your choice is saved", announced in the footer after the panel closed. */
export const savedNotice = signal("");
export const panel = signal<{ mode: "ask" | "change"; returnTo: HTMLElement | null } | null>(null);

const read = (key: string) => {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
};
const write = (key: string, value: string | null) => {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage switched off by the browser: the choice still holds for this page.
  }
};

function applyTheme(next: Theme) {
  theme.value = next;
  if (next === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = next;
}

/** Keeps the optional storage in line with the choice: written when allowed, deleted when not. */
function syncOptional() {
  if (preferencesAllowed(choice.value)) write(PREFS_STORAGE_KEY, prefsValue(theme.value));
  else for (const key of optionalKeys()) write(key, null);
}

function setChoice(next: Choice | null) {
  choice.value = next;
  write(CONSENT_STORAGE_KEY, next ? JSON.stringify(next) : null);
  syncOptional();
}

/** The theme switch: applies at once; kept only with consent to preferences. */
export function chooseTheme(next: Theme) {
  applyTheme(next);
  syncOptional();
}

/** Reads the person's choice from their ledger; a different or missing choice replaces the device copy. */
export async function loadChoice() {
  const r = await api<{ current: LedgerDecision[] }>("/api/me/consents");
  setChoice(choiceFromLedger(r.current));
  ledgerRead.value = true;
}

/** Records the choice in the ledger (with the texts' version), then applies it on this device. */
export async function decide(preferences: boolean) {
  const r = await api<{ current: LedgerDecision[] }>("/api/me/consents", {
    json: { purpose: PREFERENCES_PURPOSE, granted: preferences, textVersion: COOKIE_TEXT_VERSION },
  });
  setChoice(choiceFromLedger(r.current));
  ledgerRead.value = true;
}

// Another tab of this browser changed the choice: follow it, so a withdrawal there is not undone here.
addEventListener("storage", (e) => {
  if (e.key !== CONSENT_STORAGE_KEY && e.key !== null) return;
  choice.value = parseChoice(read(CONSENT_STORAGE_KEY));
  if (!preferencesAllowed(choice.value)) for (const key of optionalKeys()) write(key, null);
});

// At start, before any request: the device copy decides whether the stored theme may be read.
{
  const copy = parseChoice(read(CONSENT_STORAGE_KEY));
  choice.value = copy;
  if (preferencesAllowed(copy)) {
    const prefs = parsePrefs(read(PREFS_STORAGE_KEY));
    if (prefs) applyTheme(prefs.theme);
  } else for (const key of optionalKeys()) write(key, null);
}
