import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { notice } from "./notice";

const CATEGORIES = ["announcements", "messages", "pinboard"] as const;
const MODES = ["never", "immediately", "daily", "weekly"] as const;
type Prefs = Record<(typeof CATEGORIES)[number], (typeof MODES)[number]>;

/** Which e-mails the resident gets, per category (R-A5); the mails link here. */
export function Notifications() {
  const prefs = useSignal<Prefs | null>(null);
  const saved = useSignal(false);
  useEffect(() => {
    api<Prefs>("/api/me/notifications")
      .then((p) => {
        prefs.value = p;
      })
      .catch(() => {
        notice.value = t("errorGeneric");
      });
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = Object.fromEntries(CATEGORIES.map((c) => [c, String(f.get(c))])) as Prefs;
    try {
      prefs.value = await api<Prefs>("/api/me/notifications", { method: "PUT", json: body });
      saved.value = true;
    } catch {
      notice.value = t("errorGeneric");
    }
  };
  const current = prefs.value;
  return (
    <section aria-labelledby="notifications-title">
      <h2 id="notifications-title">{t("notificationsTitle")}</h2>
      <p>{t("notificationsIntro")}</p>
      {current ? (
        <form class="compose" onSubmit={(e) => void save(e)}>
          {CATEGORIES.map((c) => (
            <div key={c}>
              <label for={`notify-${c}`}>{t(`notify_${c}`)}</label>
              <select id={`notify-${c}`} name={c} defaultValue={current[c]}>
                {MODES.map((m) => (
                  <option key={m} value={m}>
                    {t(`mode_${m}`)}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <button type="submit">{t("save")}</button>
          {saved.value ? (
            <p class="meta" role="status">
              {t("saved")}
            </p>
          ) : null}
        </form>
      ) : null}
    </section>
  );
}
