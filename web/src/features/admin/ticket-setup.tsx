import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { t } from "../../i18n";
import { failed } from "./fail";

interface Category {
  id: string;
  name: string;
  deadlineHours: number;
  archived: boolean;
}
interface Provider {
  id: string;
  name: string;
  email: string;
  trade: string | null;
}

const MAX_HOURS = 24 * 365;

/** Customer admin, Service Center set-up (R-M3): ticket categories with their deadline, and service providers. */
export function TicketSetup() {
  return (
    <>
      <Categories />
      <Providers />
    </>
  );
}

function Categories() {
  const list = useSignal<Category[] | null>(null);
  const status = useSignal<{ id: string; text: string }>({ id: "", text: "" });
  const load = async () => {
    list.value = await api<Category[]>("/api/ticket-categories?archived=include");
  };
  useEffect(() => {
    load().catch((e) => {
      status.value = { id: "", text: failed(e) };
    });
  }, []);
  const fields = (data: FormData) => ({
    name: String(data.get("name") ?? ""),
    deadlineHours: Number(data.get("deadlineHours")),
  });
  const save = async (c: Category, form: HTMLFormElement) => {
    try {
      await api(`/api/ticket-categories/${encodeURIComponent(c.id)}`, {
        method: "PATCH",
        json: fields(new FormData(form)),
      });
      status.value = { id: c.id, text: t("saved") };
      await load();
    } catch (e) {
      status.value = { id: c.id, text: failed(e) };
    }
  };
  const retire = async (c: Category, archived: boolean) => {
    if (archived && !confirm(t("categoryRetireConfirm"))) return;
    try {
      await api(`/api/ticket-categories/${encodeURIComponent(c.id)}`, { method: "PATCH", json: { archived } });
      status.value = { id: c.id, text: archived ? t("categoryRetired") : t("categoryReinstated") };
      await load();
    } catch (e) {
      status.value = { id: c.id, text: failed(e) };
    }
  };
  const create = async (form: HTMLFormElement) => {
    try {
      await api("/api/ticket-categories", { json: fields(new FormData(form)) });
      form.reset();
      status.value = { id: "", text: t("saved") };
      await load();
    } catch (e) {
      status.value = { id: "new", text: failed(e) };
    }
  };
  return (
    <section aria-labelledby="categories-title">
      <h2 id="categories-title">{t("categoriesTitle")}</h2>
      <p class="meta">{t("categoriesIntro")}</p>
      <p class="status" role="status">
        {status.value.id === "" ? status.value.text : ""}
      </p>
      {list.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      <ul class="cards">
        {(list.value ?? []).map((c) => (
          <li
            key={c.id}
            data-category={c.id}
            data-archived={c.archived ? "true" : undefined}
            class={c.archived ? "ended" : ""}
          >
            <form
              class="admin-app"
              onSubmit={(e) => {
                e.preventDefault();
                void save(c, e.currentTarget);
              }}
            >
              <fieldset>
                <legend>
                  {c.name}
                  {c.archived ? ` (${t("categoryRetiredMark")})` : ""}
                </legend>
                <div class="grow">
                  <label for={`cat-name-${c.id}`}>{t("categoryName")}</label>
                  <input id={`cat-name-${c.id}`} name="name" required maxLength={80} defaultValue={c.name} />
                </div>
                <div>
                  <label for={`cat-hours-${c.id}`}>{t("categoryDeadline")}</label>
                  <input
                    id={`cat-hours-${c.id}`}
                    name="deadlineHours"
                    type="number"
                    inputMode="numeric"
                    required
                    min={1}
                    max={MAX_HOURS}
                    defaultValue={String(c.deadlineHours)}
                  />
                </div>
                <button type="submit">{t("save")}</button>
                <button type="button" class="secondary" onClick={() => void retire(c, !c.archived)}>
                  {c.archived ? t("categoryReinstate") : t("categoryRetire")}
                  <span class="visually-hidden">: {c.name}</span>
                </button>
                <p class="status" role="status">
                  {status.value.id === c.id ? status.value.text : ""}
                </p>
              </fieldset>
            </form>
          </li>
        ))}
      </ul>
      <form
        class="compose"
        aria-labelledby="category-new-title"
        onSubmit={(e) => {
          e.preventDefault();
          void create(e.currentTarget);
        }}
      >
        <h3 id="category-new-title">{t("categoryNew")}</h3>
        <label for="category-new-name">{t("categoryName")}</label>
        <input id="category-new-name" name="name" required maxLength={80} autoComplete="off" />
        <label for="category-new-hours">{t("categoryDeadline")}</label>
        <input
          id="category-new-hours"
          name="deadlineHours"
          type="number"
          inputMode="numeric"
          required
          min={1}
          max={MAX_HOURS}
          defaultValue="72"
        />
        <button type="submit">{t("categoryCreate")}</button>
        <p class="status" role="status">
          {status.value.id === "new" ? status.value.text : ""}
        </p>
      </form>
    </section>
  );
}

function Providers() {
  const list = useSignal<Provider[] | null>(null);
  const status = useSignal<{ id: string; text: string }>({ id: "", text: "" });
  const load = async () => {
    list.value = await api<Provider[]>("/api/service-providers");
  };
  useEffect(() => {
    load().catch((e) => {
      status.value = { id: "", text: failed(e) };
    });
  }, []);
  const fields = (data: FormData) => {
    const trade = String(data.get("trade") ?? "").trim();
    return { name: String(data.get("name") ?? ""), email: String(data.get("email") ?? ""), trade: trade || null };
  };
  const save = async (p: Provider, form: HTMLFormElement) => {
    try {
      await api(`/api/service-providers/${encodeURIComponent(p.id)}`, {
        method: "PATCH",
        json: fields(new FormData(form)),
      });
      status.value = { id: p.id, text: t("saved") };
      await load();
    } catch (e) {
      status.value = { id: p.id, text: failed(e) };
    }
  };
  const retire = async (p: Provider) => {
    if (!confirm(t("providerRetireConfirm"))) return;
    try {
      await api(`/api/service-providers/${encodeURIComponent(p.id)}`, { method: "PATCH", json: { archived: true } });
      status.value = { id: "", text: t("providerRetired") };
      await load();
    } catch (e) {
      status.value = { id: p.id, text: failed(e) };
    }
  };
  const create = async (form: HTMLFormElement) => {
    try {
      await api("/api/service-providers", { json: fields(new FormData(form)) });
      form.reset();
      status.value = { id: "", text: t("saved") };
      await load();
    } catch (e) {
      status.value = { id: "new", text: failed(e) };
    }
  };
  const inputs = (prefix: string, p?: Provider) => (
    <>
      <div class="grow">
        <label for={`${prefix}-name`}>{t("providerName")}</label>
        <input
          id={`${prefix}-name`}
          name="name"
          required
          maxLength={120}
          defaultValue={p?.name ?? ""}
          autoComplete="off"
        />
      </div>
      <div class="grow">
        <label for={`${prefix}-email`}>{t("providerEmail")}</label>
        <input
          id={`${prefix}-email`}
          name="email"
          type="email"
          required
          defaultValue={p?.email ?? ""}
          autoComplete="off"
        />
      </div>
      <div class="grow">
        <label for={`${prefix}-trade`}>{t("providerTrade")}</label>
        <input id={`${prefix}-trade`} name="trade" maxLength={80} defaultValue={p?.trade ?? ""} autoComplete="off" />
      </div>
    </>
  );
  return (
    <section aria-labelledby="providers-title">
      <h2 id="providers-title">{t("providersTitle")}</h2>
      <p class="meta">{t("providersIntro")}</p>
      <p class="status" role="status">
        {status.value.id === "" ? status.value.text : ""}
      </p>
      {list.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {list.value?.length === 0 ? <p class="empty">{t("providersNone")}</p> : null}
      <ul class="cards">
        {(list.value ?? []).map((p) => (
          <li key={p.id} data-provider={p.id}>
            <form
              class="admin-app"
              onSubmit={(e) => {
                e.preventDefault();
                void save(p, e.currentTarget);
              }}
            >
              <fieldset>
                <legend>{p.name}</legend>
                {inputs(`provider-${p.id}`, p)}
                <button type="submit">{t("save")}</button>
                <button type="button" class="secondary" onClick={() => void retire(p)}>
                  {t("providerRetire")}
                  <span class="visually-hidden">: {p.name}</span>
                </button>
                <p class="status" role="status">
                  {status.value.id === p.id ? status.value.text : ""}
                </p>
              </fieldset>
            </form>
          </li>
        ))}
      </ul>
      <form
        class="compose"
        aria-labelledby="provider-new-title"
        onSubmit={(e) => {
          e.preventDefault();
          void create(e.currentTarget);
        }}
      >
        <h3 id="provider-new-title">{t("providerNew")}</h3>
        {inputs("provider-new")}
        <button type="submit">{t("providerCreate")}</button>
        <p class="status" role="status">
          {status.value.id === "new" ? status.value.text : ""}
        </p>
      </form>
    </section>
  );
}
