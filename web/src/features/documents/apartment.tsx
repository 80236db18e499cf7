import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, type Me } from "../../api";
import { t } from "../../i18n";
import { formatDay } from "../admin/day";
import { ACCEPT, ByCategory, categoryName, type Doc, docFailed, UNIT_CATEGORIES, uploadFile } from "./shared";

interface Unit {
  id: string;
  name: string;
}
interface Tenancy {
  id: string;
  startsOn: string;
  endsOn: string | null;
}

/** A unit's documents that the reader may see (for a resident: their current tenancy's). */
function unitDocuments(unitId: string) {
  return api<Doc[]>(`/api/units/${encodeURIComponent(unitId)}/documents`);
}

const period = (x: Tenancy) => `${formatDay(x.startsOn)} – ${x.endsOn ? formatDay(x.endsOn) : t("docOpenEnded")}`;

/**
 * My apartment (R-M5): a resident sees the documents of their current tenancy (contract, handover
 * protocol); the building's managers pick a unit, see every tenancy's documents and add or delete them.
 */
export function Apartment({ buildingId, me, managing }: { buildingId: string; me: Me; managing: boolean }) {
  return managing ? (
    <UnitDocumentsAdmin key={buildingId} buildingId={buildingId} />
  ) : (
    <MyDocuments buildingId={buildingId} me={me} />
  );
}

function MyDocuments({ buildingId, me }: { buildingId: string; me: Me }) {
  const docs = useSignal<Doc[] | null>(null);
  const message = useSignal("");
  const unitIds = [...new Set(me.memberships.filter((m) => m.buildingId === buildingId).map((m) => m.unitId))];
  useEffect(() => {
    docs.value = null;
    Promise.all(unitIds.map(unitDocuments))
      .then((lists) => {
        docs.value = lists.flat();
      })
      .catch((e) => {
        message.value = docFailed(e);
      });
  }, [buildingId]);
  return (
    <section class="documents" aria-labelledby="apartment-title">
      <h2 id="apartment-title">{t("apartmentTitle")}</h2>
      <p class="meta">{t("apartmentIntro")}</p>
      <p class="status" role="status">
        {message.value}
      </p>
      {docs.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {docs.value?.length === 0 ? <p class="empty">{t("apartmentNone")}</p> : null}
      <ByCategory docs={docs.value ?? []} order={UNIT_CATEGORIES} level="h3" />
    </section>
  );
}

function UnitDocumentsAdmin({ buildingId }: { buildingId: string }) {
  const units = useSignal<Unit[] | null>(null);
  const unitId = useSignal("");
  const tenancies = useSignal<Tenancy[]>([]);
  const docs = useSignal<Doc[] | null>(null);
  const message = useSignal("");
  const busy = useSignal(false);
  useEffect(() => {
    api<Unit[]>(`/api/buildings/${encodeURIComponent(buildingId)}/units`)
      .then((list) => {
        units.value = list;
      })
      .catch((e) => {
        message.value = docFailed(e);
      });
  }, [buildingId]);
  const load = async (id: string) => {
    const path = `/api/units/${encodeURIComponent(id)}`;
    const [d, ts] = await Promise.all([api<Doc[]>(`${path}/documents`), api<Tenancy[]>(`${path}/tenancies`)]);
    docs.value = d;
    tenancies.value = ts;
  };
  const pick = (id: string) => {
    unitId.value = id;
    docs.value = null;
    tenancies.value = [];
    message.value = "";
    if (id)
      load(id).catch((e) => {
        message.value = docFailed(e);
      });
  };
  const remove = async (d: Doc) => {
    if (!confirm(t("docDeleteConfirm"))) return;
    try {
      await api(`/api/documents/${encodeURIComponent(d.id)}`, { method: "DELETE" });
      message.value = t("docDeleted");
      await load(unitId.value);
    } catch (e) {
      message.value = docFailed(e);
    }
  };
  const submit = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const file = data.get("file");
    if (!(file instanceof File) || file.size === 0) {
      message.value = t("docPickFile");
      return;
    }
    busy.value = true;
    message.value = t("docUploading");
    try {
      const fileId = await uploadFile(file);
      const tenancyId = String(data.get("tenancyId") ?? "");
      await api(`/api/units/${encodeURIComponent(unitId.value)}/documents`, {
        json: {
          category: String(data.get("category")),
          title: String(data.get("title") ?? ""),
          fileId,
          ...(tenancyId ? { tenancyId } : {}),
        },
      });
      form.reset();
      message.value = t("docPublished");
      await load(unitId.value);
    } catch (e) {
      message.value = docFailed(e);
    } finally {
      busy.value = false;
    }
  };
  const tenancyOf = (d: Doc) => {
    const x = tenancies.value.find((y) => y.id === d.tenancyId);
    return x ? `${t("docTenancy")} ${period(x)}` : "";
  };
  const unitName = units.value?.find((u) => u.id === unitId.value)?.name ?? "";
  return (
    <section class="documents" aria-labelledby="unit-docs-title">
      <h2 id="unit-docs-title">{t("unitDocsTitle")}</h2>
      <p class="meta">{t("unitDocsIntro")}</p>
      <label for="unit-docs-unit">{t("docUnit")}</label>
      <select id="unit-docs-unit" value={unitId.value} onChange={(e) => pick(e.currentTarget.value)}>
        <option value="">{t("docUnitPick")}</option>
        {(units.value ?? []).map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </select>
      <p class="status" role="status">
        {message.value}
      </p>
      {unitId.value && docs.value?.length === 0 ? <p class="empty">{t("apartmentNone")}</p> : null}
      {unitId.value ? (
        <>
          <ByCategory
            docs={docs.value ?? []}
            order={UNIT_CATEGORIES}
            level="h3"
            onDelete={(d) => void remove(d)}
            extra={tenancyOf}
          />
          <form
            class="compose"
            aria-labelledby="unit-doc-add-title"
            onSubmit={(e) => {
              e.preventDefault();
              void submit(e.currentTarget);
            }}
          >
            <h3 id="unit-doc-add-title">
              {t("unitDocAddTitle")} {unitName}
            </h3>
            <label for="unit-doc-category">{t("docCategory")}</label>
            <select id="unit-doc-category" name="category" required>
              {UNIT_CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {categoryName(c)}
                </option>
              ))}
            </select>
            <label for="unit-doc-title">{t("docTitle")}</label>
            <input id="unit-doc-title" name="title" required maxLength={200} autoComplete="off" />
            <label for="unit-doc-file">{t("docFile")}</label>
            <input
              id="unit-doc-file"
              name="file"
              type="file"
              required
              accept={ACCEPT}
              aria-describedby="unit-doc-file-hint"
            />
            <p class="meta" id="unit-doc-file-hint">
              {t("docFileHint")}
            </p>
            <label for="unit-doc-tenancy">{t("docTenancy")}</label>
            <select id="unit-doc-tenancy" name="tenancyId">
              <option value="">{t("docTenancyCurrent")}</option>
              {tenancies.value.map((x) => (
                <option key={x.id} value={x.id}>
                  {period(x)}
                </option>
              ))}
            </select>
            <button type="submit" disabled={busy.value}>
              {t("docAdd")}
            </button>
          </form>
        </>
      ) : null}
    </section>
  );
}
