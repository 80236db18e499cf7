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
  channel: string | null;
  verificationMethod: string | null;
  rejectionReason: string | null;
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

// Codes of src/db/schema/dsr-details.ts (decision 0036): the trail never holds a free-text value.
const KINDS = ["access", "export", "erasure", "rectification", "restriction", "objection"] as const;
const CHANNELS = ["letter", "email", "phone", "in-person"] as const;
const METHODS = [
  "id-document-seen",
  "known-contact-details",
  "callback-known-number",
  "letter-to-known-address",
  "in-person-known",
] as const;
const REASONS = [
  "identity-not-confirmed",
  "not-a-data-subject",
  "manifestly-unfounded",
  "excessive",
  "duplicate",
] as const;
const FIELDS = ["name", "email", "phone", "locale", "address", "other"] as const;
const OBJECTIONS = ["objection-marketing", "objection-legitimate-interest"] as const;

const key = (prefix: string, code: string) => t(`${prefix}_${code}` as MessageKey);

/** Recording a request that reached the customer outside the app (POST /api/dsr). */
function RecordRequest({ onDone }: { onDone: (message: string) => void }) {
  const userId = useSignal("");
  const kind = useSignal<string>("access");
  const channel = useSignal<string>("letter");
  const day = useSignal("");
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const receivedAt = day.value ? new Date(`${day.value}T12:00:00Z`) : null;
      await api("/api/dsr", {
        json: {
          userId: userId.value.trim(),
          kind: kind.value,
          channel: channel.value,
          ...(receivedAt && receivedAt.getTime() < Date.now() ? { receivedAt: receivedAt.toISOString() } : {}),
        },
      });
      userId.value = "";
      onDone(t("saved"));
    } catch (err) {
      onDone(failed(err));
    }
  };
  return (
    <form class="stack" onSubmit={(e) => void submit(e)} aria-labelledby="dsr-record-title">
      <h3 id="dsr-record-title">{t("dsrRecordTitle")}</h3>
      <p class="meta">{t("dsrRecordHint")}</p>
      <label>
        {t("dsrUserId")}
        <input
          required
          value={userId.value}
          onInput={(e) => {
            userId.value = e.currentTarget.value;
          }}
        />
      </label>
      <label>
        {t("dsrKind")}
        <select
          value={kind.value}
          onChange={(e) => {
            kind.value = e.currentTarget.value;
          }}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {key("dsrKind", k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("dsrChannel")}
        <select
          value={channel.value}
          onChange={(e) => {
            channel.value = e.currentTarget.value;
          }}
        >
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {key("dsrChannel", c)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("dsrReceivedOn")}
        <input
          type="date"
          value={day.value}
          onInput={(e) => {
            day.value = e.currentTarget.value;
          }}
        />
      </label>
      <button type="submit">{t("dsrRecord")}</button>
    </form>
  );
}

/** The identity decision and the action on one staff-recorded request. */
function StaffSteps({ r, onDone }: { r: Dsr; onDone: (message: string) => unknown }) {
  const method = useSignal<string>(METHODS[0]);
  const reason = useSignal<string>(REASONS[0]);
  const fields = useSignal<string[]>([]);
  const objection = useSignal<string>(OBJECTIONS[0]);
  const post = async (path: string, json: unknown) => {
    try {
      await api(`/api/dsr/${encodeURIComponent(r.id)}/${path}`, { json });
      await onDone(t("saved"));
    } catch (err) {
      await onDone(failed(err));
    }
  };
  if (r.origin !== "staff") return null;
  if (r.state === "received")
    return (
      <div class="stack">
        <label>
          {t("dsrMethod")}
          <select
            value={method.value}
            onChange={(e) => {
              method.value = e.currentTarget.value;
            }}
          >
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {key("dsrMethod", m)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void post("identity", { verified: true, method: method.value })}>
          {t("dsrVerify")}
        </button>
        <label>
          {t("dsrReason")}
          <select
            value={reason.value}
            onChange={(e) => {
              reason.value = e.currentTarget.value;
            }}
          >
            {REASONS.map((x) => (
              <option key={x} value={x}>
                {key("dsrReason", x)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          class="secondary"
          onClick={() => void post("identity", { verified: false, reason: reason.value })}
        >
          {t("dsrReject")}
        </button>
      </div>
    );
  if (r.state === "verified" && r.steps.total === 0)
    return (
      <div class="stack">
        {r.kind === "rectification" ? (
          <fieldset>
            <legend>{t("dsrFields")}</legend>
            {FIELDS.map((f) => (
              <label key={f} class="check">
                <input
                  type="checkbox"
                  checked={fields.value.includes(f)}
                  onChange={(e) => {
                    fields.value = e.currentTarget.checked ? [...fields.value, f] : fields.value.filter((x) => x !== f);
                  }}
                />{" "}
                {key("dsrField", f)}
              </label>
            ))}
          </fieldset>
        ) : null}
        {r.kind === "objection" ? (
          <label>
            {t("dsrObjection")}
            <select
              value={objection.value}
              onChange={(e) => {
                objection.value = e.currentTarget.value;
              }}
            >
              {OBJECTIONS.map((o) => (
                <option key={o} value={o}>
                  {key("dsrObjection", o)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button
          type="button"
          onClick={() =>
            void post("act", {
              ...(r.kind === "rectification" ? { fields: fields.value } : {}),
              ...(r.kind === "objection" ? { objection: objection.value } : {}),
            })
          }
        >
          {t("dsrAct")}
        </button>
      </div>
    );
  if (r.state === "done" && (r.kind === "access" || r.kind === "export"))
    return (
      <a href={`/api/dsr/${encodeURIComponent(r.id)}/export`} download>
        {t("dsrDownload")}
      </a>
    );
  return null;
}

/**
 * Customer admin: the queue of data subject requests (GET /api/dsr), their trail, retrying failed steps,
 * and requests taken in outside the app: record, check the identity, carry out (decision 0036).
 */
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
      <RecordRequest
        onDone={(m) => {
          message.value = m;
          load().catch((e) => {
            message.value = failed(e);
          });
        }}
      />
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
            {r.channel ? (
              <p class="meta">
                {t("dsrChannel")}: {key("dsrChannel", r.channel)}
                {r.verificationMethod ? ` · ${key("dsrMethod", r.verificationMethod)}` : ""}
                {r.rejectionReason ? ` · ${key("dsrReason", r.rejectionReason)}` : ""}
              </p>
            ) : null}
            <StaffSteps
              r={r}
              onDone={async (m) => {
                message.value = m;
                await load();
              }}
            />
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
