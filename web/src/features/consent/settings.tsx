import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { COOKIE_TEXT_VERSION } from "../../../../src/shared/cookies";
import { locale, t } from "../../i18n";
import { choiceText } from "./consent";
import { needsChoice, preferencesAllowed } from "./logic";
import { choice, decide, loadChoice, panel } from "./store";

/**
 * "Cookies and storage" in the privacy center: the choice as the ledger holds it (when, which text
 * version), changed with one button each way (R-P7: withdrawing as easy as giving), and what that
 * means for the theme on this device.
 */
export function CookieSettings() {
  const error = useSignal("");
  const busy = useSignal(false);
  useEffect(() => {
    loadChoice().catch(() => {
      error.value = t("errorGeneric");
    });
  }, []);
  const c = choice.value;
  const allowed = preferencesAllowed(c);
  const change = async () => {
    busy.value = true;
    error.value = "";
    try {
      await decide(!allowed);
    } catch {
      error.value = t("errorGeneric");
    } finally {
      busy.value = false;
    }
  };
  const state = !c ? "none" : allowed ? "preferences" : "necessary";
  return (
    <section aria-labelledby="cookie-settings-title" data-cookie-settings={state}>
      <h2 id="cookie-settings-title">{t("cookieToolTitle")}</h2>
      <p>{t("cookieToolIntro")}</p>
      <p role="status">
        {choiceText(c)}
        {c ? ` · ${t("cookieToolTextVersion")} ${c.textVersion}` : ""}
      </p>
      {c && needsChoice(c) ? (
        <p class="meta">
          {t("cookieToolNewTexts")} {COOKIE_TEXT_VERSION}
        </p>
      ) : null}
      <p class="meta">{allowed ? t("themeKept") : t("themeNotKept")}</p>
      <button
        type="button"
        class={allowed ? "secondary" : undefined}
        disabled={busy.value}
        onClick={() => void change()}
      >
        {allowed ? t("cookieToolWithdraw") : t("cookieToolAllow")}
      </button>{" "}
      <button
        type="button"
        class="secondary"
        onClick={(e) => {
          panel.value = { mode: "change", returnTo: e.currentTarget };
        }}
      >
        {t("cookieToolShowCategories")}
      </button>
      <p>
        <a href={`/privacy?lang=${locale.value}`}>{t("cookieToolAllList")}</a>
      </p>
      {error.value ? <p role="alert">{error.value}</p> : null}
    </section>
  );
}
