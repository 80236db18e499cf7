import type { Locale } from "../db/schema/customers";

/** Mail texts in the four product languages. `{link}`, `{name}`, `{app}` are filled in by `render`. */
export type MailTemplate = "verify-email" | "reset-password" | "account-exists" | "password-changed" | "admin-welcome";

type Texts = Record<MailTemplate, { subject: string; body: string }>;

const de: Texts = {
  "verify-email": {
    subject: "Bitte bestätigen Sie Ihre E-Mail-Adresse für {app}",
    body: "Guten Tag {name}\n\nBitte bestätigen Sie Ihre E-Mail-Adresse, um Ihr Konto zu aktivieren:\n{link}\n\nDer Link ist 24 Stunden gültig. Wenn Sie kein Konto eröffnet haben, können Sie diese Nachricht ignorieren.",
  },
  "reset-password": {
    subject: "Passwort zurücksetzen für {app}",
    body: "Guten Tag {name}\n\nMit diesem Link legen Sie ein neues Passwort fest:\n{link}\n\nDer Link ist 30 Minuten gültig und funktioniert einmal. Haben Sie nichts angefordert, ändert sich nichts.",
  },
  "account-exists": {
    subject: "Anmeldeversuch bei {app}",
    body: "Guten Tag {name}\n\nJemand wollte mit Ihrer E-Mail-Adresse ein Konto eröffnen. Sie haben bereits eines. Passwort vergessen? Hier setzen Sie es zurück:\n{link}",
  },
  "password-changed": {
    subject: "Ihr Passwort für {app} wurde geändert",
    body: "Guten Tag {name}\n\nIhr Passwort wurde soeben geändert und alle anderen Sitzungen wurden beendet. Waren Sie das nicht? Setzen Sie es sofort zurück:\n{link}",
  },
  "admin-welcome": {
    subject: "Willkommen bei {app}",
    body: "Guten Tag {name}\n\nFür Sie wurde ein Administrationskonto eingerichtet. Legen Sie Ihr Passwort fest:\n{link}",
  },
};

const fr: Texts = {
  "verify-email": {
    subject: "Veuillez confirmer votre adresse e-mail pour {app}",
    body: "Bonjour {name}\n\nVeuillez confirmer votre adresse e-mail pour activer votre compte :\n{link}\n\nCe lien est valable 24 heures. Si vous n'avez pas ouvert de compte, ignorez ce message.",
  },
  "reset-password": {
    subject: "Réinitialiser le mot de passe pour {app}",
    body: "Bonjour {name}\n\nCe lien vous permet de définir un nouveau mot de passe :\n{link}\n\nIl est valable 30 minutes et ne fonctionne qu'une fois. Si vous n'avez rien demandé, rien ne change.",
  },
  "account-exists": {
    subject: "Tentative d'inscription sur {app}",
    body: "Bonjour {name}\n\nQuelqu'un a voulu ouvrir un compte avec votre adresse e-mail. Vous en avez déjà un. Mot de passe oublié ? Réinitialisez-le ici :\n{link}",
  },
  "password-changed": {
    subject: "Votre mot de passe pour {app} a été modifié",
    body: "Bonjour {name}\n\nVotre mot de passe vient d'être modifié et toutes les autres sessions ont été fermées. Ce n'était pas vous ? Réinitialisez-le immédiatement :\n{link}",
  },
  "admin-welcome": {
    subject: "Bienvenue sur {app}",
    body: "Bonjour {name}\n\nUn compte d'administration a été créé pour vous. Définissez votre mot de passe :\n{link}",
  },
};

const it: Texts = {
  "verify-email": {
    subject: "Conferma il tuo indirizzo e-mail per {app}",
    body: "Buongiorno {name}\n\nConferma il tuo indirizzo e-mail per attivare l'account:\n{link}\n\nIl link è valido 24 ore. Se non hai aperto un account, ignora questo messaggio.",
  },
  "reset-password": {
    subject: "Reimposta la password per {app}",
    body: "Buongiorno {name}\n\nCon questo link imposti una nuova password:\n{link}\n\nÈ valido 30 minuti e funziona una sola volta. Se non hai chiesto nulla, non cambia niente.",
  },
  "account-exists": {
    subject: "Tentativo di registrazione su {app}",
    body: "Buongiorno {name}\n\nQualcuno ha cercato di aprire un account con il tuo indirizzo e-mail. Ne hai già uno. Password dimenticata? Reimpostala qui:\n{link}",
  },
  "password-changed": {
    subject: "La tua password per {app} è stata modificata",
    body: "Buongiorno {name}\n\nLa tua password è appena stata modificata e tutte le altre sessioni sono state chiuse. Non sei stato tu? Reimpostala subito:\n{link}",
  },
  "admin-welcome": {
    subject: "Benvenuto su {app}",
    body: "Buongiorno {name}\n\nÈ stato creato per te un account di amministrazione. Imposta la tua password:\n{link}",
  },
};

const en: Texts = {
  "verify-email": {
    subject: "Please confirm your e-mail address for {app}",
    body: "Hello {name}\n\nPlease confirm your e-mail address to activate your account:\n{link}\n\nThe link is valid for 24 hours. If you did not open an account, ignore this message.",
  },
  "reset-password": {
    subject: "Reset your password for {app}",
    body: "Hello {name}\n\nUse this link to set a new password:\n{link}\n\nIt is valid for 30 minutes and works once. If you did not ask for it, nothing changes.",
  },
  "account-exists": {
    subject: "Sign-up attempt on {app}",
    body: "Hello {name}\n\nSomeone tried to open an account with your e-mail address. You already have one. Forgot your password? Reset it here:\n{link}",
  },
  "password-changed": {
    subject: "Your password for {app} was changed",
    body: "Hello {name}\n\nYour password was just changed and all other sessions were ended. Was it not you? Reset it right away:\n{link}",
  },
  "admin-welcome": {
    subject: "Welcome to {app}",
    body: "Hello {name}\n\nAn administrator account was set up for you. Set your password:\n{link}",
  },
};

export const MAIL_TEXTS: Record<Locale, Texts> = { de, fr, it, en };

export function renderMail(locale: Locale, template: MailTemplate, vars: Record<string, string>) {
  const t = MAIL_TEXTS[locale][template];
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");
  return { subject: fill(t.subject), body: fill(t.body) };
}
