import type { Jurisdiction, Locale } from "../db/schema/customers";

/** Dates in the reader's language with the customer's regional conventions (Swiss for `ch`). */
export function formatDate(d: Date, locale: Locale, jurisdiction: Jurisdiction): string {
  const region = jurisdiction === "ch" ? "CH" : { de: "DE", fr: "FR", it: "IT", en: "GB" }[locale];
  return new Intl.DateTimeFormat(`${locale}-${region}`, { dateStyle: "long", timeZone: "Europe/Zurich" }).format(d);
}
