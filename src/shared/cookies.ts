import type { Locale } from "./locales";

/**
 * Every cookie and browser-storage key the product sets (R-P11), declared once: the privacy page
 * lists them and the browser suite checks that a browser holds nothing else. All are strictly
 * necessary; the product sets no preference, statistics or marketing cookies, so there is nothing to
 * consent to yet (decision 0014).
 */
export interface StorageDeclaration {
  name: string;
  kind: "cookie" | "localStorage";
  category: "necessary";
  party: "first";
  purpose: Record<Locale, string>;
  duration: Record<Locale, string>;
}

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
];
