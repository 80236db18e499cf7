import type { Jurisdiction, Locale } from "../db/schema/customers";
import type { Category, LegalBasis } from "../privacy/classification";

/**
 * Texts of the transparency page (R-P13) in the four product languages. The record of processing
 * itself is generated from the data map, whose purposes and retention rules are kept in English;
 * categories and legal bases are translated here.
 */
export interface TransparencyTexts {
  title: string;
  intro: string;
  controller: string;
  controllerText: string;
  contact: string;
  contactText: string;
  rights: string;
  rightsList: string[];
  authority: string;
  authorityName: Record<Jurisdiction, string>;
  processors: string;
  processorPurpose: string;
  processorLocation: string;
  record: string;
  recordIntro: string;
  field: string;
  category: string;
  purpose: string;
  basis: string;
  retention: string;
  erasure: string;
  categories: Record<Category, string>;
  bases: Record<LegalBasis, string>;
  backups: string;
  cookies: string;
  cookiesText: string;
}

export const TRANSPARENCY_TEXTS: Record<Locale, TransparencyTexts> = {
  de: {
    title: "Datenschutz: wer, was, wozu",
    intro: "Diese Seite zeigt, wer Ihre Daten bearbeitet, wozu, auf welcher Grundlage und wie lange.",
    controller: "Verantwortliche Stelle",
    controllerText: "Verantwortlich ist Ihre Verwaltung:",
    contact: "Kontakt",
    contactText:
      "Datenschutzanliegen richten Sie in der App unter «Einstellungen und Datenschutz» oder direkt an Ihre Verwaltung.",
    rights: "Ihre Rechte",
    rightsList: [
      "Auskunft und Datenkopie (Export als ZIP)",
      "Berichtigung",
      "Löschung",
      "Einschränkung der Bearbeitung",
      "Widerspruch, auch gegen Werbung",
      "Widerruf von Einwilligungen, jederzeit für die Zukunft",
    ],
    authority: "Aufsichtsbehörde",
    authorityName: {
      ch: "Eidgenössischer Datenschutz- und Öffentlichkeitsbeauftragter (EDÖB)",
      eu: "Die Aufsichtsbehörde des EU/EWR-Staates Ihres Aufenthalts, Arbeitsplatzes oder des mutmasslichen Verstosses (Art. 77 DSGVO)",
    },
    processors: "Auftragsbearbeiter",
    processorPurpose:
      "Hosting: Anwendung, Datenbanken, Hausräume, Dateien, Warteschlangen (Cloudflare Workers, D1, Durable Objects, R2, Queues)",
    processorLocation:
      "Gespeichert in der EU-Speicherjurisdiktion von Cloudflare (getrennt nach Jurisdiktion); Anfragen werden am nächstgelegenen Standort bearbeitet",
    record: "Verzeichnis der Bearbeitungstätigkeiten",
    recordIntro:
      "Erzeugt aus der Datenkarte des Produkts: jedes gespeicherte Feld mit Personenbezug. Zweck, Aufbewahrung und Löschregel stehen in der Sprache der Datenkarte (Englisch).",
    field: "Feld",
    category: "Kategorie",
    purpose: "Zweck",
    basis: "Rechtsgrundlage",
    retention: "Aufbewahrung",
    erasure: "Bei Löschung",
    categories: {
      identifier: "Kennung",
      identity: "Identität",
      contact: "Kontaktdaten",
      credential: "Zugangsdaten",
      content: "Inhalte",
      technical: "Technische Daten",
      tenancy: "Mietverhältnis",
      organisation: "Organisation",
    },
    bases: {
      contract: "Vertrag (Art. 6 Abs. 1 lit. b DSGVO)",
      "legitimate-interest": "Berechtigtes Interesse (Art. 6 Abs. 1 lit. f DSGVO)",
      "legal-obligation": "Rechtliche Pflicht (Art. 6 Abs. 1 lit. c DSGVO)",
      consent: "Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)",
      none: "Keine Personendaten",
    },
    backups:
      "Sicherungen reichen 30 Tage zurück; Löschungen werden ohne Personendaten protokolliert und nach jeder Wiederherstellung erneut angewendet.",
    cookies: "Cookies und Speicher",
    cookiesText:
      "Ohne Einwilligung nur technisch notwendige Cookies und Speicher; Präferenzen nur mit Ihrer Einwilligung:",
  },
  fr: {
    title: "Protection des données : qui, quoi, pourquoi",
    intro: "Cette page indique qui traite vos données, dans quel but, sur quelle base et pendant combien de temps.",
    controller: "Responsable du traitement",
    controllerText: "Le responsable est votre gérance :",
    contact: "Contact",
    contactText:
      "Pour toute question de protection des données, utilisez « Paramètres et confidentialité » dans l'app ou adressez-vous à votre gérance.",
    rights: "Vos droits",
    rightsList: [
      "Accès et copie des données (export ZIP)",
      "Rectification",
      "Effacement",
      "Limitation du traitement",
      "Opposition, y compris à la prospection",
      "Retrait du consentement, à tout moment pour l'avenir",
    ],
    authority: "Autorité de contrôle",
    authorityName: {
      ch: "Préposé fédéral à la protection des données et à la transparence (PFPDT)",
      eu: "L'autorité de contrôle de l'État de l'UE/EEE de votre résidence, de votre lieu de travail ou de la violation alléguée (art. 77 RGPD)",
    },
    processors: "Sous-traitants",
    processorPurpose:
      "Hébergement : application, bases de données, salles d'immeuble, fichiers, files d'attente (Cloudflare Workers, D1, Durable Objects, R2, Queues)",
    processorLocation:
      "Stocké dans la juridiction de stockage UE de Cloudflare (séparé par juridiction) ; les requêtes sont traitées au site le plus proche",
    record: "Registre des activités de traitement",
    recordIntro:
      "Généré à partir de la carte des données du produit : chaque champ enregistré se rapportant à une personne. Finalité, conservation et règle d'effacement sont dans la langue de la carte (anglais).",
    field: "Champ",
    category: "Catégorie",
    purpose: "Finalité",
    basis: "Base légale",
    retention: "Conservation",
    erasure: "À l'effacement",
    categories: {
      identifier: "Identifiant",
      identity: "Identité",
      contact: "Coordonnées",
      credential: "Identifiants d'accès",
      content: "Contenus",
      technical: "Données techniques",
      tenancy: "Bail",
      organisation: "Organisation",
    },
    bases: {
      contract: "Contrat (art. 6, par. 1, let. b RGPD)",
      "legitimate-interest": "Intérêt légitime (art. 6, par. 1, let. f RGPD)",
      "legal-obligation": "Obligation légale (art. 6, par. 1, let. c RGPD)",
      consent: "Consentement (art. 6, par. 1, let. a RGPD)",
      none: "Pas de données personnelles",
    },
    backups:
      "Les sauvegardes remontent à 30 jours ; les effacements sont consignés sans données personnelles et réappliqués après toute restauration.",
    cookies: "Cookies et stockage",
    cookiesText:
      "Sans consentement, uniquement des cookies et un stockage strictement nécessaires ; les préférences seulement avec votre consentement :",
  },
  it: {
    title: "Protezione dei dati: chi, cosa, perché",
    intro: "Questa pagina mostra chi tratta i tuoi dati, a quale scopo, su quale base e per quanto tempo.",
    controller: "Titolare del trattamento",
    controllerText: "Il titolare è la tua amministrazione:",
    contact: "Contatto",
    contactText:
      "Per questioni di protezione dei dati usa «Impostazioni e privacy» nell'app o rivolgiti alla tua amministrazione.",
    rights: "I tuoi diritti",
    rightsList: [
      "Accesso e copia dei dati (esportazione ZIP)",
      "Rettifica",
      "Cancellazione",
      "Limitazione del trattamento",
      "Opposizione, anche al marketing",
      "Revoca del consenso, in qualsiasi momento per il futuro",
    ],
    authority: "Autorità di controllo",
    authorityName: {
      ch: "Incaricato federale della protezione dei dati e della trasparenza (IFPDT)",
      eu: "L'autorità di controllo dello Stato UE/SEE della tua residenza, del luogo di lavoro o della presunta violazione (art. 77 GDPR)",
    },
    processors: "Responsabili del trattamento",
    processorPurpose:
      "Hosting: applicazione, banche dati, stanze degli stabili, file, code (Cloudflare Workers, D1, Durable Objects, R2, Queues)",
    processorLocation:
      "Archiviato nella giurisdizione di archiviazione UE di Cloudflare (separato per giurisdizione); le richieste sono trattate nella sede più vicina",
    record: "Registro delle attività di trattamento",
    recordIntro:
      "Generato dalla mappa dei dati del prodotto: ogni campo memorizzato riferito a una persona. Finalità, conservazione e regola di cancellazione sono nella lingua della mappa (inglese).",
    field: "Campo",
    category: "Categoria",
    purpose: "Finalità",
    basis: "Base giuridica",
    retention: "Conservazione",
    erasure: "Alla cancellazione",
    categories: {
      identifier: "Identificativo",
      identity: "Identità",
      contact: "Dati di contatto",
      credential: "Credenziali",
      content: "Contenuti",
      technical: "Dati tecnici",
      tenancy: "Locazione",
      organisation: "Organizzazione",
    },
    bases: {
      contract: "Contratto (art. 6 par. 1 lett. b GDPR)",
      "legitimate-interest": "Interesse legittimo (art. 6 par. 1 lett. f GDPR)",
      "legal-obligation": "Obbligo legale (art. 6 par. 1 lett. c GDPR)",
      consent: "Consenso (art. 6 par. 1 lett. a GDPR)",
      none: "Nessun dato personale",
    },
    backups:
      "I backup risalgono a 30 giorni; le cancellazioni sono registrate senza dati personali e riapplicate dopo ogni ripristino.",
    cookies: "Cookie e memoria",
    cookiesText: "Senza consenso solo cookie e memoria strettamente necessari; le preferenze solo con il tuo consenso:",
  },
  en: {
    title: "Privacy: who, what, why",
    intro: "This page shows who processes your data, for what, on which legal basis and for how long.",
    controller: "Controller",
    controllerText: "The controller is your property manager:",
    contact: "Contact",
    contactText: "For privacy matters use “Settings and privacy” in the app, or contact your property manager.",
    rights: "Your rights",
    rightsList: [
      "Access and a copy of your data (ZIP export)",
      "Rectification",
      "Erasure",
      "Restriction of processing",
      "Objection, including to direct marketing",
      "Withdrawal of consent, at any time for the future",
    ],
    authority: "Supervisory authority",
    authorityName: {
      ch: "Federal Data Protection and Information Commissioner (FDPIC)",
      eu: "The supervisory authority of the EU/EEA member state of your habitual residence, place of work or of the alleged infringement (GDPR Art. 77)",
    },
    processors: "Processors",
    processorPurpose:
      "Hosting: application, databases, building rooms, files, queues (Cloudflare Workers, D1, Durable Objects, R2, Queues)",
    processorLocation:
      "Stored in Cloudflare's EU storage jurisdiction (separate per jurisdiction); requests are processed at the nearest edge location",
    record: "Record of processing activities",
    recordIntro:
      "Generated from the product's data map: every stored field that relates to a person. Purpose, retention and erasure rule are in the data map's language (English).",
    field: "Field",
    category: "Category",
    purpose: "Purpose",
    basis: "Legal basis",
    retention: "Retention",
    erasure: "On erasure",
    categories: {
      identifier: "Identifier",
      identity: "Identity",
      contact: "Contact data",
      credential: "Credentials",
      content: "Content",
      technical: "Technical data",
      tenancy: "Tenancy",
      organisation: "Organisation",
    },
    bases: {
      contract: "Contract (GDPR Art. 6(1)(b))",
      "legitimate-interest": "Legitimate interest (GDPR Art. 6(1)(f))",
      "legal-obligation": "Legal obligation (GDPR Art. 6(1)(c))",
      consent: "Consent (GDPR Art. 6(1)(a))",
      none: "Not personal data",
    },
    backups:
      "Backups reach back 30 days; erasures are recorded without personal data and re-applied after any restore.",
    cookies: "Cookies and storage",
    cookiesText: "Without consent only strictly necessary cookies and storage; preferences only with your consent:",
  },
};
