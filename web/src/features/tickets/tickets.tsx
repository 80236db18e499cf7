import { useEffect, useState } from "preact/hooks";
import { ApiError, api, type Me } from "../../api";
import { formatTime, t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { notice } from "../notice";
import { ticketPulse } from "./state";

/** Service Center (R-M3): residents report defects with photos; staff answer; both live. */

type Status = "waiting-for-agent" | "waiting-for-customer" | "waiting-for-external" | "closed";
const STATUSES: Status[] = ["waiting-for-agent", "waiting-for-customer", "waiting-for-external", "closed"];
interface FileMeta {
  id: string;
  name: string;
  contentType: string;
}
interface Summary {
  id: string;
  buildingId: string;
  title: string;
  status: Status;
  createdAt: string;
}
interface Ticket extends Summary {
  description: string;
  category: { name: string };
  photos: FileMeta[];
  messages: {
    id: string;
    authorName: string;
    visibility: string;
    body: string;
    createdAt: string;
    files: FileMeta[];
  }[];
}
const statusKey = (s: Status) => `ticketStatus_${s}` as MessageKey;

async function uploadPhoto(file: File): Promise<string> {
  const form = new FormData();
  form.append("file", file);
  const res = await fetch("/api/files", { method: "POST", body: form, credentials: "same-origin" });
  const body = (await res.json()) as { id?: string; error?: { code: string; message: string } };
  if (!res.ok || !body.id) throw new ApiError(res.status, (body.error?.code ?? "INTERNAL") as "INTERNAL", "upload");
  return body.id;
}

const fail = (e: unknown) => {
  notice.value = e instanceof ApiError ? `${t("errorGeneric")} (${e.code})` : t("errorGeneric");
};

export function Tickets({ buildingId, me, live }: { buildingId: string; me: Me; live: "online" | string }) {
  const staff = me.roles.managedBuildingIds.includes(buildingId);
  const [list, setList] = useState<Summary[]>([]);
  const [open, setOpen] = useState<Ticket | null>(null);
  const load = async () => {
    const rows = staff
      ? (await api<{ items: Summary[] }>(`/api/ticket-queue?buildingId=${encodeURIComponent(buildingId)}`)).items
      : (await api<Summary[]>("/api/tickets")).filter((x) => x.buildingId === buildingId);
    setList(rows);
  };
  const show = async (id: string) => setOpen(await api<Ticket>(`/api/tickets/${encodeURIComponent(id)}`));
  useEffect(() => {
    load().catch(fail);
  }, [buildingId, live]);
  const pulse = ticketPulse.value;
  useEffect(() => {
    if (!pulse) return;
    load().catch(fail);
    if (open && pulse.ticketId === open.id) show(open.id).catch(fail);
  }, [pulse]);
  return (
    <section class="tickets" aria-label={t("tickets")}>
      {staff ? null : <NewTicket buildingId={buildingId} me={me} onDone={(id) => void load().then(() => show(id))} />}
      <h2>{staff ? t("ticketQueue") : t("ticketsMine")}</h2>
      <ul class="feed ticket-list">
        {list.map((x) => (
          <li key={x.id} data-ticket-id={x.id}>
            <button type="button" class="link" onClick={() => void show(x.id).catch(fail)}>
              {x.title}
            </button>{" "}
            <span class="meta">
              {t(statusKey(x.status))} · <time dateTime={x.createdAt}>{formatTime(x.createdAt)}</time>
            </span>
          </li>
        ))}
      </ul>
      {open ? <TicketDetail ticket={open} staff={staff} onChange={setOpen} /> : null}
    </section>
  );
}

function NewTicket({ buildingId, me, onDone }: { buildingId: string; me: Me; onDone: (id: string) => void }) {
  const [categories, setCategories] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    api<{ id: string; name: string }[]>("/api/ticket-categories").then(setCategories).catch(fail);
  }, []);
  const unitId = me.memberships.find((m) => m.buildingId === buildingId)?.unitId ?? null;
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    try {
      const photo = data.get("photo");
      const photoIds = photo instanceof File && photo.size > 0 ? [await uploadPhoto(photo)] : [];
      const created = await api<Ticket>("/api/tickets", {
        json: {
          buildingId,
          unitId: data.get("where") === "common" ? null : unitId,
          categoryId: String(data.get("categoryId")),
          title: String(data.get("title")),
          description: String(data.get("description")),
          photoIds,
        },
      });
      form.reset();
      onDone(created.id);
    } catch (err) {
      fail(err);
    }
  };
  return (
    <form class="compose new-ticket" onSubmit={(e) => void submit(e)}>
      <h2>{t("ticketNew")}</h2>
      <label>
        {t("ticketCategory")}
        <select name="categoryId" required>
          {categories.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("ticketWhere")}
        <select name="where">
          <option value="unit">{t("ticketWhereUnit")}</option>
          <option value="common">{t("ticketWhereCommon")}</option>
        </select>
      </label>
      <label>
        {t("ticketTitle")}
        <input name="title" required maxLength={200} />
      </label>
      <label>
        {t("ticketDescription")}
        <textarea name="description" required maxLength={5000} />
      </label>
      <label>
        {t("ticketPhoto")}
        <input name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/heic" />
      </label>
      <button type="submit">{t("ticketSend")}</button>
    </form>
  );
}

function TicketDetail({ ticket, staff, onChange }: { ticket: Ticket; staff: boolean; onChange: (t: Ticket) => void }) {
  const path = `/api/tickets/${encodeURIComponent(ticket.id)}`;
  const reply = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    try {
      const json = { body: String(data.get("body")), internal: staff && data.get("internal") === "on" };
      onChange(await api<Ticket>(`${path}/messages`, { json }));
      form.reset();
    } catch (err) {
      fail(err);
    }
  };
  const setStatus = async (status: string) => {
    try {
      onChange(await api<Ticket>(path, { method: "PATCH", json: { status } }));
    } catch (err) {
      fail(err);
    }
  };
  const files = (list: FileMeta[]) =>
    list.map((f) => (
      <a key={f.id} href={`/api/files/${encodeURIComponent(f.id)}/content`} target="_blank" rel="noopener">
        {f.contentType.startsWith("image/") ? (
          <img src={`/api/files/${f.id}/content`} alt={f.name} class="thumb" />
        ) : (
          f.name
        )}
      </a>
    ));
  return (
    <article class="ticket" data-ticket-id={ticket.id}>
      <h3>{ticket.title}</h3>
      <p class="meta">
        {ticket.category.name} · <span class="ticket-status">{t(statusKey(ticket.status))}</span>
      </p>
      <p class="body">{ticket.description}</p>
      <p class="photos">{files(ticket.photos)}</p>
      {staff ? (
        <label>
          {t("ticketStatus")}{" "}
          <select value={ticket.status} onChange={(e) => void setStatus(e.currentTarget.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(statusKey(s))}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <ul class="messages">
        {ticket.messages.map((m) => (
          <li key={m.id} class={`message ${m.visibility}`}>
            <span class="author">{m.authorName}</span>
            {m.visibility === "internal" ? <em> ({t("ticketInternal")})</em> : null}: <span class="body">{m.body}</span>{" "}
            {files(m.files)}
          </li>
        ))}
      </ul>
      <form class="reply" onSubmit={(e) => void reply(e)}>
        <label>
          {t("ticketReply")}
          <textarea name="body" required maxLength={5000} />
        </label>
        {staff ? (
          <label class="inline">
            <input type="checkbox" name="internal" /> {t("ticketInternal")}
          </label>
        ) : null}
        <button type="submit">{t("ticketSend")}</button>
      </form>
    </article>
  );
}
