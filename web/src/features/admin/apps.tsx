import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { failed } from "./fail";

export interface MicroApp {
  key: string;
  enabled: boolean;
  name: string | null;
}

/** The standard name of a micro-app in the reader's language. */
export const standardName = (key: string) => t(`app_${key}` as MessageKey);

/** Customer admin: which micro-apps are on and what residents see them called (GET/PUT /api/customer/apps). */
export function AppsAdmin({ onSaved }: { onSaved: (apps: MicroApp[]) => void }) {
  const apps = useSignal<MicroApp[] | null>(null);
  const status = useSignal<{ key: string; text: string } | null>(null);
  useEffect(() => {
    api<MicroApp[]>("/api/customer/apps")
      .then((list) => {
        apps.value = list;
      })
      .catch((e) => {
        status.value = { key: "", text: failed(e) };
      });
  }, []);
  const save = async (key: string, form: HTMLFormElement) => {
    const data = new FormData(form);
    const name = String(data.get("name") ?? "").trim();
    try {
      const list = await api<MicroApp[]>(`/api/customer/apps/${encodeURIComponent(key)}`, {
        method: "PUT",
        json: { enabled: data.get("enabled") === "on", name: name || null },
      });
      apps.value = list;
      status.value = { key, text: t("saved") };
      onSaved(list);
    } catch (e) {
      status.value = { key, text: failed(e) };
    }
  };
  return (
    <section aria-labelledby="apps-title">
      <h2 id="apps-title">{t("appsTitle")}</h2>
      <p class="meta">{t("appsIntro")}</p>
      {status.value?.key === "" ? <p role="alert">{status.value.text}</p> : null}
      {apps.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {(apps.value ?? []).map((a) => (
        <form
          key={a.key}
          class="admin-app"
          data-app={a.key}
          onSubmit={(e) => {
            e.preventDefault();
            void save(a.key, e.currentTarget);
          }}
        >
          <fieldset>
            <legend>{standardName(a.key)}</legend>
            <label class="check">
              <input type="checkbox" name="enabled" defaultChecked={a.enabled} /> {t("appOn")}
            </label>
            <div class="grow">
              <label for={`app-name-${a.key}`}>{t("appName")}</label>
              <input
                id={`app-name-${a.key}`}
                name="name"
                maxLength={60}
                defaultValue={a.name ?? ""}
                placeholder={standardName(a.key)}
              />
            </div>
            <button type="submit">{t("save")}</button>
            <p class="status" role="status">
              {status.value?.key === a.key ? status.value.text : ""}
            </p>
          </fieldset>
        </form>
      ))}
    </section>
  );
}
