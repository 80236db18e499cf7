import { useSignal } from "@preact/signals";
import { ApiError, api } from "../api";
import { formatTime, t } from "../i18n";
import type { MessageKey } from "../i18n/en";
import { CookieSettings } from "./consent/settings";
import { notice } from "./notice";
import { Notifications } from "./notifications";
import { ConsentSettings, DeleteAccount, MyRequests, RestrictionSettings } from "./privacy-center";

interface Item {
  location:
    | { kind: "regional-database"; jurisdiction: string; table: string }
    | { kind: "building-room"; buildingId: string; buildingName: string | null; table: string };
  column: string;
  value: unknown;
  purpose: string;
  basis: string;
  retention: string;
}
interface MyData {
  generatedAt: string;
  categories: { category: string; items: Item[] }[];
}

const known = (prefix: string, v: string) => {
  const key = `${prefix}_${v}` as MessageKey;
  const text = t(key);
  return text === undefined ? v : text;
};
const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The privacy center (R-P1, R-P2): every value held about me, where and why; a download of all of it. */
export function Privacy() {
  const data = useSignal<MyData | null>(null);
  const exported = useSignal<{ url: string; expiresAt: string } | null>(null);
  const busy = useSignal(false);
  const load = async () => {
    busy.value = true;
    try {
      data.value = await api<MyData>("/api/me/data");
    } catch {
      notice.value = t("errorGeneric");
    } finally {
      busy.value = false;
    }
  };
  const createExport = async () => {
    busy.value = true;
    try {
      exported.value = await api<{ url: string; expiresAt: string }>("/api/me/exports", { method: "POST", json: {} });
    } catch (e) {
      notice.value = e instanceof ApiError && e.code === "RATE_LIMITED" ? t("exportLimit") : t("errorGeneric");
    } finally {
      busy.value = false;
    }
  };
  return (
    <>
      <Notifications />
      <section aria-labelledby="mydata-title">
        <h2 id="mydata-title">{t("myDataTitle")}</h2>
        <p>{t("myDataIntro")}</p>
        <p>
          <a href="/privacy/transparency">{t("transparencyLink")}</a>
        </p>
        <button type="button" onClick={() => void load()} disabled={busy.value}>
          {t("myDataShow")}
        </button>
        {data.value?.categories.map((c) => (
          <details key={c.category} class="post">
            <summary>
              {known("cat", c.category)} ({c.items.length})
            </summary>
            <table class="grid">
              <thead>
                <tr>
                  <th scope="col">{t("dataValue")}</th>
                  <th scope="col">{t("dataWhere")}</th>
                  <th scope="col">{t("dataWhy")}</th>
                </tr>
              </thead>
              <tbody>
                {c.items.map((i, n) => (
                  <tr key={`${i.location.table}-${i.column}-${n}`}>
                    <td class="body">{show(i.value)}</td>
                    <td>
                      {i.location.kind === "building-room"
                        ? `${t("dataRoom")} ${i.location.buildingName ?? i.location.buildingId}`
                        : t("dataDatabase")}{" "}
                      · <code>{`${i.location.table}.${i.column}`}</code>
                    </td>
                    <td>
                      {i.purpose} · {known("basis", i.basis)} · {i.retention}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ))}
      </section>
      <section aria-labelledby="export-title">
        <h2 id="export-title">{t("exportTitle")}</h2>
        <p>{t("exportIntro")}</p>
        <button type="button" onClick={() => void createExport()} disabled={busy.value}>
          {t("exportCreate")}
        </button>
        {exported.value ? (
          <p role="status">
            <a href={exported.value.url} download>
              {t("exportDownload")}
            </a>{" "}
            · {t("exportValidUntil")} {formatTime(exported.value.expiresAt)}
          </p>
        ) : null}
      </section>
      <RestrictionSettings />
      <ConsentSettings />
      <CookieSettings />
      <MyRequests />
      <DeleteAccount />
    </>
  );
}
