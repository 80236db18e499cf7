import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, api, type Building } from "../api";
import { formatTime, t } from "../i18n";
import { notice } from "./notice";

interface ManagerAnnouncement {
  id: string;
  title: string;
  state: string;
  ackRequired: boolean;
  publishAt: string;
  target: { type: string; ids: string[] };
  counts: { buildings: number; units: number; residents: number; read: number; acknowledged: number };
}

/** The announcement composer and the sent list with read and acknowledgement counts (R-M2). */
export function AnnouncementComposer({ building }: { building: Building & { propertyId: string } }) {
  const sent = useSignal<ManagerAnnouncement[]>([]);
  const busy = useSignal(false);
  const load = async () => {
    sent.value = await api<ManagerAnnouncement[]>("/api/announcements");
  };
  useEffect(() => {
    load().catch(() => undefined);
  }, [building.id]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const scope = String(f.get("scope"));
    const when = String(f.get("publishAt") ?? "");
    const target =
      scope === "property"
        ? { type: "property", id: building.propertyId }
        : scope === "customer"
          ? { type: "customer" }
          : { type: "building", ids: [building.id] };
    busy.value = true;
    try {
      await api("/api/announcements", {
        json: {
          title: String(f.get("title") ?? ""),
          body: String(f.get("body") ?? ""),
          target,
          ackRequired: f.get("ackRequired") === "on",
          ...(when ? { publishAt: new Date(when).toISOString() } : {}),
        },
      });
      form.reset();
      await load();
    } catch (err) {
      notice.value = err instanceof ApiError ? `${t("errorGeneric")} (${err.code})` : t("errorGeneric");
    } finally {
      busy.value = false;
    }
  };

  return (
    <section aria-labelledby="compose-title">
      <h2 id="compose-title">{t("announcementNew")}</h2>
      <form class="compose" onSubmit={(e) => void submit(e)}>
        <label for="a-title">{t("announcementTitle")}</label>
        <input id="a-title" name="title" required maxLength={200} />
        <label for="a-body">{t("announcementBody")}</label>
        <textarea id="a-body" name="body" required rows={4} maxLength={10000} />
        <fieldset>
          <legend>{t("announcementTarget")}</legend>
          <label class="inline">
            <input type="radio" name="scope" value="building" checked /> {t("targetBuilding")}
          </label>{" "}
          <label class="inline">
            <input type="radio" name="scope" value="property" /> {t("targetProperty")}
          </label>{" "}
          <label class="inline">
            <input type="radio" name="scope" value="customer" /> {t("targetCustomer")}
          </label>
        </fieldset>
        <label class="inline">
          <input type="checkbox" name="ackRequired" /> {t("announcementAck")}
        </label>
        <label for="a-when">{t("announcementWhen")}</label>
        <input id="a-when" name="publishAt" type="datetime-local" />
        <button type="submit" disabled={busy.value}>
          {t("announcementSend")}
        </button>
      </form>
      <h2>{t("announcementsSent")}</h2>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">{t("announcementTitle")}</th>
            <th scope="col">{t("announcementDate")}</th>
            <th scope="col">{t("countRead")}</th>
            <th scope="col">{t("countAcknowledged")}</th>
          </tr>
        </thead>
        <tbody>
          {sent.value.map((a) => (
            <tr key={a.id} data-announcement-id={a.id}>
              <th scope="row">{a.title}</th>
              <td>{formatTime(a.publishAt)}</td>
              <td class="count-read">
                {a.counts.read} / {a.counts.residents}
              </td>
              <td class="count-ack">{a.ackRequired ? `${a.counts.acknowledged} / ${a.counts.units}` : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
