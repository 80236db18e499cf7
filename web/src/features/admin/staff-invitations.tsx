import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, api, type Building } from "../../api";
import { locale, t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { formatDay } from "./day";
import { failed } from "./fail";
import { RoleScopeFields, type StaffRole } from "./role-scope";

export interface Invitation {
  id: string;
  email: string;
  name: string | null;
  language: "de" | "fr" | "it" | "en";
  role: "customer_admin" | "property_manager";
  scopeType: "customer" | "property" | "building";
  scopeId: string;
  status: "pending" | "expired";
  expiresAt: string;
  sentAt: string;
  sendCount: number;
}
interface Property {
  id: string;
  name: string;
}

/** Languages by their own names: the invitee reads the choice, not the admin. */
const LANGUAGES = [
  ["de", "Deutsch"],
  ["fr", "Français"],
  ["it", "Italiano"],
  ["en", "English"],
] as const;

interface Props {
  properties: Property[];
  buildings: Building[];
  /** After an invitation or a direct grant: reload the roles and the invitations. */
  onChanged(): Promise<void>;
}

/** Customer admin: invite a new manager by e-mail (POST /api/staff-invitations, decision 0039). */
export function InviteForm(props: Props) {
  const role = useSignal<StaffRole>("property_manager");
  const status = useSignal("");
  const submit = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const [scopeType, scopeId] = String(data.get("scope") ?? "customer").split(":");
    const name = String(data.get("name") ?? "").trim();
    try {
      const r = await api<{ outcome: "invited" | "granted" }>("/api/staff-invitations", {
        json: {
          email: String(data.get("email") ?? ""),
          ...(name ? { name } : {}),
          role: role.value,
          scopeType,
          ...(scopeId ? { scopeId } : {}),
          language: String(data.get("language") ?? locale.value),
        },
      });
      form.reset();
      role.value = "property_manager";
      status.value = r.outcome === "granted" ? t("inviteGranted") : t("inviteSent");
      await props.onChanged();
    } catch (e) {
      status.value = e instanceof ApiError && e.code === "INVITATION_PENDING" ? t("invitePending") : failed(e);
    }
  };
  return (
    <form
      class="compose"
      aria-labelledby="invite-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
    >
      <h3 id="invite-title">{t("inviteTitle")}</h3>
      <p class="meta" id="invite-hint">
        {t("inviteHint")}
      </p>
      <label for="invite-email">{t("inviteEmail")}</label>
      <input id="invite-email" name="email" type="email" required autoComplete="off" aria-describedby="invite-hint" />
      <label for="invite-name">{t("inviteName")}</label>
      <input id="invite-name" name="name" maxLength={120} autoComplete="off" />
      <RoleScopeFields idPrefix="invite" role={role} properties={props.properties} buildings={props.buildings} />
      <label for="invite-language">{t("inviteLanguage")}</label>
      <select id="invite-language" name="language" defaultValue={locale.value}>
        {LANGUAGES.map(([code, label]) => (
          <option key={code} value={code} lang={code}>
            {label}
          </option>
        ))}
      </select>
      <button type="submit">{t("inviteButton")}</button>
      <p class="status" role="status">
        {status.value}
      </p>
    </form>
  );
}

/** The customer's open invitations with resend and withdraw (GET, POST …/resend, DELETE). */
export function PendingInvitations(props: { scopeName(type: string, id: string): string; version: number }) {
  const items = useSignal<Invitation[] | null>(null);
  const message = useSignal("");
  const load = async () => {
    items.value = await api<Invitation[]>("/api/staff-invitations");
  };
  useEffect(() => {
    load().catch((e) => {
      message.value = failed(e);
    });
  }, [props.version]);
  const act = async (inv: Invitation, kind: "resend" | "revoke") => {
    try {
      const path = `/api/staff-invitations/${encodeURIComponent(inv.id)}`;
      if (kind === "resend") await api(`${path}/resend`, { method: "POST" });
      else await api(path, { method: "DELETE" });
      message.value = t(kind === "resend" ? "invitationResent" : "invitationRevoked");
      await load();
    } catch (e) {
      message.value = failed(e);
    }
  };
  return (
    <section aria-labelledby="invitations-title">
      <h3 id="invitations-title">{t("invitationsTitle")}</h3>
      <p class="status" role="status">
        {message.value}
      </p>
      {items.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {items.value?.length === 0 ? <p class="meta">{t("invitationsNone")}</p> : null}
      <ul class="cards">
        {(items.value ?? []).map((inv) => (
          <li key={inv.id} data-invitation={inv.id}>
            <p class="author">
              {inv.name ?? inv.email} {inv.name ? <span class="meta">{inv.email}</span> : null}
            </p>
            <p>
              {t(`role_${inv.role}` as MessageKey)} · {t("scope")} {props.scopeName(inv.scopeType, inv.scopeId)}
            </p>
            <p class="meta">
              {inv.status === "expired"
                ? t("invitationExpired")
                : `${t("invitationValidUntil")} ${formatDay(inv.expiresAt)}`}{" "}
              · {inv.sendCount} {t("invitationSentTimes")}
            </p>
            <button type="button" class="secondary" data-action="resend" onClick={() => void act(inv, "resend")}>
              {t("invitationResend")}
              <span class="visually-hidden">: {inv.email}</span>
            </button>{" "}
            <button type="button" class="secondary" data-action="revoke" onClick={() => void act(inv, "revoke")}>
              {t("invitationRevoke")}
              <span class="visually-hidden">: {inv.email}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
