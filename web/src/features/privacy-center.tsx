import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ApiError, api } from "../api";
import { INTL_LOCALE, locale, t } from "../i18n";
import type { MessageKey } from "../i18n/en";

/**
 * The rights of the privacy center on the JSON API: restriction and objection (R-P5, R-P6), consents
 * given and withdrawn the same way (R-P7), the person's own requests with their due date (R-P15) and
 * the erasure of the account after entering the password again (R-P4, decisions 0023/0024).
 */
const RESTRICTION_KINDS = ["restriction", "objection-marketing", "objection-legitimate-interest"] as const;
type RestrictionKind = (typeof RESTRICTION_KINDS)[number];
interface Restrictions {
  restrictions: { kind: RestrictionKind; since: string }[];
}
interface Decision {
  purpose: string;
  granted: boolean;
  textVersion: string;
  at: string;
}
interface Consents {
  current: Decision[];
  history: Decision[];
}
interface MyRequest {
  id: string;
  kind: string;
  state: string;
  receivedAt: string;
  dueAt: string;
  doneAt: string | null;
}
/**
 * Purposes that rely on consent today; others already decided (micro-apps, the newsletter) are listed
 * too. The newsletter is given through its double opt-in (NewsletterSettings), never by a button here.
 */
const PURPOSES = ["chatbot"];
/** The version of the consent texts in the catalogues; recorded with every decision. */
const CONSENT_TEXT_VERSION = "2026-11";

const day = (iso: string) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale.value], { dateStyle: "medium" }).format(new Date(iso));
const label = (prefix: string, v: string) => {
  const text = t(`${prefix}${v}` as MessageKey);
  return text === undefined ? v : text;
};
const errorText = (e: unknown) =>
  e instanceof ApiError && e.code === "RATE_LIMITED" ? t("errorTooManyTries") : t("errorGeneric");

export function RestrictionSettings() {
  const active = useSignal<Restrictions["restrictions"] | null>(null);
  const error = useSignal("");
  useEffect(() => {
    api<Restrictions>("/api/me/restrictions")
      .then((r) => {
        active.value = r.restrictions;
      })
      .catch((e) => {
        error.value = errorText(e);
      });
  }, []);
  const toggle = async (kind: RestrictionKind, on: boolean) => {
    error.value = "";
    try {
      active.value = (await api<Restrictions>("/api/me/restrictions", { json: { kind, active: on } })).restrictions;
    } catch (e) {
      error.value = errorText(e);
    }
  };
  const list = active.value;
  return (
    <section aria-labelledby="restrictions-title">
      <h2 id="restrictions-title">{t("restrictTitle")}</h2>
      <p>{t("restrictIntro")}</p>
      {list ? (
        <fieldset>
          <legend class="visually-hidden">{t("restrictTitle")}</legend>
          {RESTRICTION_KINDS.map((k) => {
            const on = list.find((r) => r.kind === k);
            return (
              <div key={k} data-restriction={k}>
                <input
                  type="checkbox"
                  id={`restrict-${k}`}
                  checked={!!on}
                  aria-describedby={`restrict-${k}-help`}
                  onChange={(e) => void toggle(k, e.currentTarget.checked)}
                />{" "}
                <label class="inline" for={`restrict-${k}`}>
                  {t(`restrict_${k}`)}
                </label>
                <p class="meta" id={`restrict-${k}-help`}>
                  {t(`restrictHelp_${k}`)}
                  {on ? ` ${t("activeSince")} ${day(on.since)}.` : ""}
                </p>
              </div>
            );
          })}
        </fieldset>
      ) : null}
      {error.value ? <p role="alert">{error.value}</p> : null}
    </section>
  );
}

export function ConsentSettings() {
  const current = useSignal<Decision[] | null>(null);
  const error = useSignal("");
  useEffect(() => {
    api<Consents>("/api/me/consents")
      .then((c) => {
        current.value = c.current;
      })
      .catch((e) => {
        error.value = errorText(e);
      });
  }, []);
  const decide = async (purpose: string, granted: boolean) => {
    error.value = "";
    try {
      const r = await api<Consents>("/api/me/consents", {
        json: { purpose, granted, textVersion: CONSENT_TEXT_VERSION },
      });
      current.value = r.current;
    } catch (e) {
      error.value = errorText(e);
    }
  };
  const list = current.value;
  // The newsletter is a consent too, but given and withdrawn only through its own double opt-in
  // section below (NewsletterSettings), never by a button here.
  const purposes = list
    ? [...new Set([...PURPOSES, ...list.map((d) => d.purpose)])].filter(
        // The cookie categories have their own section (CookieSettings, decision 0041).
        (p) => p !== "newsletter" && !p.startsWith("cookies-"),
      )
    : [];
  return (
    <>
      <section aria-labelledby="consents-title">
        <h2 id="consents-title">{t("consentsTitle")}</h2>
        <p>{t("consentsIntro")}</p>
        <ul class="cards">
          {purposes.map((p) => {
            const d = list?.find((x) => x.purpose === p);
            const name = p.startsWith("micro-app:") ? `${t("consentMicroApp")} ${p.slice(10)}` : label("consent_", p);
            return (
              <li key={p} data-consent={p}>
                <p>
                  <strong id={`consent-${p}`}>{name}</strong>
                </p>
                {p.startsWith("micro-app:") ? null : <p class="meta">{label("consentHelp_", p)}</p>}
                <p class="meta" role="status">
                  {d?.granted
                    ? `${t("consentGiven")} ${day(d.at)}`
                    : d
                      ? `${t("consentWithdrawn")} ${day(d.at)}`
                      : t("consentNotGiven")}
                </p>
                <button
                  type="button"
                  class={d?.granted ? "secondary" : undefined}
                  aria-describedby={`consent-${p}`}
                  onClick={() => void decide(p, !d?.granted)}
                >
                  {d?.granted ? t("consentWithdraw") : t("consentGive")}
                </button>
              </li>
            );
          })}
        </ul>
        {error.value ? <p role="alert">{error.value}</p> : null}
      </section>
      <NewsletterSettings />
    </>
  );
}

interface MyNewsletter {
  status: "none" | "pending" | "confirmed" | "ended";
  confirmedAt: string | null;
  receiving: boolean;
  blockedBy: "restriction" | "objection" | "consent-withdrawn" | null;
  topics: { id: string; name: string; subscribed: boolean }[];
}

/**
 * The newsletter (R-P8, decision 0030): choose topics and subscribe — a confirmation mail follows
 * (double opt-in); change topics or unsubscribe from all (withdraws the consent). Shows what stops it.
 */
export function NewsletterSettings() {
  const mine = useSignal<MyNewsletter | null>(null);
  const error = useSignal("");
  const load = async () => {
    try {
      mine.value = await api<MyNewsletter>("/api/me/newsletter");
    } catch (e) {
      error.value = errorText(e);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const act = async (call: () => unknown) => {
    error.value = "";
    try {
      await call();
      await load();
    } catch (e) {
      error.value = errorText(e);
    }
  };
  const n = mine.value;
  if (!n) return error.value ? <p role="alert">{error.value}</p> : null;
  const confirmed = n.status === "confirmed" && n.blockedBy !== "consent-withdrawn";
  const submit = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const topicIds = data.getAll("topic").map(String);
    void act(() => api("/api/me/newsletter", { json: { topicIds, textVersion: CONSENT_TEXT_VERSION } }));
  };
  return (
    <section aria-labelledby="newsletter-title" data-newsletter={n.status}>
      <h2 id="newsletter-title">{t("newsletterTitle")}</h2>
      <p>{t("newsletterIntro")}</p>
      <p role="status">
        {n.status === "confirmed" && n.confirmedAt
          ? `${t("newsletterState_confirmed")} ${day(n.confirmedAt)}`
          : label("newsletterState_", n.status)}
      </p>
      {n.blockedBy ? <p class="meta">{label("newsletterBlocked_", n.blockedBy)}</p> : null}
      {n.topics.length === 0 ? (
        <p class="meta">{t("newsletterNoTopics")}</p>
      ) : (
        <form onSubmit={submit}>
          <fieldset>
            <legend class="visually-hidden">{t("newsletterTitle")}</legend>
            {n.topics.map((topic) => (
              <label key={topic.id}>
                <input type="checkbox" name="topic" value={topic.id} defaultChecked={topic.subscribed} /> {topic.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">{confirmed ? t("newsletterSave") : t("newsletterSubscribe")}</button>
        </form>
      )}
      {n.status === "pending" || n.status === "confirmed" ? (
        <button
          type="button"
          class="secondary"
          onClick={() => void act(() => api("/api/me/newsletter", { method: "DELETE" }))}
        >
          {t("newsletterUnsubscribe")}
        </button>
      ) : null}
      {error.value ? <p role="alert">{error.value}</p> : null}
    </section>
  );
}

export function MyRequests() {
  const requests = useSignal<MyRequest[] | null>(null);
  const error = useSignal("");
  useEffect(() => {
    api<{ requests: MyRequest[] }>("/api/me/privacy-requests")
      .then((r) => {
        requests.value = r.requests;
      })
      .catch((e) => {
        error.value = errorText(e);
      });
  }, []);
  const list = requests.value;
  return (
    <section aria-labelledby="myrequests-title">
      <h2 id="myrequests-title">{t("myRequestsTitle")}</h2>
      <p>{t("myRequestsIntro")}</p>
      {list && list.length === 0 ? <p class="empty">{t("dsrNone")}</p> : null}
      {list && list.length > 0 ? (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">{t("myRequestKind")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col">{t("dsrReceived")}</th>
              <th scope="col">{t("dsrDue")}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-request={r.kind}>
                <td>{label("dsrKind_", r.kind)}</td>
                <td>
                  {label("dsrState_", r.state)}
                  {r.doneAt ? ` · ${day(r.doneAt)}` : ""}
                </td>
                <td>{day(r.receivedAt)}</td>
                <td>{day(r.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {error.value ? <p role="alert">{error.value}</p> : null}
    </section>
  );
}

export function DeleteAccount() {
  const open = useSignal(false);
  const busy = useSignal(false);
  const error = useSignal("");
  const password = useRef<HTMLInputElement>(null);
  // Keyboard users land in the password field when the form opens.
  useEffect(() => {
    if (open.value) password.current?.focus();
  }, [open.value]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    error.value = "";
    if (f.get("confirm") !== "on") {
      error.value = t("deleteConfirmMissing");
      return;
    }
    busy.value = true;
    try {
      await api("/api/me/erasure", { json: { password: String(f.get("password") ?? "") } });
      // The account is closed and the session ended: back to the (logged-out) home page.
      location.assign(`/?lang=${locale.value}`);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : "";
      error.value =
        code === "REAUTH_FAILED"
          ? t("deleteWrongPassword")
          : code === "LAST_ADMIN"
            ? t("errorLastAdmin")
            : code === "VALIDATION_FAILED"
              ? t("deletePasswordMissing")
              : errorText(err);
      busy.value = false;
    }
  };
  return (
    <section aria-labelledby="delete-title">
      <h2 id="delete-title">{t("deleteTitle")}</h2>
      <p>{t("deleteIntro")}</p>
      <ul>
        <li>{t("deleteNow")}</li>
        <li>{t("deleteErased")}</li>
        <li>{t("deleteTombstones")}</li>
        <li>{t("deleteKept")}</li>
      </ul>
      {open.value ? (
        <form class="compose" id="delete-form" onSubmit={(e) => void submit(e)} aria-describedby="delete-title">
          <label for="delete-password">{t("deletePassword")}</label>
          <input
            ref={password}
            id="delete-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
          <div>
            <input id="delete-confirm" name="confirm" type="checkbox" required />{" "}
            <label class="inline" for="delete-confirm">
              {t("deleteConfirmCheck")}
            </label>
          </div>
          <button type="submit" disabled={busy.value}>
            {t("deleteSubmit")}
          </button>{" "}
          <button type="button" class="secondary" onClick={() => (open.value = false)}>
            {t("cancel")}
          </button>
          {error.value ? <p role="alert">{error.value}</p> : null}
        </form>
      ) : (
        <button type="button" aria-expanded="false" onClick={() => (open.value = true)}>
          {t("deleteStart")}
        </button>
      )}
    </section>
  );
}
