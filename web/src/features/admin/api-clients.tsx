import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { formatDay } from "./day";
import { failed } from "./fail";

const SCOPES = [
  "user:profile",
  "master-data:read",
  "master-data:write",
  "resident-services:read",
  "resident-services:write",
] as const;

interface ApiClient {
  id: string;
  name: string;
  scopes: string[];
  firstParty: boolean;
  createdAt: string;
  revokedAt: string | null;
}

/** Customer admin: the OAuth2 clients of integrators (GET/POST/DELETE /api/api-clients). */
export function ApiClients() {
  const clients = useSignal<ApiClient[] | null>(null);
  const created = useSignal<{ id: string; secret: string } | null>(null);
  const message = useSignal("");
  const load = async () => {
    clients.value = await api<ApiClient[]>("/api/api-clients");
  };
  useEffect(() => {
    load().catch((e) => {
      message.value = failed(e);
    });
  }, []);
  const create = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    try {
      const c = await api<ApiClient & { clientSecret: string }>("/api/api-clients", {
        json: {
          name: String(data.get("name") ?? ""),
          scopes: data.getAll("scopes").map(String),
          firstParty: data.get("firstParty") === "on",
        },
      });
      created.value = { id: c.id, secret: c.clientSecret };
      message.value = "";
      form.reset();
      await load();
    } catch (e) {
      message.value = failed(e);
    }
  };
  const revoke = async (c: ApiClient) => {
    if (!confirm(t("clientRevokeConfirm"))) return;
    try {
      await api(`/api/api-clients/${encodeURIComponent(c.id)}`, { method: "DELETE" });
      await load();
    } catch (e) {
      message.value = failed(e);
    }
  };
  return (
    <section aria-labelledby="clients-title">
      <h2 id="clients-title">{t("apiClientsTitle")}</h2>
      <p class="meta">{t("apiClientsIntro")}</p>
      <p class="status" role="status">
        {message.value}
      </p>
      {clients.value?.length === 0 ? <p class="empty">{t("apiClientsNone")}</p> : null}
      <ul class="cards">
        {(clients.value ?? []).map((c) => (
          <li key={c.id} data-client={c.id} class={c.revokedAt ? "ended" : ""}>
            <p class="author">
              {c.name} <code>{c.id}</code>
            </p>
            <p>{c.scopes.map((s) => t(`scope_${s}` as MessageKey)).join(" · ")}</p>
            <p class="meta">
              {t("clientCreatedOn")} {formatDay(c.createdAt)}
              {c.revokedAt ? ` · ${t("clientRevokedOn")} ${formatDay(c.revokedAt)}` : ""}
            </p>
            {c.revokedAt ? null : (
              <button type="button" class="secondary" onClick={() => void revoke(c)}>
                {t("clientRevoke")}
                <span class="visually-hidden">: {c.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {created.value ? (
        <div class="notice" role="alert">
          <p>{t("clientCreated")}</p>
          <p>
            {t("clientId")}: <code data-client-id>{created.value.id}</code>
          </p>
          <p>
            {t("clientSecret")}: <code data-client-secret>{created.value.secret}</code>
          </p>
        </div>
      ) : null}
      <form
        class="compose"
        onSubmit={(e) => {
          e.preventDefault();
          void create(e.currentTarget);
        }}
      >
        <label for="client-name">{t("clientName")}</label>
        <input id="client-name" name="name" required maxLength={100} autoComplete="off" />
        <fieldset>
          <legend>{t("clientScopes")}</legend>
          {SCOPES.map((s) => (
            <label key={s} class="check">
              <input type="checkbox" name="scopes" value={s} /> {t(`scope_${s}`)}
            </label>
          ))}
        </fieldset>
        <label class="check">
          <input type="checkbox" name="firstParty" /> {t("clientFirstParty")}
        </label>
        <button type="submit">{t("clientCreate")}</button>
      </form>
    </section>
  );
}
