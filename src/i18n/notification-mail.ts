import type { Locale } from "../db/schema/customers";
import type { NotifyCategoryKey } from "../db/schema/notifications";

/**
 * Notification mails (R-A5) in the four product languages. They never carry what neighbours wrote:
 * only counts, the building's name and the titles of the customer's own announcements (`{lines}`),
 * with a link back into the app. Counts are written as "label: n", which needs no plural rules.
 */
export type NotifyTemplate =
  | "notify-announcements"
  | "notify-messages"
  | "notify-pinboard"
  | "notify-digest-daily"
  | "notify-digest-weekly";

type Texts = Record<NotifyTemplate, { subject: string; body: string }>;

const footer = {
  de: "\n\nIn der App öffnen:\n{link}\n\nWelche E-Mails Sie erhalten, legen Sie in der App unter «Benachrichtigungen» fest.",
  fr: "\n\nOuvrir dans l'app :\n{link}\n\nVous choisissez les e-mails que vous recevez dans l'app, sous « Notifications ».",
  it: "\n\nApri nell'app:\n{link}\n\nScegli quali e-mail ricevere nell'app, alla voce «Notifiche».",
  en: "\n\nOpen the app:\n{link}\n\nYou choose which e-mails you get in the app, under “Notifications”.",
} satisfies Record<Locale, string>;

export const NOTIFY_TEXTS: Record<Locale, Texts> = {
  de: {
    "notify-announcements": {
      subject: "Neue Mitteilung von {app}",
      body: `Guten Tag {name}\n\nIhre Verwaltung hat eine Mitteilung veröffentlicht:\n{lines}${footer.de}`,
    },
    "notify-messages": {
      subject: "Neue Nachrichten bei {app}",
      body: `Guten Tag {name}\n\nSie haben neue Nachrichten von Nachbarinnen und Nachbarn:\n{lines}${footer.de}`,
    },
    "notify-pinboard": {
      subject: "Neues an der Pinnwand bei {app}",
      body: `Guten Tag {name}\n\nAn der Pinnwand Ihres Hauses gibt es Neues:\n{lines}${footer.de}`,
    },
    "notify-digest-daily": {
      subject: "Ihre tägliche Übersicht von {app}",
      body: `Guten Tag {name}\n\nDas ist seit gestern neu:\n{lines}${footer.de}`,
    },
    "notify-digest-weekly": {
      subject: "Ihre Wochenübersicht von {app}",
      body: `Guten Tag {name}\n\nDas ist in dieser Woche neu:\n{lines}${footer.de}`,
    },
  },
  fr: {
    "notify-announcements": {
      subject: "Nouvelle communication de {app}",
      body: `Bonjour {name}\n\nVotre gérance a publié une communication :\n{lines}${footer.fr}`,
    },
    "notify-messages": {
      subject: "Nouveaux messages sur {app}",
      body: `Bonjour {name}\n\nVous avez de nouveaux messages de vos voisins :\n{lines}${footer.fr}`,
    },
    "notify-pinboard": {
      subject: "Du nouveau sur le tableau d'affichage de {app}",
      body: `Bonjour {name}\n\nIl y a du nouveau sur le tableau d'affichage de votre immeuble :\n{lines}${footer.fr}`,
    },
    "notify-digest-daily": {
      subject: "Votre résumé quotidien de {app}",
      body: `Bonjour {name}\n\nVoici les nouveautés depuis hier :\n{lines}${footer.fr}`,
    },
    "notify-digest-weekly": {
      subject: "Votre résumé hebdomadaire de {app}",
      body: `Bonjour {name}\n\nVoici les nouveautés de la semaine :\n{lines}${footer.fr}`,
    },
  },
  it: {
    "notify-announcements": {
      subject: "Nuova comunicazione da {app}",
      body: `Buongiorno {name}\n\nL'amministrazione ha pubblicato una comunicazione:\n{lines}${footer.it}`,
    },
    "notify-messages": {
      subject: "Nuovi messaggi su {app}",
      body: `Buongiorno {name}\n\nHai nuovi messaggi dai tuoi vicini:\n{lines}${footer.it}`,
    },
    "notify-pinboard": {
      subject: "Novità in bacheca su {app}",
      body: `Buongiorno {name}\n\nCi sono novità nella bacheca del tuo stabile:\n{lines}${footer.it}`,
    },
    "notify-digest-daily": {
      subject: "Il tuo riepilogo giornaliero di {app}",
      body: `Buongiorno {name}\n\nEcco le novità da ieri:\n{lines}${footer.it}`,
    },
    "notify-digest-weekly": {
      subject: "Il tuo riepilogo settimanale di {app}",
      body: `Buongiorno {name}\n\nEcco le novità della settimana:\n{lines}${footer.it}`,
    },
  },
  en: {
    "notify-announcements": {
      subject: "New announcement from {app}",
      body: `Hello {name}\n\nYour property manager published an announcement:\n{lines}${footer.en}`,
    },
    "notify-messages": {
      subject: "New messages on {app}",
      body: `Hello {name}\n\nYou have new messages from neighbours:\n{lines}${footer.en}`,
    },
    "notify-pinboard": {
      subject: "New on the pinboard on {app}",
      body: `Hello {name}\n\nThere is something new on your building's pinboard:\n{lines}${footer.en}`,
    },
    "notify-digest-daily": {
      subject: "Your daily summary from {app}",
      body: `Hello {name}\n\nNew since yesterday:\n{lines}${footer.en}`,
    },
    "notify-digest-weekly": {
      subject: "Your weekly summary from {app}",
      body: `Hello {name}\n\nNew this week:\n{lines}${footer.en}`,
    },
  },
};

/**
 * One line of a notification mail. Announcements are listed by title (the customer's own words);
 * messages and posts only by count.
 */
export const NOTIFY_LINES: Record<Locale, Record<NotifyCategoryKey, string>> = {
  de: {
    announcements: "- {building}: «{title}»",
    messages: "- Neue Direktnachrichten in {building}: {count}",
    pinboard: "- Neue Beiträge an der Pinnwand von {building}: {count}",
  },
  fr: {
    announcements: "- {building} : « {title} »",
    messages: "- Nouveaux messages directs à {building} : {count}",
    pinboard: "- Nouvelles publications au tableau de {building} : {count}",
  },
  it: {
    announcements: "- {building}: «{title}»",
    messages: "- Nuovi messaggi diretti a {building}: {count}",
    pinboard: "- Nuovi post nella bacheca di {building}: {count}",
  },
  en: {
    announcements: "- {building}: “{title}”",
    messages: "- New direct messages in {building}: {count}",
    pinboard: "- New pinboard posts in {building}: {count}",
  },
};

export function notifyLine(locale: Locale, category: NotifyCategoryKey, vars: Record<string, string>): string {
  return NOTIFY_LINES[locale][category].replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");
}
