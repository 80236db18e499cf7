import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { DECLARED_STORAGE, STORAGE_CATEGORIES } from "../../../../src/shared/cookies";
import { INTL_LOCALE, locale, t } from "../../i18n";
import "./consent.css";
import { type Choice, needsChoice, preferencesAllowed } from "./logic";
import { choice, decide, ledgerRead, loadChoice, panel, savedNotice } from "./store";

/**
 * The consent tool (R-P11, decision 0041): a region at the top of the app, not a modal — the app
 * stays usable behind it. It asks while the person has no choice on the current texts, and opens
 * again from the footer to change it. "Only necessary" and "Choose" are the same kind of button.
 */
const day = (iso: string) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale.value], { dateStyle: "medium" }).format(new Date(iso));

/** "Your choice: …" from the ledger's latest decision. */
export function choiceText(c: Choice | null): string {
  if (!c) return t("cookieToolNone");
  const what = c.preferences ? t("cookieToolPreferencesAllowed") : t("cookieToolOnlyNecessaryChosen");
  return `${t("cookieToolCurrent")} ${what} (${t("cookieToolSince")} ${day(c.at)})`;
}

/** Focus goes back where the person was, or to the page's main content. */
function refocus(el: HTMLElement | null) {
  const target = el?.isConnected ? el : document.getElementById("main");
  if (!target) return;
  if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
}

export function ConsentPanel() {
  const p = panel.value;
  const asking = ledgerRead.value && needsChoice(choice.value);
  const open = !!p || asking;
  const mode = p?.mode ?? "ask";
  const choosing = useSignal(false);
  const draft = useSignal(false);
  const busy = useSignal(false);
  const error = useSignal("");
  const title = useRef<HTMLHeadingElement>(null);
  const prefBox = useRef<HTMLInputElement>(null);
  const chooseButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    loadChoice().catch(() => undefined);
  }, []);
  // Opened to change the choice: the categories are shown with the current choice, focus on the title.
  useEffect(() => {
    if (!p) return;
    choosing.value = true;
    draft.value = preferencesAllowed(choice.value);
    error.value = "";
    title.current?.focus();
  }, [p]);

  if (!open) return null;

  const close = (returnTo: HTMLElement | null) => {
    panel.value = null;
    choosing.value = false;
    refocus(returnTo);
  };
  const submit = async (preferences: boolean) => {
    busy.value = true;
    savedNotice.value = "";
    error.value = "";
    try {
      await decide(preferences);
      savedNotice.value = t("cookieToolSaved");
      close(p?.returnTo ?? null);
    } catch {
      error.value = t("errorGeneric");
    } finally {
      busy.value = false;
    }
  };
  const toggleChoosing = () => {
    choosing.value = !choosing.value;
    if (choosing.value) {
      draft.value = preferencesAllowed(choice.value);
      // Keyboard users continue in the first choice that can be made.
      setTimeout(() => prefBox.current?.focus(), 0);
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    // Escape never decides: it closes the change panel, or folds the categories of the question.
    if (mode === "change") close(p?.returnTo ?? null);
    else if (choosing.value) {
      choosing.value = false;
      chooseButton.current?.focus();
    }
  };
  return (
    <section class="cookie-tool" aria-labelledby="cookie-tool-title" data-cookie-tool={mode} onKeyDown={onKeyDown}>
      <h2 id="cookie-tool-title" ref={title} tabIndex={-1}>
        {t("cookieToolTitle")}
      </h2>
      <p>{t("cookieToolIntro")}</p>
      {choice.value && !needsChoice(choice.value) ? <p class="meta">{choiceText(choice.value)}</p> : null}
      <div class="cookie-actions">
        <button type="button" disabled={busy.value} onClick={() => void submit(false)}>
          {t("cookieToolOnlyNecessary")}
        </button>
        <button
          ref={chooseButton}
          type="button"
          aria-expanded={choosing.value}
          aria-controls="cookie-categories"
          onClick={toggleChoosing}
        >
          {t("cookieToolChoose")}
        </button>
        {mode === "change" ? (
          <button type="button" class="secondary" onClick={() => close(p?.returnTo ?? null)}>
            {t("cookieToolClose")}
          </button>
        ) : null}
      </div>
      <div id="cookie-categories" hidden={!choosing.value}>
        <fieldset class="cookie-categories">
          <legend>{t("cookieToolCategories")}</legend>
          {STORAGE_CATEGORIES.map((k) => {
            const items = DECLARED_STORAGE.filter((d) => d.category === k.id);
            return (
              <div key={k.id} class="cookie-category" data-category={k.id}>
                {k.use === "optional" ? (
                  <label class="check" for={`cookie-${k.id}`}>
                    <input
                      ref={prefBox}
                      id={`cookie-${k.id}`}
                      type="checkbox"
                      checked={draft.value}
                      aria-describedby={`cookie-${k.id}-help`}
                      onChange={(e) => {
                        draft.value = e.currentTarget.checked;
                      }}
                    />{" "}
                    <strong>{k.name[locale.value]}</strong>
                  </label>
                ) : (
                  <p class="cookie-name">
                    <strong>{k.name[locale.value]}</strong>{" "}
                    <span class="meta">{k.use === "always" ? t("cookieToolAlwaysOn") : t("cookieToolNotUsed")}</span>
                  </p>
                )}
                <p class="meta" id={`cookie-${k.id}-help`}>
                  {k.description[locale.value]}
                </p>
                {items.length > 0 ? (
                  <ul class="cookie-items">
                    {items.map((d) => (
                      <li key={d.name}>
                        <code>{d.name}</code> ({d.kind}): {d.purpose[locale.value]}{" "}
                        <span class="meta">· {d.duration[locale.value]}</span>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            );
          })}
        </fieldset>
        <button type="button" disabled={busy.value} onClick={() => void submit(draft.value)}>
          {t("cookieToolSave")}
        </button>
      </div>
      <p>
        <a href={`/privacy?lang=${locale.value}`}>{t("cookieToolAllList")}</a>
      </p>
      {error.value ? <p role="alert">{error.value}</p> : null}
    </section>
  );
}

/** The choice as a word, for the page's markup: unknown until the ledger was read. */
export const choiceState = () =>
  !ledgerRead.value ? "unknown" : !choice.value ? "none" : choice.value.preferences ? "preferences" : "necessary";

/** The footer: the choice can be changed from every screen (and the full list read). */
export function ConsentFooter() {
  return (
    <footer class="app-footer" data-choice={choiceState()}>
      <button
        type="button"
        class="link"
        data-cookie-settings
        onClick={(e) => {
          panel.value = { mode: "change", returnTo: e.currentTarget };
        }}
      >
        {t("cookieToolTitle")}
      </button>{" "}
      <a href={`/privacy?lang=${locale.value}`}>{t("cookieToolAllList")}</a>{" "}
      <span class="meta" role="status">
        {savedNotice.value}
      </span>
    </footer>
  );
}
