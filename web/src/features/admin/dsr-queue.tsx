import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { formatTime, t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { formatDay } from "./day";
import { failed } from "./fail";

interface Dsr {
  id: string;
  userId: string;
  kind: string;
  origin: string;
  state: string;
  needsPerson: boolean;
  receivedAt: string;
  dueAt: string;
  doneAt: string | null;
  steps: { total: number; done: number; failed: number; held: number };
}
interface DsrEvent {
  at: string;
  action: string;
  store: string | null;
  actorId: string | null;
}

/** Customer admin: the queue of data subject requests (GET /api/dsr), their trail, retrying failed steps. */
export function DsrQueue() {
  const requests = useSignal<Dsr[] | null>(null);
  const openOnly = useSignal(true);
  const events = useSignal<Record<string, DsrEvent[]>>({});
  const message = useSignal("");
  const load = async () => {
    const r = await api<{ requests: Dsr[] }>(`/api/dsr?open=${openOnly.value}`);
    requests.value = r.requests;
  };
  useEffect(() => {
    load().catch((e) => {
      message.value = failed(e);
    });
  }, [openOnly.value]);
  const history = async (id: string) => {
    try {
      const r = await api<{ events: DsrEvent[] }>(`/api/dsr/${encodeURIComponent(id)}/events`);
      events.value = { ...events.value, [id]: r.events };
    } catch (e) {
      message.value = failed(e);
    }
  };
  const retry = async (id: string) => {
    try {
      await api(`/api/dsr/${encodeURIComponent(id)}/retry`, { method: "POST" });
      message.value = t("saved");
      await load();
    } catch (e) {
      message.value = failed(e);
    }
  };
  return (
    <section aria-labelledby="dsr-title">
      <h2 id="dsr-title">{t("dsrTitle")}</h2>
      <p class="meta">{t("dsrIntro")}</p>
      <label class="check">
        <input
          type="checkbox"
          checked={openOnly.value}
          onChange={(e) => {
            openOnly.value = e.currentTarget.checked;
          }}
        />{" "}
        {t("dsrOpenOnly")}
      </label>
      <p class="status" role="status">
        {message.value}
      </p>
      {requests.value?.length === 0 ? <p class="empty">{t("dsrNone")}</p> : null}
      <ul class="cards">
        {(requests.value ?? []).map((r) => (
          <li key={r.id} data-dsr={r.id} data-state={r.state}>
            <p class="author">
              {t(`dsrKind_${r.kind}` as MessageKey)} · {t(`dsrState_${r.state}` as MessageKey)}
            </p>
            {r.needsPerson ? <p class="notice">{t("dsrNeedsPerson")}</p> : null}
            <p class="meta">
              {t(`dsrOrigin_${r.origin}` as MessageKey)} · {t("dsrReceived")} {formatDay(r.receivedAt)} · {t("dsrDue")}{" "}
              {formatDay(r.dueAt)}
            </p>
            {r.steps.total > 0 ? (
              <p>
                {t("dsrSteps")}: {r.steps.done}/{r.steps.total}
                {r.steps.failed ? ` · ${r.steps.failed} ${t("dsrFailed")}` : ""}
                {r.steps.held ? ` · ${r.steps.held} ${t("dsrHeld")}` : ""}
              </p>
            ) : null}
            <button type="button" class="link" onClick={() => void history(r.id)}>
              {t("dsrHistory")}
            </button>
            {r.steps.failed > 0 && (r.state === "received" || r.state === "verified") ? (
              <button type="button" class="secondary" onClick={() => void retry(r.id)}>
                {t("dsrRetry")}
              </button>
            ) : null}
            {events.value[r.id] ? (
              <ol class="meta">
                {(events.value[r.id] ?? []).map((e) => (
                  <li key={`${e.at}-${e.action}-${e.store ?? ""}`}>
                    {formatTime(e.at)} · <code>{e.action}</code>
                    {e.store ? (
                      <>
                        {" "}
                        · <code>{e.store}</code>
                      </>
                    ) : null}
                  </li>
                ))}
              </ol>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
