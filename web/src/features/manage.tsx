import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, api, type Building } from "../api";
import { formatTime, t } from "../i18n";
import { AnnouncementComposer } from "./compose-announcement";
import { notice } from "./notice";

interface Unit {
  id: string;
  name: string;
  floor: string | null;
}
interface Tenancy {
  id: string;
  type: string;
  startsOn: string;
  endsOn: string | null;
}
interface Code {
  id: string;
  code: string;
  status: string;
  unitName: string;
  tenancyId: string;
  sentAt: string | null;
  recipientEmail: string | null;
}
interface AccessRequest {
  id: string;
  buildingId: string;
  unit: string;
  name: string;
  email: string;
  createdAt: string;
}

const fail = (e: unknown) => {
  notice.value = e instanceof ApiError ? `${t("errorGeneric")} (${e.code})` : t("errorGeneric");
};

/** The manager console for one building: units and tenancies, activation codes, access requests. */
export function Manage({ building }: { building: Building & { propertyId: string } }) {
  const buildingId = building.id;
  return (
    <>
      <AnnouncementComposer building={building} />
      <ModerationQueue buildingId={buildingId} />
      <Units buildingId={buildingId} />
      <Codes buildingId={buildingId} />
      <Requests buildingId={buildingId} />
    </>
  );
}

function Units({ buildingId }: { buildingId: string }) {
  const units = useSignal<(Unit & { tenancies: Tenancy[] })[] | null>(null);
  const load = async () => {
    const list = await api<Unit[]>(`/api/buildings/${encodeURIComponent(buildingId)}/units`);
    units.value = await Promise.all(
      list.map(async (u) => ({
        ...u,
        tenancies: await api<Tenancy[]>(`/api/units/${encodeURIComponent(u.id)}/tenancies`),
      })),
    );
  };
  useEffect(() => {
    load().catch(fail);
  }, [buildingId]);
  const setEnd = async (tenancyId: string, endsOn: string) => {
    try {
      await api(`/api/tenancies/${encodeURIComponent(tenancyId)}`, {
        method: "PATCH",
        json: { endsOn: endsOn || null },
      });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  return (
    <section aria-labelledby="units-title">
      <h2 id="units-title">{t("unitsTitle")}</h2>
      {units.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">{t("unit")}</th>
            <th scope="col">{t("tenancyStart")}</th>
            <th scope="col">{t("tenancyEnd")}</th>
          </tr>
        </thead>
        <tbody>
          {(units.value ?? []).flatMap((u) =>
            u.tenancies.map((ten) => (
              <tr key={ten.id}>
                <th scope="row">{u.name}</th>
                <td>{ten.startsOn}</td>
                <td>
                  <label class="visually-hidden" for={`end-${ten.id}`}>
                    {t("tenancyEnd")} {u.name}
                  </label>
                  <input
                    id={`end-${ten.id}`}
                    type="date"
                    value={ten.endsOn ?? ""}
                    min={ten.startsOn}
                    onChange={(e) => void setEnd(ten.id, e.currentTarget.value)}
                  />
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

function Codes({ buildingId }: { buildingId: string }) {
  const codes = useSignal<Code[] | null>(null);
  const base = `/api/buildings/${encodeURIComponent(buildingId)}/codes`;
  const load = async () => {
    codes.value = await api<Code[]>(base);
  };
  useEffect(() => {
    load().catch(fail);
  }, [buildingId]);
  const createAll = async () => {
    try {
      await api(base, { method: "POST", json: {} });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  const send = async (id: string) => {
    const email = prompt(t("codeSendPrompt"));
    if (!email) return;
    try {
      await api(`/api/codes/${encodeURIComponent(id)}/send`, { method: "POST", json: { email } });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api(`/api/codes/${encodeURIComponent(id)}`, { method: "DELETE" });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  return (
    <section aria-labelledby="codes-title">
      <h2 id="codes-title">{t("codesTitle")}</h2>
      <p>
        <button type="button" onClick={() => void createAll()}>
          {t("codesCreate")}
        </button>{" "}
        <a href={`/print/buildings/${encodeURIComponent(buildingId)}`} target="_blank" rel="noopener">
          {t("codesPrint")}
        </a>
      </p>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">{t("unit")}</th>
            <th scope="col">{t("code")}</th>
            <th scope="col">{t("status")}</th>
            <th scope="col">
              <span class="visually-hidden">{t("actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(codes.value ?? []).map((c) => (
            <tr key={c.id} data-code-status={c.status}>
              <th scope="row">{c.unitName}</th>
              <td>
                <code>{c.code}</code>
              </td>
              <td>{t(`codeStatus_${c.status}` as Parameters<typeof t>[0])}</td>
              <td>
                {c.status === "unused" || c.status === "sent" ? (
                  <>
                    <button type="button" class="link" onClick={() => void send(c.id)}>
                      {t("codeSend")}
                    </button>
                    <button type="button" class="link" onClick={() => void revoke(c.id)}>
                      {t("codeRevoke")}
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Requests({ buildingId }: { buildingId: string }) {
  const requests = useSignal<AccessRequest[] | null>(null);
  const tenancies = useSignal<{ id: string; label: string }[]>([]);
  const load = async () => {
    const all = await api<AccessRequest[]>("/api/access-requests");
    requests.value = all.filter((r) => r.buildingId === buildingId);
    const units = await api<Unit[]>(`/api/buildings/${encodeURIComponent(buildingId)}/units`);
    const today = new Date().toISOString().slice(0, 10);
    const rows = await Promise.all(
      units.map(async (u) =>
        (await api<Tenancy[]>(`/api/units/${encodeURIComponent(u.id)}/tenancies`))
          .filter((x) => x.endsOn === null || x.endsOn >= today)
          .map((x) => ({ id: x.id, label: `${u.name} · ${x.startsOn}` })),
      ),
    );
    tenancies.value = rows.flat();
  };
  const approve = async (id: string, tenancyId: string) => {
    try {
      await api(`/api/access-requests/${encodeURIComponent(id)}/approve`, { method: "POST", json: { tenancyId } });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  useEffect(() => {
    load().catch(fail);
  }, [buildingId]);
  const reject = async (id: string) => {
    const reason = prompt(t("requestRejectPrompt"));
    if (!reason) return;
    try {
      await api(`/api/access-requests/${encodeURIComponent(id)}/reject`, { method: "POST", json: { reason } });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  return (
    <section aria-labelledby="requests-title">
      <h2 id="requests-title">{t("requestsTitle")}</h2>
      {requests.value?.length === 0 ? <p class="empty">{t("requestsNone")}</p> : null}
      <ul class="feed">
        {(requests.value ?? []).map((r) => (
          <li key={r.id} class="post">
            <p>
              <span class="author">{r.name}</span> · {r.email} · {r.unit}
            </p>
            <p class="meta">{formatTime(r.createdAt)}</p>
            <form
              class="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                const v = new FormData(e.currentTarget).get("tenancy");
                if (typeof v === "string" && v) void approve(r.id, v);
              }}
            >
              <label for={`tenancy-${r.id}`}>{t("requestTenancy")}</label>
              <select id={`tenancy-${r.id}`} name="tenancy">
                {tenancies.value.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.label}
                  </option>
                ))}
              </select>
              <button type="submit">{t("requestApprove")}</button>
            </form>
            <button type="button" class="secondary" onClick={() => void reject(r.id)}>
              {t("requestReject")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface ReportedPost {
  buildingId: string;
  postId: string;
  reports: number;
  reasons: Record<string, number>;
  notes: string[];
  lastReportedAt: string;
}

/** Reported posts of this building (R-M1): hide, or dismiss the reports. The log keeps ids only. */
function ModerationQueue({ buildingId }: { buildingId: string }) {
  const reported = useSignal<ReportedPost[]>([]);
  const load = async () => {
    reported.value = await api<ReportedPost[]>(`/api/moderation/reports?buildingId=${encodeURIComponent(buildingId)}`);
  };
  useEffect(() => {
    load().catch(fail);
  }, [buildingId]);
  const act = async (postId: string, how: "hide" | "dismiss") => {
    const path = `/api/buildings/${encodeURIComponent(buildingId)}/posts/${encodeURIComponent(postId)}`;
    try {
      if (how === "hide") await api(`${path}/visibility`, { method: "PUT", json: { hidden: true } });
      else await api(`${path}/reports`, { method: "DELETE" });
      await load();
    } catch (e) {
      fail(e);
    }
  };
  return (
    <section aria-labelledby="moderation-title">
      <h2 id="moderation-title">{t("moderationTitle")}</h2>
      {reported.value.length === 0 ? <p class="empty">{t("moderationNone")}</p> : null}
      <ul class="feed">
        {reported.value.map((r) => (
          <li key={r.postId} class="post" data-reported-post={r.postId}>
            <p>
              <span class="author">
                {r.reports} {t("reportsCount")}
              </span>{" "}
              ·{" "}
              {Object.keys(r.reasons)
                .map((k) => t(`reason_${k}` as Parameters<typeof t>[0]))
                .join(", ")}
            </p>
            {r.notes.map((n) => (
              <p key={n} class="body">
                {n}
              </p>
            ))}
            <p class="meta">{formatTime(r.lastReportedAt)}</p>
            <button type="button" onClick={() => void act(r.postId, "hide")}>
              {t("hide")}
            </button>{" "}
            <button type="button" class="secondary" onClick={() => void act(r.postId, "dismiss")}>
              {t("dismiss")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
