import { INTL_LOCALE, locale } from "../../i18n";

/** A calendar day or an instant, as a date in the reader's Swiss format. */
export const formatDay = (value: string) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale.value], { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(value.length === 10 ? `${value}T00:00:00Z` : value),
  );
