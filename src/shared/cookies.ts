import type { Locale } from "./locales";

/**
 * Every cookie and browser-storage key the product sets (R-P11), declared once: the privacy page
 * lists them, the web app's consent tool shows them per category, and the browser suite checks that
 * a browser holds nothing else. Strictly necessary entries are set without consent; the one optional
 * category the product uses, "preferences" (the display theme), is written only after the person
 * allowed it and deleted at once when they withdraw (decision 0041, which supersedes 0014).
 * Statistics and marketing are not used by Quartier: the consent tool says so, with nothing to turn on.
 */
export type StorageCategory = "necessary" | "preferences" | "statistics" | "marketing";

export interface StorageDeclaration {
  name: string;
  kind: "cookie" | "localStorage";
  category: "necessary" | "preferences";
  party: "first";
  purpose: Record<Locale, string>;
  duration: Record<Locale, string>;
}

/** The device's copy of the consent choice (strictly necessary: it only records the choice). */
export const CONSENT_STORAGE_KEY = "quartier.consent";
/** The display preferences (category "preferences": only with consent). */
export const PREFS_STORAGE_KEY = "quartier.prefs";
/** The consent-ledger purpose of the "preferences" category (R-P7). */
export const PREFERENCES_PURPOSE = "cookies-preferences";
/**
 * The version of the consent tool's texts (categories, items, purposes), recorded in the ledger with
 * every choice. Raising it asks everyone again (a choice made on an older text no longer counts as made).
 */
export const COOKIE_TEXT_VERSION = "cookies-2026-11";

/** The four categories of the consent tool: which ones Quartier offers, in the product's languages. */
export const STORAGE_CATEGORIES: readonly {
  id: StorageCategory;
  /** "always": strictly necessary, no choice; "optional": off until chosen; "unused": nothing to turn on. */
  use: "always" | "optional" | "unused";
  name: Record<Locale, string>;
  description: Record<Locale, string>;
}[] = [
  {
    id: "necessary",
    use: "always",
    name: { de: "Notwendig", fr: "Nécessaires", it: "Necessari", en: "Strictly necessary" },
    description: {
      de: "Ohne sie funktioniert der Dienst nicht (Anmeldung, Sprache, Ihre Wahl hier). Immer aktiv, ohne Einwilligung.",
      fr: "Sans eux, le service ne fonctionne pas (connexion, langue, votre choix ici). Toujours actifs, sans consentement.",
      it: "Senza di essi il servizio non funziona (accesso, lingua, la tua scelta qui). Sempre attivi, senza consenso.",
      en: "The service does not work without them (login, language, your choice here). Always on, no consent needed.",
    },
  },
  {
    id: "preferences",
    use: "optional",
    name: { de: "Präferenzen", fr: "Préférences", it: "Preferenze", en: "Preferences" },
    description: {
      de: "Merkt sich Ihre Darstellung (hell oder dunkel) auf diesem Gerät. Ohne Einwilligung gilt Ihre Wahl nur, bis Sie die Seite verlassen.",
      fr: "Retient votre affichage (clair ou sombre) sur cet appareil. Sans consentement, votre choix ne vaut que jusqu’à ce que vous quittiez la page.",
      it: "Ricorda la visualizzazione (chiara o scura) su questo dispositivo. Senza consenso la scelta vale solo finché non lasci la pagina.",
      en: "Remembers your display (light or dark) on this device. Without consent your choice lasts only until you leave the page.",
    },
  },
  {
    id: "statistics",
    use: "unused",
    name: { de: "Statistik", fr: "Statistiques", it: "Statistiche", en: "Statistics" },
    description: {
      de: "Von Quartier nicht verwendet: keine Nutzungsmessung, nichts einzuschalten.",
      fr: "Non utilisés par Quartier : aucune mesure d’audience, rien à activer.",
      it: "Non usati da Quartier: nessuna misurazione dell’uso, niente da attivare.",
      en: "Not used by Quartier: no usage measurement, nothing to turn on.",
    },
  },
  {
    id: "marketing",
    use: "unused",
    name: { de: "Marketing", fr: "Marketing", it: "Marketing", en: "Marketing" },
    description: {
      de: "Von Quartier nicht verwendet: keine Werbung, kein Tracking, nichts einzuschalten.",
      fr: "Non utilisés par Quartier : pas de publicité, pas de pistage, rien à activer.",
      it: "Non usati da Quartier: nessuna pubblicità, nessun tracciamento, niente da attivare.",
      en: "Not used by Quartier: no advertising, no tracking, nothing to turn on.",
    },
  },
];

export const DECLARED_STORAGE: readonly StorageDeclaration[] = [
  {
    name: "__Host-quartier_session",
    kind: "cookie",
    category: "necessary",
    party: "first",
    purpose: {
      de: "Hält Sie angemeldet (zufälliger Schlüssel Ihrer Sitzung; HttpOnly, nur über HTTPS).",
      fr: "Vous garde connecté (clé aléatoire de votre session ; HttpOnly, HTTPS uniquement).",
      it: "Ti mantiene connesso (chiave casuale della tua sessione; HttpOnly, solo HTTPS).",
      en: "Keeps you logged in (a random key of your session; HttpOnly, HTTPS only).",
    },
    duration: {
      de: "Bis zur Abmeldung, höchstens 30 Tage (7 Tage ohne Nutzung)",
      fr: "Jusqu’à la déconnexion, 30 jours au plus (7 jours sans utilisation)",
      it: "Fino al logout, al massimo 30 giorni (7 giorni senza uso)",
      en: "Until you log out, at most 30 days (7 days without use)",
    },
  },
  {
    name: "quartier_lang",
    kind: "cookie",
    category: "necessary",
    party: "first",
    purpose: {
      de: "Merkt sich die Sprache, die Sie vor der Anmeldung gewählt haben.",
      fr: "Retient la langue choisie avant la connexion.",
      it: "Ricorda la lingua scelta prima dell’accesso.",
      en: "Remembers the language you chose before logging in.",
    },
    duration: { de: "1 Jahr", fr: "1 an", it: "1 anno", en: "1 year" },
  },
  {
    name: "quartier.outbox",
    kind: "localStorage",
    category: "necessary",
    party: "first",
    purpose: {
      de: "Hält Nachrichten fest, die Sie geschrieben haben, bis das Gebäude sie bestätigt (z. B. wenn die Verbindung abbricht).",
      fr: "Conserve les messages que vous avez écrits jusqu’à ce que l’immeuble les confirme (p. ex. en cas de coupure).",
      it: "Conserva i messaggi che hai scritto finché l’edificio non li conferma (p. es. se la connessione cade).",
      en: "Keeps messages you wrote until the building confirms them (e.g. when the connection drops).",
    },
    duration: {
      de: "Bis zur Bestätigung (meist Sekunden)",
      fr: "Jusqu’à la confirmation (en général quelques secondes)",
      it: "Fino alla conferma (di solito pochi secondi)",
      en: "Until confirmed (usually seconds)",
    },
  },
  {
    name: CONSENT_STORAGE_KEY,
    kind: "localStorage",
    category: "necessary",
    party: "first",
    purpose: {
      de: "Merkt sich Ihre Wahl zu optionalem Speicher auf diesem Gerät, damit die Frage nicht erneut erscheint (die Wahl selbst steht in Ihren Einwilligungen).",
      fr: "Retient votre choix sur le stockage optionnel sur cet appareil, pour que la question ne revienne pas (le choix lui-même figure dans vos consentements).",
      it: "Ricorda la tua scelta sulla memoria facoltativa su questo dispositivo, così la domanda non ricompare (la scelta stessa è nei tuoi consensi).",
      en: "Remembers your choice about optional storage on this device, so the question does not come back (the choice itself is in your consents).",
    },
    duration: {
      de: "Bis Sie ihn löschen; Ihre nächste Wahl ersetzt ihn",
      fr: "Jusqu’à ce que vous l’effaciez ; votre prochain choix le remplace",
      it: "Finché non lo cancelli; la tua prossima scelta lo sostituisce",
      en: "Until you clear it; your next choice replaces it",
    },
  },
  {
    name: PREFS_STORAGE_KEY,
    kind: "localStorage",
    category: "preferences",
    party: "first",
    purpose: {
      de: "Merkt sich Ihre Darstellung (hell oder dunkel). Nur mit Ihrer Einwilligung zu Präferenzen.",
      fr: "Retient votre affichage (clair ou sombre). Uniquement avec votre consentement aux préférences.",
      it: "Ricorda la visualizzazione (chiara o scura). Solo con il tuo consenso alle preferenze.",
      en: "Remembers your display (light or dark). Only with your consent to preferences.",
    },
    duration: {
      de: "Bis Sie ihn löschen oder die Einwilligung widerrufen (dann sofort gelöscht)",
      fr: "Jusqu’à ce que vous l’effaciez ou retiriez votre consentement (alors effacé aussitôt)",
      it: "Finché non lo cancelli o revochi il consenso (allora cancellato subito)",
      en: "Until you clear it or withdraw your consent (then deleted at once)",
    },
  },
];
