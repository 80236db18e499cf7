import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, api } from "../../api";
import { formatTime, t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { failed } from "./fail";

const ENTITIES = ["property", "group", "unit", "utilisation-period", "user", "registration-code"] as const;

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  entities: string[];
  enabled: boolean;
  disabledReason: "failing" | "manual" | null;
  failingSince: string | null;
  previousSecretValidUntil: string | null;
  createdAt: string;
}
interface Delivery {
  id: string;
  type: string;
  state: "pending" | "delivered" | "failed" | "skipped";
  attempts: number;
  lastStatus: number | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

const entityName = (e: string) => t(`whEntity_${e}` as MessageKey);

/** Customer admin: webhook endpoints for master-data changes (decision 0019; /api/webhooks). */
export function Webhooks() {
  const list = useSignal<Endpoint[] | null>(null);
  const secret = useSignal<{ id: string; url: string; secret: string } | null>(null);
  const deliveries = useSignal<{ id: string; items: Delivery[] } | null>(null);
  const message = useSignal("");
  const load = async () => {
    list.value = await api<Endpoint[]>("/api/webhooks");
  };
  useEffect(() => {
    load().catch((e) => {
      message.value = failed(e);
    });
  }, []);
  const act = async (fn: () => unknown) => {
    try {
      await fn();
      await load();
    } catch (e) {
      message.value = e instanceof ApiError && e.code === "WEBHOOK_URL_REFUSED" ? t("whUrlRefused") : failed(e);
    }
  };
  const create = (form: HTMLFormElement) =>
    act(async () => {
      const data = new FormData(form);
      if (data.getAll("entities").length === 0) {
        message.value = t("whPickEntity");
        return;
      }
      const description = String(data.get("description") ?? "").trim();
      const created = await api<Endpoint & { secret: string }>("/api/webhooks", {
        json: {
          url: String(data.get("url") ?? ""),
          description: description || null,
          entities: data.getAll("entities").map(String),
        },
      });
      secret.value = { id: created.id, url: created.url, secret: created.secret };
      message.value = "";
      form.reset();
    });
  const rotate = (w: Endpoint) =>
    act(async () => {
      if (!confirm(t("whRotateConfirm"))) return;
      const r = await api<Endpoint & { secret: string }>(`/api/webhooks/${encodeURIComponent(w.id)}/secret`, {
        method: "POST",
      });
      secret.value = { id: r.id, url: r.url, secret: r.secret };
    });
  const setEnabled = (w: Endpoint, enabled: boolean) =>
    act(async () => {
      await api(`/api/webhooks/${encodeURIComponent(w.id)}`, { method: "PATCH", json: { enabled } });
      message.value = t("saved");
    });
  const remove = (w: Endpoint) =>
    act(async () => {
      if (!confirm(t("whDeleteConfirm"))) return;
      await api(`/api/webhooks/${encodeURIComponent(w.id)}`, { method: "DELETE" });
      if (secret.value?.id === w.id) secret.value = null;
      message.value = t("whDeleted");
    });
  const showDeliveries = async (w: Endpoint) => {
    if (deliveries.value?.id === w.id) {
      deliveries.value = null;
      return;
    }
    try {
      deliveries.value = {
        id: w.id,
        items: await api<Delivery[]>(`/api/webhooks/${encodeURIComponent(w.id)}/deliveries`),
      };
    } catch (e) {
      message.value = failed(e);
    }
  };
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      message.value = t("whCopied");
    } catch {
      message.value = t("whCopyFailed");
    }
  };
  const state = (w: Endpoint) =>
    w.enabled ? t("whActive") : w.disabledReason === "failing" ? t("whDisabledFailing") : t("whDisabledManual");
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t("whTitle")}</h2>
      <p class="meta">{t("whIntro")}</p>
      <p class="status" role="status">
        {message.value}
      </p>
      {list.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {list.value?.length === 0 ? <p class="empty">{t("whNone")}</p> : null}
      <ul class="cards">
        {(list.value ?? []).map((w) => (
          <li key={w.id} data-webhook={w.id} class={w.enabled ? "" : "ended"}>
            <p class="author">
              <code class="wrap">{w.url}</code>
            </p>
            {w.description ? <p>{w.description}</p> : null}
            <p>
              {t("whEntities")}: {w.entities.map(entityName).join(" · ")}
            </p>
            <p class="meta" data-webhook-state={w.enabled ? "enabled" : (w.disabledReason ?? "manual")}>
              {state(w)}
              {w.failingSince ? ` · ${t("whFailingSince")} ${formatTime(w.failingSince)}` : ""}
              {w.previousSecretValidUntil
                ? ` · ${t("whOldSecretUntil")} ${formatTime(w.previousSecretValidUntil)}`
                : ""}
            </p>
            <p class="actions">
              <button type="button" class="secondary" onClick={() => void setEnabled(w, !w.enabled)}>
                {w.enabled ? t("whDisable") : t("whEnable")}
                <span class="visually-hidden">: {w.url}</span>
              </button>{" "}
              <button type="button" class="secondary" onClick={() => void rotate(w)}>
                {t("whRotate")}
                <span class="visually-hidden">: {w.url}</span>
              </button>{" "}
              <button
                type="button"
                class="secondary"
                aria-expanded={deliveries.value?.id === w.id}
                onClick={() => void showDeliveries(w)}
              >
                {t("whDeliveries")}
                <span class="visually-hidden">: {w.url}</span>
              </button>{" "}
              <button type="button" class="secondary" onClick={() => void remove(w)}>
                {t("delete")}
                <span class="visually-hidden">: {w.url}</span>
              </button>
            </p>
            {deliveries.value?.id === w.id ? <DeliveryList items={deliveries.value.items} /> : null}
          </li>
        ))}
      </ul>
      {secret.value ? (
        <div class="notice" role="alert">
          <p>{t("whSecretOnce")}</p>
          <p>
            <code class="wrap">{secret.value.url}</code>
          </p>
          <p>
            {t("whSecret")}:{" "}
            <code class="wrap" data-webhook-secret>
              {secret.value.secret}
            </code>{" "}
            <button type="button" class="secondary" onClick={() => void copy(secret.value?.secret ?? "")}>
              {t("whCopy")}
            </button>
          </p>
          <button
            type="button"
            class="link"
            onClick={() => {
              secret.value = null;
            }}
          >
            {t("whSecretDone")}
          </button>
        </div>
      ) : null}
      <form
        class="compose"
        aria-labelledby="webhook-new-title"
        onSubmit={(e) => {
          e.preventDefault();
          void create(e.currentTarget);
        }}
      >
        <h3 id="webhook-new-title">{t("whNew")}</h3>
        <label for="webhook-url">{t("whUrl")}</label>
        <input
          id="webhook-url"
          name="url"
          type="url"
          required
          maxLength={2048}
          autoComplete="off"
          aria-describedby="webhook-url-hint"
        />
        <p class="meta" id="webhook-url-hint">
          {t("whUrlHint")}
        </p>
        <label for="webhook-description">{t("whDescription")}</label>
        <input id="webhook-description" name="description" maxLength={200} autoComplete="off" />
        <fieldset>
          <legend>{t("whEntities")}</legend>
          {ENTITIES.map((e) => (
            <label key={e} class="check">
              <input type="checkbox" name="entities" value={e} /> {entityName(e)}
            </label>
          ))}
        </fieldset>
        <button type="submit">{t("whCreate")}</button>
      </form>
    </section>
  );
}

function DeliveryList({ items }: { items: Delivery[] }) {
  if (items.length === 0) return <p class="empty">{t("whNoDeliveries")}</p>;
  return (
    <ul class="deliveries">
      {items.map((d) => (
        <li key={d.id} data-delivery={d.state}>
          <code>{d.type}</code> · {t(`whState_${d.state}` as MessageKey)} · {t("whAttempts")} {d.attempts}
          {d.lastStatus !== null ? ` · HTTP ${d.lastStatus}` : ""} ·{" "}
          <time dateTime={d.createdAt}>{formatTime(d.createdAt)}</time>
          {d.nextAttemptAt ? ` · ${t("whNextAttempt")} ${formatTime(d.nextAttemptAt)}` : ""}
        </li>
      ))}
    </ul>
  );
}
