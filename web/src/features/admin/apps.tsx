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

/** A property's own setting for one app (GET /api/admin/micro-apps). */
interface Override {
  propertyId: string;
  key: string;
  enabled: boolean;
  name: string | null;
}

interface Settings {
  apps: MicroApp[];
  overrides: Override[];
}

interface Property {
  id: string;
  name: string;
}

/** The standard name of a micro-app in the reader's language. */
export const standardName = (key: string) => t(`app_${key}` as MessageKey);

/**
 * Customer admin: which micro-apps are on and what residents see them called (PUT /api/customer/apps),
 * and per property where it differs (PUT/DELETE /api/admin/properties/{id}/micro-apps/{key}, R-T3).
 */
export function AppsAdmin({ onSaved }: { onSaved: (apps: MicroApp[]) => void }) {
  const settings = useSignal<Settings | null>(null);
  const status = useSignal<{ key: string; text: string } | null>(null);
  useEffect(() => {
    api<Settings>("/api/admin/micro-apps")
      .then((s) => {
        settings.value = s;
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
      if (settings.value) settings.value = { ...settings.value, apps: list };
      status.value = { key, text: t("saved") };
      onSaved(list);
    } catch (e) {
      status.value = { key, text: failed(e) };
    }
  };
  const current = settings.value;
  return (
    <section aria-labelledby="apps-title">
      <h2 id="apps-title">{t("appsTitle")}</h2>
      <p class="meta">{t("appsIntro")}</p>
      {status.value?.key === "" ? <p role="alert">{status.value.text}</p> : null}
      {current === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {(current?.apps ?? []).map((a) => (
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
      {current ? (
        <PropertyApps
          settings={current}
          onChange={(s) => {
            settings.value = s;
            onSaved(s.apps);
          }}
        />
      ) : null}
    </section>
  );
}

type Mode = "customer" | "on" | "off";

/**
 * Per property: each app "as the customer setting", forced on or forced off, with a name of its own.
 * The server applies the rule (property over customer, missing = on); this screen only shows the rows.
 */
function PropertyApps({ settings, onChange }: { settings: Settings; onChange: (s: Settings) => void }) {
  const props = useSignal<Property[] | null>(null);
  const picked = useSignal<string>("");
  const status = useSignal<{ key: string; text: string } | null>(null);
  useEffect(() => {
    api<Property[]>("/api/properties")
      .then((list) => {
        props.value = list;
        picked.value = list[0]?.id ?? "";
      })
      .catch((e) => {
        status.value = { key: "", text: failed(e) };
      });
  }, []);
  const propertyId = picked.value;
  const save = async (key: string, form: HTMLFormElement) => {
    const data = new FormData(form);
    const mode = String(data.get("mode") ?? "customer") as Mode;
    const name = String(data.get("name") ?? "").trim();
    const path = `/api/admin/properties/${encodeURIComponent(propertyId)}/micro-apps/${encodeURIComponent(key)}`;
    status.value = null;
    try {
      const next = await api<Settings>(
        path,
        mode === "customer"
          ? { method: "DELETE" }
          : { method: "PUT", json: { enabled: mode === "on", name: name || null } },
      );
      status.value = { key, text: t("saved") };
      onChange(next);
    } catch (e) {
      status.value = { key, text: failed(e) };
    }
  };
  return (
    <section aria-labelledby="apps-property-title">
      <h3 id="apps-property-title">{t("appsPropertyTitle")}</h3>
      <p class="meta">{t("appsPropertyIntro")}</p>
      <p class="meta" id="apps-property-name-hint">
        {t("appsPropertyNameHint")}
      </p>
      {status.value?.key === "" ? <p role="alert">{status.value.text}</p> : null}
      {props.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {props.value?.length === 0 ? <p>{t("appsNoProperty")}</p> : null}
      {props.value && props.value.length > 0 ? (
        <p>
          <label for="apps-property">{t("property")}</label>{" "}
          <select
            id="apps-property"
            value={propertyId}
            onChange={(e) => {
              picked.value = e.currentTarget.value;
              status.value = null;
            }}
          >
            {props.value.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </p>
      ) : null}
      {propertyId
        ? settings.apps.map((a) => {
            const own = settings.overrides.find((o) => o.propertyId === propertyId && o.key === a.key);
            const mode: Mode = own ? (own.enabled ? "on" : "off") : "customer";
            return (
              <form
                // Another property gives fresh fields with its stored values (a save keeps focus in place).
                key={`${propertyId}:${a.key}`}
                class="admin-app"
                data-property-app={a.key}
                onSubmit={(e) => {
                  e.preventDefault();
                  void save(a.key, e.currentTarget);
                }}
              >
                <fieldset>
                  <legend>{standardName(a.key)}</legend>
                  <div>
                    <div>
                      <label class="check">
                        <input type="radio" name="mode" value="customer" defaultChecked={mode === "customer"} />{" "}
                        {t(a.enabled ? "appsAsCustomerOn" : "appsAsCustomerOff")}
                      </label>
                    </div>
                    <div>
                      <label class="check">
                        <input type="radio" name="mode" value="on" defaultChecked={mode === "on"} /> {t("appsForcedOn")}
                      </label>
                    </div>
                    <div>
                      <label class="check">
                        <input type="radio" name="mode" value="off" defaultChecked={mode === "off"} />{" "}
                        {t("appsForcedOff")}
                      </label>
                    </div>
                  </div>
                  <div class="grow">
                    <label for={`prop-app-${a.key}-name`}>{t("appsPropertyName")}</label>
                    <input
                      id={`prop-app-${a.key}-name`}
                      name="name"
                      maxLength={60}
                      defaultValue={own?.name ?? ""}
                      placeholder={a.name ?? standardName(a.key)}
                      aria-describedby="apps-property-name-hint"
                    />
                  </div>
                  <button type="submit">{t("save")}</button>
                  <p class="status" role="status">
                    {status.value?.key === a.key ? status.value.text : ""}
                  </p>
                </fieldset>
              </form>
            );
          })
        : null}
    </section>
  );
}
