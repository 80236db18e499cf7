import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { api, type Me } from "../../api";
import { locale, t } from "../../i18n";

/**
 * Ends this session (or every session of the account) and goes to the login page in the language
 * the person was using: `?lang=` keeps it as the pre-login preference (cookie `quartier_lang`).
 */
async function logout(everywhere: boolean) {
  await api(everywhere ? "/api/auth/logout-all" : "/api/auth/logout", { method: "POST" }).catch(() => undefined);
  location.assign(`/?lang=${locale.value}`);
}

/** Who is logged in, and the ways out: a disclosure button (WAI-ARIA pattern); Escape closes it. */
export function AccountMenu({ me }: { me: Me }) {
  const open = useSignal(false);
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open.value) return;
    const close = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      open.value = false;
      toggle.current?.focus();
    };
    addEventListener("keydown", close);
    return () => removeEventListener("keydown", close);
  }, [open.value]);
  return (
    <div class="account">
      <button
        ref={toggle}
        type="button"
        class="secondary"
        aria-expanded={open.value}
        aria-controls="account-panel"
        onClick={() => {
          open.value = !open.value;
        }}
      >
        <span class="visually-hidden">{t("signedInAs")} </span>
        {me.name}
      </button>
      <div id="account-panel" class="account-panel" hidden={!open.value}>
        <p class="meta">
          {t("signedInAs")} {me.name} ({me.email})
        </p>
        <button type="button" class="secondary" onClick={() => void logout(false)}>
          {t("logout")}
        </button>
        <button type="button" class="secondary" onClick={() => void logout(true)}>
          {t("logoutAll")}
        </button>
      </div>
    </div>
  );
}
