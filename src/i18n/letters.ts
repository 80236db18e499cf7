import type { Locale } from "../db/schema/customers";

/** Text of the printed activation letter, in the customer's language. */
export interface LetterTexts {
  title: string;
  greeting: string;
  intro: string;
  steps: string[];
  codeLabel: string;
  linkLabel: string;
  validUntil: string;
  unitLabel: string;
  scan: string;
  privacy: string;
}

export const LETTER_TEXTS: Record<Locale, LetterTexts> = {
  de: {
    title: "Ihr Zugang zur digitalen Plattform Ihres Hauses",
    greeting: "Guten Tag",
    intro:
      "{app} bietet Ihnen eine App für Ihr Haus: Schwarzes Brett, Nachrichten der Verwaltung, Schadensmeldungen und mehr.",
    steps: [
      "Öffnen Sie den Link oder scannen Sie den QR-Code.",
      "Geben Sie Name, E-Mail-Adresse und ein Passwort ein.",
      "Bestätigen Sie Ihre E-Mail-Adresse – fertig.",
    ],
    codeLabel: "Ihr persönlicher Code",
    linkLabel: "Ihr persönlicher Link",
    validUntil: "Gültig bis",
    unitLabel: "Wohnung",
    scan: "QR-Code mit der Kamera scannen",
    privacy: "Bewahren Sie diesen Brief sicher auf: Der Code gibt Zugang zu Ihrem Haus in der App.",
  },
  fr: {
    title: "Votre accès à la plateforme numérique de votre immeuble",
    greeting: "Bonjour",
    intro:
      "{app} met à votre disposition une application pour votre immeuble : tableau d'affichage, messages de la gérance, annonces de dégâts et plus encore.",
    steps: [
      "Ouvrez le lien ou scannez le code QR.",
      "Saisissez votre nom, votre adresse e-mail et un mot de passe.",
      "Confirmez votre adresse e-mail – c'est tout.",
    ],
    codeLabel: "Votre code personnel",
    linkLabel: "Votre lien personnel",
    validUntil: "Valable jusqu'au",
    unitLabel: "Logement",
    scan: "Scannez le code QR avec l'appareil photo",
    privacy: "Conservez cette lettre en lieu sûr : le code donne accès à votre immeuble dans l'application.",
  },
  it: {
    title: "Il tuo accesso alla piattaforma digitale del tuo stabile",
    greeting: "Buongiorno",
    intro:
      "{app} ti offre un'app per il tuo stabile: bacheca, comunicazioni dell'amministrazione, segnalazioni di guasti e altro.",
    steps: [
      "Apri il link o scansiona il codice QR.",
      "Inserisci nome, indirizzo e-mail e una password.",
      "Conferma il tuo indirizzo e-mail: fatto.",
    ],
    codeLabel: "Il tuo codice personale",
    linkLabel: "Il tuo link personale",
    validUntil: "Valido fino al",
    unitLabel: "Appartamento",
    scan: "Scansiona il codice QR con la fotocamera",
    privacy: "Conserva questa lettera in un luogo sicuro: il codice dà accesso al tuo stabile nell'app.",
  },
  en: {
    title: "Your access to your building's digital platform",
    greeting: "Hello",
    intro:
      "{app} offers you an app for your building: pinboard, news from the property manager, repair requests and more.",
    steps: [
      "Open the link or scan the QR code.",
      "Enter your name, e-mail address and a password.",
      "Confirm your e-mail address – done.",
    ],
    codeLabel: "Your personal code",
    linkLabel: "Your personal link",
    validUntil: "Valid until",
    unitLabel: "Unit",
    scan: "Scan the QR code with your camera",
    privacy: "Keep this letter safe: the code gives access to your building in the app.",
  },
};
