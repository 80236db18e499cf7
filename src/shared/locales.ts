/** The product's languages (German, French, Italian, English); shared by the Worker and the web app. */
export const LOCALES = ["de", "fr", "it", "en"] as const;
export type Locale = (typeof LOCALES)[number];
