import { signal } from "@preact/signals";
import type { Locale } from "../../../src/shared/locales";
import { de } from "./de";
import { type Catalogue, en, type MessageKey } from "./en";
import { fr } from "./fr";
import { it } from "./it";

/** Every user-facing string of the web app comes from these catalogues (issue 6, item 4). */
export const CATALOGUES: Record<Locale, Catalogue> = { de, fr, it, en };

/** Swiss conventions for dates and numbers in every language. */
export const INTL_LOCALE: Record<Locale, string> = { de: "de-CH", fr: "fr-CH", it: "it-CH", en: "en-CH" };

export const locale = signal<Locale>("de");

export function t(key: MessageKey): string {
  return CATALOGUES[locale.value][key];
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale.value], { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}
