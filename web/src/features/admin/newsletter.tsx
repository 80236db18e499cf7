import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { INTL_LOCALE, locale, t } from "../../i18n";
import { failed } from "./fail";

interface NewsletterAdminView {
  topics: { id: string; name: string; subscribers: number }[];
  issues: {
    id: string;
    topicId: string;
    subject: string;
    recipients: number;
    sent: number;
    skipped: number;
    state: "planning" | "sending" | "sent";
    sentAt: string;
  }[];
}

/** `planning`: not every recipient is enqueued yet (the server goes on by itself, decision 0038). */
const STATE_LABEL = {
  planning: "adminNewsletterStatePlanning",
  sending: "adminNewsletterStateSending",
  sent: "adminNewsletterStateSent",
} as const;

/**
 * Customer admin: newsletter topics and issues (R-P8, decision 0030). Sending reaches only confirmed,
 * consenting, non-objecting subscribers; the admin sees counts, never who.
 */
export function NewsletterAdmin() {
  const view = useSignal<NewsletterAdminView | null>(null);
  const status = useSignal("");
  const load = async () => {
    try {
      view.value = await api<NewsletterAdminView>("/api/admin/newsletter");
    } catch (e) {
      status.value = failed(e);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const addTopic = async (form: HTMLFormElement) => {
    const name = String(new FormData(form).get("name") ?? "").trim();
    try {
      await api("/api/admin/newsletter/topics", { json: { name } });
      form.reset();
      status.value = t("saved");
      await load();
    } catch (e) {
      status.value = failed(e);
    }
  };
  const send = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    try {
      const r = await api<{ recipients: number }>("/api/admin/newsletter/issues", {
        json: {
          topicId: String(data.get("topicId") ?? ""),
          subject: String(data.get("subject") ?? ""),
          body: String(data.get("body") ?? ""),
        },
      });
      form.reset();
      status.value = `${t("adminNewsletterQueued")} ${r.recipients}`;
      await load();
    } catch (e) {
      status.value = failed(e);
    }
  };
  const v = view.value;
  const topicName = (id: string) => v?.topics.find((x) => x.id === id)?.name ?? "";
  const when = (iso: string) =>
    new Intl.DateTimeFormat(INTL_LOCALE[locale.value], { dateStyle: "medium", timeStyle: "short" }).format(
      new Date(iso),
    );
  return (
    <section aria-labelledby="newsletter-admin-title">
      <h2 id="newsletter-admin-title">{t("adminNewsletterTitle")}</h2>
      <p class="meta">{t("adminNewsletterIntro")}</p>
      {v === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {v && v.topics.length === 0 ? <p>{t("adminNewsletterNone")}</p> : null}
      <ul>
        {(v?.topics ?? []).map((x) => (
          <li key={x.id} data-topic={x.id}>
            {x.name} — {t("adminNewsletterSubscribers")} {x.subscribers}
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void addTopic(e.currentTarget);
        }}
      >
        <label for="newsletter-topic-name">{t("adminNewsletterTopicName")}</label>
        <input id="newsletter-topic-name" name="name" required maxLength={80} />
        <button type="submit">{t("adminNewsletterAddTopic")}</button>
      </form>
      {v && v.topics.length > 0 ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send(e.currentTarget);
          }}
        >
          <label for="newsletter-issue-topic">{t("adminNewsletterTopic")}</label>
          <select id="newsletter-issue-topic" name="topicId" required>
            {v.topics.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
          <label for="newsletter-issue-subject">{t("adminNewsletterSubject")}</label>
          <input id="newsletter-issue-subject" name="subject" required maxLength={150} />
          <label for="newsletter-issue-body">{t("adminNewsletterBody")}</label>
          <textarea id="newsletter-issue-body" name="body" required maxLength={20000} rows={6} />
          <button type="submit">{t("adminNewsletterSend")}</button>
        </form>
      ) : null}
      <p class="status" role="status">
        {status.value}
      </p>
      {v && v.issues.length > 0 ? (
        <>
          <h3>{t("adminNewsletterIssues")}</h3>
          <ul>
            {v.issues.map((i) => (
              <li key={i.id}>
                {when(i.sentAt)} · {topicName(i.topicId)} · {i.subject} — {t(STATE_LABEL[i.state])} ·{" "}
                {t("adminNewsletterSentCount")} {i.sent}/{i.recipients}
                {i.skipped > 0 ? ` · ${t("adminNewsletterSkipped")} ${i.skipped}` : ""}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
