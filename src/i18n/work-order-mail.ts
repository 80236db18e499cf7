import type { Locale } from "../db/schema/customers";

/**
 * The mail a craftsman company gets when a manager assigns it a ticket: the work-order link only. No
 * resident data in the mail itself; the page shows what the manager chose to share.
 */
export const WORK_ORDER_MAIL: Record<Locale, { subject: string; body: string }> = {
  de: {
    subject: "Neuer Auftrag von {app}",
    body: "Guten Tag {provider}\n\n{app} hat Ihnen einen Auftrag zugewiesen. Details, Fotos und Rückmeldung:\n{link}\n\nDer Link ist bis {expires} gültig und nur für Sie bestimmt. Bitte nicht weiterleiten.",
  },
  fr: {
    subject: "Nouvel ordre de travail de {app}",
    body: "Bonjour {provider}\n\n{app} vous a attribué un ordre de travail. Détails, photos et suivi :\n{link}\n\nLe lien est valable jusqu'au {expires} et vous est personnel. Merci de ne pas le transférer.",
  },
  it: {
    subject: "Nuovo ordine di lavoro da {app}",
    body: "Buongiorno {provider}\n\n{app} vi ha assegnato un ordine di lavoro. Dettagli, foto e riscontro:\n{link}\n\nIl link è valido fino al {expires} ed è personale. Per favore non inoltrarlo.",
  },
  en: {
    subject: "New work order from {app}",
    body: "Hello {provider}\n\n{app} has assigned you a work order. Details, photos and updates:\n{link}\n\nThe link works until {expires} and is meant for you only. Please do not forward it.",
  },
};
