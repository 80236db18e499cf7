import type { Locale } from "../db/schema/customers";

/** Texts of the craftsman's work-order page (server-rendered, no account). */
export interface WorkOrderTexts {
  title: string;
  place: string;
  unit: string;
  commonAreas: string;
  contact: string;
  noContact: string;
  conversation: string;
  photos: string;
  status: string;
  statuses: Record<string, string>;
  keepStatus: string;
  comment: string;
  send: string;
  upload: string;
  uploadButton: string;
  validUntil: string;
  ended: string;
  notFound: string;
  you: string;
}

const statuses = {
  de: {
    "waiting-for-agent": "Bei der Verwaltung",
    "waiting-for-customer": "Erledigt, wartet auf Rückmeldung",
    "waiting-for-external": "In Arbeit beim Handwerker",
    closed: "Abgeschlossen",
  },
  fr: {
    "waiting-for-agent": "Auprès de la gérance",
    "waiting-for-customer": "Terminé, en attente de retour",
    "waiting-for-external": "En cours chez l'artisan",
    closed: "Clôturé",
  },
  it: {
    "waiting-for-agent": "Presso l'amministrazione",
    "waiting-for-customer": "Eseguito, in attesa di riscontro",
    "waiting-for-external": "In lavorazione dall'artigiano",
    closed: "Chiuso",
  },
  en: {
    "waiting-for-agent": "With the property manager",
    "waiting-for-customer": "Done, waiting for confirmation",
    "waiting-for-external": "In progress with the craftsman",
    closed: "Closed",
  },
};

export const WORK_ORDER_TEXTS: Record<Locale, WorkOrderTexts> = {
  de: {
    title: "Auftrag",
    place: "Ort",
    unit: "Einheit",
    commonAreas: "Allgemeine Bereiche",
    contact: "Kontakt",
    noContact: "Termine bitte über die Verwaltung vereinbaren.",
    conversation: "Verlauf",
    photos: "Fotos und Dokumente",
    status: "Status",
    statuses: statuses.de,
    keepStatus: "Status nicht ändern",
    comment: "Kommentar",
    send: "Senden",
    upload: "Foto oder PDF hinzufügen",
    uploadButton: "Hochladen",
    validUntil: "Link gültig bis",
    ended: "Dieser Auftragslink ist abgelaufen oder wurde widerrufen. Bitte wenden Sie sich an die Verwaltung.",
    notFound: "Diesen Auftrag gibt es nicht.",
    you: "Sie",
  },
  fr: {
    title: "Ordre de travail",
    place: "Lieu",
    unit: "Unité",
    commonAreas: "Parties communes",
    contact: "Contact",
    noContact: "Merci de convenir des rendez-vous avec la gérance.",
    conversation: "Historique",
    photos: "Photos et documents",
    status: "Statut",
    statuses: statuses.fr,
    keepStatus: "Ne pas changer le statut",
    comment: "Commentaire",
    send: "Envoyer",
    upload: "Ajouter une photo ou un PDF",
    uploadButton: "Téléverser",
    validUntil: "Lien valable jusqu'au",
    ended: "Ce lien a expiré ou a été révoqué. Merci de contacter la gérance.",
    notFound: "Cet ordre de travail n'existe pas.",
    you: "Vous",
  },
  it: {
    title: "Ordine di lavoro",
    place: "Luogo",
    unit: "Unità",
    commonAreas: "Parti comuni",
    contact: "Contatto",
    noContact: "Per gli appuntamenti rivolgersi all'amministrazione.",
    conversation: "Cronologia",
    photos: "Foto e documenti",
    status: "Stato",
    statuses: statuses.it,
    keepStatus: "Non cambiare lo stato",
    comment: "Commento",
    send: "Invia",
    upload: "Aggiungi una foto o un PDF",
    uploadButton: "Carica",
    validUntil: "Link valido fino al",
    ended: "Questo link è scaduto o è stato revocato. Rivolgersi all'amministrazione.",
    notFound: "Questo ordine di lavoro non esiste.",
    you: "Voi",
  },
  en: {
    title: "Work order",
    place: "Place",
    unit: "Unit",
    commonAreas: "Common areas",
    contact: "Contact",
    noContact: "Please arrange appointments through the property manager.",
    conversation: "Conversation",
    photos: "Photos and documents",
    status: "Status",
    statuses: statuses.en,
    keepStatus: "Keep the status",
    comment: "Comment",
    send: "Send",
    upload: "Add a photo or PDF",
    uploadButton: "Upload",
    validUntil: "Link valid until",
    ended: "This work order link has expired or was revoked. Please contact the property manager.",
    notFound: "There is no such work order.",
    you: "You",
  },
};
