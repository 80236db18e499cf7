import type { Locale } from "../db/schema/customers";

/** Texts of the staff invitation page (server-rendered, decision 0039). `{…}` are filled in by the page. */
export interface StaffInvitationTexts {
  title: string;
  language: string;
  intro: string;
  email: string;
  name: string;
  password: string;
  passwordHint: string;
  accept: string;
  existingIntro: string;
  acceptExisting: string;
  addedTitle: string;
  added: string;
  login: string;
  notFound: string;
  accepted: string;
  revoked: string;
  expired: string;
  closing: string;
  invalidName: string;
  invalidPassword: string;
}

export const STAFF_INVITATION_TEXTS: Record<Locale, StaffInvitationTexts> = {
  de: {
    title: "Einladung annehmen",
    language: "Sprache",
    intro: "{inviter} lädt Sie zu {app} ein, als {role} für {scope}. Wählen Sie Ihren Namen und ein Passwort.",
    email: "E-Mail-Adresse",
    name: "Name",
    password: "Passwort",
    passwordHint: "Mindestens 8 Zeichen. Ein langer Satz ist sicher und leicht zu merken.",
    accept: "Konto eröffnen und Einladung annehmen",
    existingIntro: "{inviter} gibt Ihrem Konto bei {app} die Rolle {role} für {scope}.",
    acceptExisting: "Rolle annehmen",
    addedTitle: "Rolle angenommen",
    added: "Ihr Konto hat jetzt die neue Rolle. Melden Sie sich mit Ihrem Passwort an.",
    login: "Zur Anmeldung",
    notFound: "Dieser Einladungslink ist nicht gültig. Prüfen Sie, ob Sie den ganzen Link geöffnet haben.",
    accepted: "Diese Einladung wurde bereits angenommen. Melden Sie sich an.",
    revoked: "Diese Einladung wurde zurückgezogen. Wenden Sie sich an Ihre Verwaltung.",
    expired: "Diese Einladung ist abgelaufen. Bitten Sie Ihre Verwaltung, sie erneut zu senden.",
    closing: "Für diese Adresse wird gerade ein Konto gelöscht. Versuchen Sie es später erneut.",
    invalidName: "Bitte geben Sie Ihren Namen ein (höchstens 120 Zeichen).",
    invalidPassword: "Das Passwort braucht mindestens 8 und höchstens 256 Zeichen.",
  },
  fr: {
    title: "Accepter l'invitation",
    language: "Langue",
    intro: "{inviter} vous invite sur {app} en tant que {role} pour {scope}. Choisissez votre nom et un mot de passe.",
    email: "Adresse e-mail",
    name: "Nom",
    password: "Mot de passe",
    passwordHint: "Au moins 8 caractères. Une longue phrase est sûre et facile à retenir.",
    accept: "Ouvrir le compte et accepter l'invitation",
    existingIntro: "{inviter} donne à votre compte sur {app} le rôle {role} pour {scope}.",
    acceptExisting: "Accepter le rôle",
    addedTitle: "Rôle accepté",
    added: "Votre compte a maintenant le nouveau rôle. Connectez-vous avec votre mot de passe.",
    login: "Se connecter",
    notFound: "Ce lien d'invitation n'est pas valable. Vérifiez que vous avez ouvert le lien complet.",
    accepted: "Cette invitation a déjà été acceptée. Connectez-vous.",
    revoked: "Cette invitation a été retirée. Adressez-vous à votre gérance.",
    expired: "Cette invitation a expiré. Demandez à votre gérance de l'envoyer à nouveau.",
    closing: "Un compte est en cours de suppression pour cette adresse. Réessayez plus tard.",
    invalidName: "Veuillez saisir votre nom (120 caractères au plus).",
    invalidPassword: "Le mot de passe doit compter entre 8 et 256 caractères.",
  },
  it: {
    title: "Accettare l'invito",
    language: "Lingua",
    intro: "{inviter} la invita su {app} come {role} per {scope}. Scelga il suo nome e una password.",
    email: "Indirizzo e-mail",
    name: "Nome",
    password: "Password",
    passwordHint: "Almeno 8 caratteri. Una frase lunga è sicura e facile da ricordare.",
    accept: "Aprire l'account e accettare l'invito",
    existingIntro: "{inviter} assegna al suo account su {app} il ruolo {role} per {scope}.",
    acceptExisting: "Accettare il ruolo",
    addedTitle: "Ruolo accettato",
    added: "Il suo account ha ora il nuovo ruolo. Acceda con la sua password.",
    login: "Accedi",
    notFound: "Questo link d'invito non è valido. Verifichi di aver aperto il link completo.",
    accepted: "Questo invito è già stato accettato. Acceda.",
    revoked: "Questo invito è stato ritirato. Si rivolga alla sua amministrazione.",
    expired: "Questo invito è scaduto. Chieda alla sua amministrazione di inviarlo di nuovo.",
    closing: "Per questo indirizzo è in corso la cancellazione di un account. Riprovi più tardi.",
    invalidName: "Inserisca il suo nome (al massimo 120 caratteri).",
    invalidPassword: "La password deve avere da 8 a 256 caratteri.",
  },
  en: {
    title: "Accept the invitation",
    language: "Language",
    intro: "{inviter} invites you to {app} as {role} for {scope}. Choose your name and a password.",
    email: "E-mail address",
    name: "Name",
    password: "Password",
    passwordHint: "At least 8 characters. A long sentence is safe and easy to remember.",
    accept: "Open the account and accept",
    existingIntro: "{inviter} gives your account on {app} the role {role} for {scope}.",
    acceptExisting: "Accept the role",
    addedTitle: "Role accepted",
    added: "Your account now has the new role. Log in with your password.",
    login: "Go to login",
    notFound: "This invitation link is not valid. Check that you opened the whole link.",
    accepted: "This invitation was already accepted. Please log in.",
    revoked: "This invitation was withdrawn. Please contact your property management.",
    expired: "This invitation has expired. Ask your property management to send it again.",
    closing: "An account with this address is being deleted. Please try again later.",
    invalidName: "Please enter your name (at most 120 characters).",
    invalidPassword: "The password needs between 8 and 256 characters.",
  },
};
