import type { Locale } from "../db/schema/customers";

/**
 * Newsletter texts (R-P8) in the four product languages: the confirmation mail of the double opt-in,
 * the footer of every issue (the personal link to the preference centre), and the two pages behind
 * those links. `{name}`, `{app}`, `{link}`, `{topics}`, `{hours}` are filled in when sending.
 */
export interface NewsletterTexts {
  confirmSubject: string;
  confirmBody: string;
  issueFooter: string;
  confirmTitle: string;
  confirmButton: string;
  confirmDone: string;
  prefsTitle: string;
  prefsIntro: string;
  prefsSave: string;
  prefsSaved: string;
  unsubscribeAll: string;
  unsubscribeAllButton: string;
  unsubscribed: string;
  ended: string;
  failed: string;
}

export const NEWSLETTER_TEXTS: Record<Locale, NewsletterTexts> = {
  de: {
    confirmSubject: "Bitte bestätigen Sie Ihr Newsletter-Abonnement bei {app}",
    confirmBody:
      "Guten Tag {name}\n\nSie möchten den Newsletter von {app} erhalten (Themen: {topics}). Bitte bestätigen Sie das mit diesem Link:\n{link}\n\nDer Link ist {hours} Stunden gültig. Ohne Bestätigung erhalten Sie nichts, und Ihre Anmeldung wird gelöscht.",
    issueFooter:
      "\n\n--\nSie erhalten diesen Newsletter, weil Sie ihn abonniert haben. Themen wählen oder abmelden:\n{link}",
    confirmTitle: "Newsletter-Abonnement bestätigen",
    confirmButton: "Abonnement bestätigen",
    confirmDone: "Bestätigt. Sie erhalten ab jetzt den Newsletter.",
    prefsTitle: "Newsletter-Einstellungen",
    prefsIntro: "Wählen Sie, zu welchen Themen Sie den Newsletter erhalten möchten.",
    prefsSave: "Auswahl speichern",
    prefsSaved: "Gespeichert.",
    unsubscribeAll: "Keinen Newsletter mehr erhalten",
    unsubscribeAllButton: "Von allen Themen abmelden",
    unsubscribed: "Abgemeldet. Sie erhalten keinen Newsletter mehr.",
    ended: "Dieses Abonnement ist beendet. Sie erhalten keinen Newsletter.",
    failed: "Das hat nicht geklappt",
  },
  fr: {
    confirmSubject: "Veuillez confirmer votre abonnement à la newsletter de {app}",
    confirmBody:
      "Bonjour {name}\n\nVous souhaitez recevoir la newsletter de {app} (thèmes : {topics}). Veuillez le confirmer avec ce lien :\n{link}\n\nLe lien est valable {hours} heures. Sans confirmation, vous ne recevrez rien et votre inscription sera effacée.",
    issueFooter:
      "\n\n--\nVous recevez cette newsletter parce que vous vous y êtes abonné·e. Choisir les thèmes ou se désabonner :\n{link}",
    confirmTitle: "Confirmer l'abonnement à la newsletter",
    confirmButton: "Confirmer l'abonnement",
    confirmDone: "Confirmé. Vous recevrez désormais la newsletter.",
    prefsTitle: "Préférences de newsletter",
    prefsIntro: "Choisissez les thèmes pour lesquels vous souhaitez recevoir la newsletter.",
    prefsSave: "Enregistrer le choix",
    prefsSaved: "Enregistré.",
    unsubscribeAll: "Ne plus recevoir de newsletter",
    unsubscribeAllButton: "Se désabonner de tous les thèmes",
    unsubscribed: "Désabonné·e. Vous ne recevrez plus de newsletter.",
    ended: "Cet abonnement a pris fin. Vous ne recevez pas de newsletter.",
    failed: "Cela n'a pas fonctionné",
  },
  it: {
    confirmSubject: "Conferma l'iscrizione alla newsletter di {app}",
    confirmBody:
      "Buongiorno {name}\n\nDesidera ricevere la newsletter di {app} (temi: {topics}). La preghiamo di confermarlo con questo link:\n{link}\n\nIl link è valido {hours} ore. Senza conferma non riceverà nulla e l'iscrizione sarà cancellata.",
    issueFooter:
      "\n\n--\nRiceve questa newsletter perché si è iscritto/a. Scegliere i temi o annullare l'iscrizione:\n{link}",
    confirmTitle: "Conferma l'iscrizione alla newsletter",
    confirmButton: "Conferma l'iscrizione",
    confirmDone: "Confermato. Da ora riceverà la newsletter.",
    prefsTitle: "Preferenze newsletter",
    prefsIntro: "Scelga su quali temi desidera ricevere la newsletter.",
    prefsSave: "Salva la scelta",
    prefsSaved: "Salvato.",
    unsubscribeAll: "Non ricevere più la newsletter",
    unsubscribeAllButton: "Annulla l'iscrizione a tutti i temi",
    unsubscribed: "Iscrizione annullata. Non riceverà più la newsletter.",
    ended: "Questa iscrizione è terminata. Non riceve la newsletter.",
    failed: "Non ha funzionato",
  },
  en: {
    confirmSubject: "Please confirm your newsletter subscription at {app}",
    confirmBody:
      "Hello {name}\n\nYou asked to receive the newsletter of {app} (topics: {topics}). Please confirm with this link:\n{link}\n\nThe link is valid for {hours} hours. Without confirmation you receive nothing and your sign-up is deleted.",
    issueFooter: "\n\n--\nYou receive this newsletter because you subscribed. Choose topics or unsubscribe:\n{link}",
    confirmTitle: "Confirm your newsletter subscription",
    confirmButton: "Confirm subscription",
    confirmDone: "Confirmed. You will receive the newsletter from now on.",
    prefsTitle: "Newsletter preferences",
    prefsIntro: "Choose the topics you want to receive the newsletter about.",
    prefsSave: "Save choice",
    prefsSaved: "Saved.",
    unsubscribeAll: "No more newsletters",
    unsubscribeAllButton: "Unsubscribe from all topics",
    unsubscribed: "Unsubscribed. You will not receive the newsletter any more.",
    ended: "This subscription has ended. You receive no newsletter.",
    failed: "That did not work",
  },
};

export const fillText = (s: string, vars: Record<string, string>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");
