import { t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { THEMES } from "./logic";
import { chooseTheme, theme } from "./store";
import "./theme.css";

/**
 * The display theme, the one preference of the "preferences" category (decision 0041): applies at
 * once; kept on this device only with consent, else for this page only.
 */
export function ThemeSwitch() {
  return (
    <label class="inline">
      {t("themeLabel")}{" "}
      <select
        data-theme-switch
        value={theme.value}
        onChange={(e) => chooseTheme(e.currentTarget.value as (typeof THEMES)[number])}
      >
        {THEMES.map((v) => (
          <option key={v} value={v}>
            {t(`theme_${v}` as MessageKey)}
          </option>
        ))}
      </select>
    </label>
  );
}
