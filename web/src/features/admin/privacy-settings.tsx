import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { t } from "../../i18n";
import { failed } from "./fail";

interface PrivacySettings {
  tenancyEndGraceDays: number;
}

/** Customer admin: days after a person's last tenancy ends before their account is anonymised (decision 0031). */
export function PrivacySettingsAdmin() {
  const settings = useSignal<PrivacySettings | null>(null);
  const status = useSignal("");
  useEffect(() => {
    api<PrivacySettings>("/api/admin/privacy-settings").then(
      (s) => {
        settings.value = s;
      },
      (e) => {
        status.value = failed(e);
      },
    );
  }, []);
  const save = async (form: HTMLFormElement) => {
    const days = Number(new FormData(form).get("days"));
    try {
      settings.value = await api<PrivacySettings>("/api/admin/privacy-settings", {
        method: "PATCH",
        json: { tenancyEndGraceDays: days },
      });
      status.value = t("saved");
    } catch (e) {
      status.value = failed(e);
    }
  };
  return (
    <section aria-labelledby="privacy-settings-title">
      <h2 id="privacy-settings-title">{t("adminGraceTitle")}</h2>
      <p class="meta">{t("adminGraceIntro")}</p>
      {settings.value === null ? (
        <p aria-busy="true">{t("loading")}</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save(e.currentTarget);
          }}
        >
          <label for="grace-days">{t("adminGraceDays")}</label>
          <input
            id="grace-days"
            name="days"
            type="number"
            inputMode="numeric"
            min={0}
            max={365}
            step={1}
            required
            value={String(settings.value.tenancyEndGraceDays)}
          />
          <button type="submit">{t("save")}</button>
        </form>
      )}
      <p class="status" role="status">
        {status.value}
      </p>
    </section>
  );
}
