import type { Locale } from "../db/schema/customers";
import { NOTIFY_TEXTS, type NotifyTemplate } from "./notification-mail";

/** Mail texts in the four product languages. `{link}`, `{name}`, `{app}` are filled in by `render`. */
type AccountTemplate =
  | "verify-email"
  | "reset-password"
  | "account-exists"
  | "password-changed"
  | "admin-welcome"
  | "code-invitation"
  | "neighbour-invitation"
  | "code-account-exists"
  | "access-request-verify"
  | "access-request-approved"
  | "access-request-rejected";
export type MailTemplate = AccountTemplate | NotifyTemplate;

type Texts = Record<AccountTemplate, { subject: string; body: string }>;

const de: Texts = {
  "code-invitation": {
    subject: "Ihr Zugang zu {app}: {building}",
    body: "Guten Tag {name}\n\n{app} lädt Sie in die digitale Plattform Ihres Hauses {building} ein (Wohnung {unit}).\nIhr persönlicher Link:\n{link}\n\nOder geben Sie beim Registrieren diesen Code ein: {code}\nGültig bis {expires}.",
  },
  "neighbour-invitation": {
    subject: "{inviter} lädt Sie zu {app} ein",
    body: "Guten Tag\n\n{inviter} lädt Sie ein, in der Plattform Ihres Hauses {building} dabei zu sein.\nIhr persönlicher Link:\n{link}\n\nCode: {code} (gültig bis {expires}). Kennen Sie die Person nicht, ignorieren Sie diese Nachricht.",
  },
  "code-account-exists": {
    subject: "Ihr Code für {app}",
    body: "Guten Tag {name}\n\nSie haben bereits ein Konto. Melden Sie sich an und fügen Sie Ihr Zuhause mit Ihrem Code hinzu:\n{link}",
  },
  "access-request-verify": {
    subject: "Bitte bestätigen Sie Ihre Zugangsanfrage bei {app}",
    body: "Guten Tag {name}\n\nBestätigen Sie Ihre E-Mail-Adresse, damit Ihre Verwaltung Ihre Anfrage für {building} sieht:\n{link}\n\nDer Link ist 24 Stunden gültig.",
  },
  "access-request-approved": {
    subject: "Ihre Anfrage bei {app} wurde angenommen",
    body: "Guten Tag {name}\n\nIhre Verwaltung hat Ihre Anfrage für {building} angenommen. Registrieren Sie sich mit diesem Link:\n{link}\n\nCode: {code} (gültig bis {expires}).",
  },
  "access-request-rejected": {
    subject: "Ihre Anfrage bei {app}",
    body: "Guten Tag {name}\n\nIhre Verwaltung konnte Ihre Anfrage für {building} nicht annehmen.\nBegründung: {reason}\n\nBei Fragen wenden Sie sich bitte direkt an Ihre Verwaltung.",
  },
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
  "code-invitation": {
    subject: "Votre accès à {app} : {building}",
    body: "Bonjour {name}\n\n{app} vous invite sur la plateforme numérique de votre immeuble {building} (logement {unit}).\nVotre lien personnel :\n{link}\n\nOu saisissez ce code lors de l'inscription : {code}\nValable jusqu'au {expires}.",
  },
  "neighbour-invitation": {
    subject: "{inviter} vous invite sur {app}",
    body: "Bonjour\n\n{inviter} vous invite à rejoindre la plateforme de votre immeuble {building}.\nVotre lien personnel :\n{link}\n\nCode : {code} (valable jusqu'au {expires}). Si vous ne connaissez pas cette personne, ignorez ce message.",
  },
  "code-account-exists": {
    subject: "Votre code pour {app}",
    body: "Bonjour {name}\n\nVous avez déjà un compte. Connectez-vous et ajoutez votre logement avec votre code :\n{link}",
  },
  "access-request-verify": {
    subject: "Veuillez confirmer votre demande d'accès à {app}",
    body: "Bonjour {name}\n\nConfirmez votre adresse e-mail pour que votre gérance voie votre demande pour {building} :\n{link}\n\nCe lien est valable 24 heures.",
  },
  "access-request-approved": {
    subject: "Votre demande sur {app} a été acceptée",
    body: "Bonjour {name}\n\nVotre gérance a accepté votre demande pour {building}. Inscrivez-vous avec ce lien :\n{link}\n\nCode : {code} (valable jusqu'au {expires}).",
  },
  "access-request-rejected": {
    subject: "Votre demande sur {app}",
    body: "Bonjour {name}\n\nVotre gérance n'a pas pu accepter votre demande pour {building}.\nMotif : {reason}\n\nPour toute question, adressez-vous directement à votre gérance.",
  },
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
  "code-invitation": {
    subject: "Il tuo accesso a {app}: {building}",
    body: "Buongiorno {name}\n\n{app} ti invita sulla piattaforma digitale del tuo stabile {building} (appartamento {unit}).\nIl tuo link personale:\n{link}\n\nOppure inserisci questo codice durante la registrazione: {code}\nValido fino al {expires}.",
  },
  "neighbour-invitation": {
    subject: "{inviter} ti invita su {app}",
    body: "Buongiorno\n\n{inviter} ti invita a unirti alla piattaforma del tuo stabile {building}.\nIl tuo link personale:\n{link}\n\nCodice: {code} (valido fino al {expires}). Se non conosci questa persona, ignora questo messaggio.",
  },
  "code-account-exists": {
    subject: "Il tuo codice per {app}",
    body: "Buongiorno {name}\n\nHai già un account. Accedi e aggiungi la tua casa con il tuo codice:\n{link}",
  },
  "access-request-verify": {
    subject: "Conferma la tua richiesta di accesso a {app}",
    body: "Buongiorno {name}\n\nConferma il tuo indirizzo e-mail affinché l'amministrazione veda la tua richiesta per {building}:\n{link}\n\nIl link è valido 24 ore.",
  },
  "access-request-approved": {
    subject: "La tua richiesta su {app} è stata accettata",
    body: "Buongiorno {name}\n\nL'amministrazione ha accettato la tua richiesta per {building}. Registrati con questo link:\n{link}\n\nCodice: {code} (valido fino al {expires}).",
  },
  "access-request-rejected": {
    subject: "La tua richiesta su {app}",
    body: "Buongiorno {name}\n\nL'amministrazione non ha potuto accettare la tua richiesta per {building}.\nMotivo: {reason}\n\nPer domande rivolgiti direttamente all'amministrazione.",
  },
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
  "code-invitation": {
    subject: "Your access to {app}: {building}",
    body: "Hello {name}\n\n{app} invites you to the digital platform of your building {building} (unit {unit}).\nYour personal link:\n{link}\n\nOr enter this code when you sign up: {code}\nValid until {expires}.",
  },
  "neighbour-invitation": {
    subject: "{inviter} invites you to {app}",
    body: "Hello\n\n{inviter} invites you to join the platform of your building {building}.\nYour personal link:\n{link}\n\nCode: {code} (valid until {expires}). If you do not know this person, ignore this message.",
  },
  "code-account-exists": {
    subject: "Your code for {app}",
    body: "Hello {name}\n\nYou already have an account. Log in and add your home with your code:\n{link}",
  },
  "access-request-verify": {
    subject: "Please confirm your access request to {app}",
    body: "Hello {name}\n\nConfirm your e-mail address so that your property manager sees your request for {building}:\n{link}\n\nThe link is valid for 24 hours.",
  },
  "access-request-approved": {
    subject: "Your request on {app} was accepted",
    body: "Hello {name}\n\nYour property manager accepted your request for {building}. Sign up with this link:\n{link}\n\nCode: {code} (valid until {expires}).",
  },
  "access-request-rejected": {
    subject: "Your request on {app}",
    body: "Hello {name}\n\nYour property manager could not accept your request for {building}.\nReason: {reason}\n\nIf you have questions, please contact your property manager directly.",
  },
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

export const MAIL_TEXTS: Record<Locale, Record<MailTemplate, { subject: string; body: string }>> = {
  de: { ...de, ...NOTIFY_TEXTS.de },
  fr: { ...fr, ...NOTIFY_TEXTS.fr },
  it: { ...it, ...NOTIFY_TEXTS.it },
  en: { ...en, ...NOTIFY_TEXTS.en },
};

export function renderMail(locale: Locale, template: MailTemplate, vars: Record<string, string>) {
  const t = MAIL_TEXTS[locale][template];
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");
  return { subject: fill(t.subject), body: fill(t.body) };
}
