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
  uploadTooLarge: string;
  uploadWrongType: string;
  uploadRateLimited: string;
  uploadMissing: string;
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
    uploadTooLarge: "Die Datei ist zu gross: Fotos höchstens 10 MiB, PDF-Dokumente höchstens 20 MiB.",
    uploadWrongType:
      "Diese Datei wurde nicht angenommen: nur vollständige Fotos (JPEG, PNG, WebP, HEIC) und PDF-Dokumente.",
    uploadRateLimited: "Zu viele Uploads in der letzten Stunde. Bitte versuchen Sie es später wieder.",
    uploadMissing: "Bitte wählen Sie zuerst eine Datei aus.",
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
    uploadTooLarge: "Le fichier est trop volumineux : photos 10 Mio au plus, documents PDF 20 Mio au plus.",
    uploadWrongType:
      "Ce fichier n'a pas été accepté : seulement des photos complètes (JPEG, PNG, WebP, HEIC) et des documents PDF.",
    uploadRateLimited: "Trop de téléversements au cours de la dernière heure. Merci de réessayer plus tard.",
    uploadMissing: "Merci de choisir d'abord un fichier.",
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
    uploadTooLarge: "Il file è troppo grande: foto al massimo 10 MiB, documenti PDF al massimo 20 MiB.",
    uploadWrongType: "Questo file non è stato accettato: solo foto complete (JPEG, PNG, WebP, HEIC) e documenti PDF.",
    uploadRateLimited: "Troppi caricamenti nell'ultima ora. Riprovare più tardi.",
    uploadMissing: "Scegliere prima un file.",
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
    uploadTooLarge: "The file is too large: photos at most 10 MiB, PDF documents at most 20 MiB.",
    uploadWrongType: "This file was not accepted: only complete photos (JPEG, PNG, WebP, HEIC) and PDF documents.",
    uploadRateLimited: "Too many uploads in the last hour. Please try again later.",
    uploadMissing: "Please choose a file first.",
  },
};
