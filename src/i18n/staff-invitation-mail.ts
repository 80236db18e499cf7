import type { Locale } from "../db/schema/customers";
import type { Role } from "../db/schema/people";

/**
 * Mails of staff invitations (decision 0039), in the invitee's language: the invitation with its
 * single-use link, and the notice to an existing account that was given the role directly.
 * `{role}` and `{scope}` are filled in from ROLE_NAMES and the property or building name.
 */
export type StaffMailTemplate = "staff-invitation" | "staff-role-granted";

export const STAFF_MAIL: Record<Locale, Record<StaffMailTemplate, { subject: string; body: string }>> = {
  de: {
    "staff-invitation": {
      subject: "Einladung zu {app}: {role}",
      body: "Guten Tag {name}\n\n{inviter} lädt Sie zu {app} ein, als {role} für {scope}.\nLegen Sie mit diesem Link Ihr Passwort fest:\n{link}\n\nDer Link ist bis {expires} gültig und funktioniert einmal. Erwarten Sie diese Einladung nicht, ignorieren Sie diese Nachricht.",
    },
    "staff-role-granted": {
      subject: "Neue Rolle bei {app}: {role}",
      body: "Guten Tag {name}\n\n{inviter} hat Ihrem Konto bei {app} die Rolle {role} für {scope} gegeben.\nMelden Sie sich wie gewohnt an:\n{link}",
    },
  },
  fr: {
    "staff-invitation": {
      subject: "Invitation à {app} : {role}",
      body: "Bonjour {name}\n\n{inviter} vous invite sur {app} en tant que {role} pour {scope}.\nDéfinissez votre mot de passe avec ce lien :\n{link}\n\nLe lien est valable jusqu'au {expires} et fonctionne une seule fois. Si vous n'attendiez pas cette invitation, ignorez ce message.",
    },
    "staff-role-granted": {
      subject: "Nouveau rôle sur {app} : {role}",
      body: "Bonjour {name}\n\n{inviter} a donné à votre compte sur {app} le rôle {role} pour {scope}.\nConnectez-vous comme d'habitude :\n{link}",
    },
  },
  it: {
    "staff-invitation": {
      subject: "Invito a {app}: {role}",
      body: "Buongiorno {name}\n\n{inviter} la invita su {app} come {role} per {scope}.\nScelga la sua password con questo link:\n{link}\n\nIl link è valido fino al {expires} e funziona una sola volta. Se non si aspettava questo invito, ignori questo messaggio.",
    },
    "staff-role-granted": {
      subject: "Nuovo ruolo su {app}: {role}",
      body: "Buongiorno {name}\n\n{inviter} ha assegnato al suo account su {app} il ruolo {role} per {scope}.\nAcceda come di consueto:\n{link}",
    },
  },
  en: {
    "staff-invitation": {
      subject: "Invitation to {app}: {role}",
      body: "Hello {name}\n\n{inviter} invites you to {app} as {role} for {scope}.\nSet your password with this link:\n{link}\n\nThe link works until {expires} and only once. If you did not expect this invitation, ignore this message.",
    },
    "staff-role-granted": {
      subject: "New role on {app}: {role}",
      body: "Hello {name}\n\n{inviter} gave your account on {app} the role {role} for {scope}.\nLog in as usual:\n{link}",
    },
  },
};

export const ROLE_NAMES: Record<Locale, Record<Role, string>> = {
  de: { customer_admin: "Administrator/in", property_manager: "Bewirtschafter/in" },
  fr: { customer_admin: "administrateur·rice", property_manager: "gérant·e" },
  it: { customer_admin: "amministratore/trice", property_manager: "gestore/trice" },
  en: { customer_admin: "customer admin", property_manager: "property manager" },
};

/** The scope of a customer admin, in each language ("the whole customer"). */
export const WHOLE_CUSTOMER: Record<Locale, string> = {
  de: "die ganze Verwaltung",
  fr: "toute la gérance",
  it: "tutta l'amministrazione",
  en: "the whole company",
};

export function renderStaffMail(locale: Locale, template: StaffMailTemplate, vars: Record<string, string>) {
  const t = STAFF_MAIL[locale][template];
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? "");
  return { subject: fill(t.subject), body: fill(t.body) };
}
