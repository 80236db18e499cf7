import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, type Building } from "../../api";
import { t } from "../../i18n";
import { ACCEPT, BUILDING_CATEGORIES, ByCategory, categoryName, type Doc, docFailed, uploadFile } from "./shared";

/**
 * Information (R-M4): the building's documents by category (house rules, cleaning plans, building
 * plans, appointments) for its residents; its managers also publish and delete them here.
 */
export function Information({
  building,
  buildings,
  managing,
  managedBuildingIds,
}: {
  building: Building;
  buildings: Building[];
  managing: boolean;
  managedBuildingIds: string[];
}) {
  const docs = useSignal<Doc[] | null>(null);
  const message = useSignal("");
  const load = async () => {
    docs.value = await api<Doc[]>(`/api/buildings/${encodeURIComponent(building.id)}/documents`);
  };
  useEffect(() => {
    docs.value = null;
    load().catch((e) => {
      message.value = docFailed(e);
    });
  }, [building.id]);
  const remove = async (d: Doc) => {
    if (!confirm(d.buildingIds.length > 1 ? t("docDeleteConfirmMany") : t("docDeleteConfirm"))) return;
    try {
      await api(`/api/documents/${encodeURIComponent(d.id)}`, { method: "DELETE" });
      message.value = t("docDeleted");
      await load();
    } catch (e) {
      message.value = docFailed(e);
    }
  };
  return (
    <section class="documents" aria-labelledby="info-title">
      <h2 id="info-title">{t("infoTitle")}</h2>
      <p class="status" role="status">
        {message.value}
      </p>
      {docs.value === null ? <p aria-busy="true">{t("loading")}</p> : null}
      {docs.value?.length === 0 ? <p class="empty">{t("infoNone")}</p> : null}
      <ByCategory
        docs={docs.value ?? []}
        order={BUILDING_CATEGORIES}
        level="h3"
        onDelete={managing ? (d) => void remove(d) : undefined}
      />
      {managing ? (
        <PublishForm
          building={building}
          buildings={buildings.filter((b) => managedBuildingIds.includes(b.id))}
          onPublished={async () => {
            message.value = t("docPublished");
            await load();
          }}
        />
      ) : null}
    </section>
  );
}

type Target = "this" | "several" | "property";

function PublishForm({
  building,
  buildings,
  onPublished,
}: {
  building: Building;
  buildings: Building[];
  onPublished: () => unknown;
}) {
  const target = useSignal<Target>("this");
  const status = useSignal("");
  const busy = useSignal(false);
  const submit = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const file = data.get("file");
    const ids = data.getAll("buildingIds").map(String);
    if (target.value === "several" && ids.length === 0) {
      status.value = t("docPickBuilding");
      return;
    }
    if (!(file instanceof File) || file.size === 0) {
      status.value = t("docPickFile");
      return;
    }
    busy.value = true;
    status.value = t("docUploading");
    try {
      const fileId = await uploadFile(file);
      await api("/api/documents", {
        json: {
          category: String(data.get("category")),
          title: String(data.get("title") ?? ""),
          fileId,
          target:
            target.value === "property"
              ? { type: "property", id: building.propertyId }
              : { type: "building", ids: target.value === "this" ? [building.id] : ids },
        },
      });
      form.reset();
      target.value = "this";
      status.value = "";
      await onPublished();
    } catch (e) {
      status.value = docFailed(e);
    } finally {
      busy.value = false;
    }
  };
  return (
    <form
      class="compose"
      aria-labelledby="doc-publish-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
    >
      <h3 id="doc-publish-title">{t("docPublishTitle")}</h3>
      <label for="doc-category">{t("docCategory")}</label>
      <select id="doc-category" name="category" required>
        {BUILDING_CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {categoryName(c)}
          </option>
        ))}
      </select>
      <label for="doc-title">{t("docTitle")}</label>
      <input id="doc-title" name="title" required maxLength={200} autoComplete="off" />
      <label for="doc-file">{t("docFile")}</label>
      <input id="doc-file" name="file" type="file" required accept={ACCEPT} aria-describedby="doc-file-hint" />
      <p class="meta" id="doc-file-hint">
        {t("docFileHint")}
      </p>
      <fieldset>
        <legend>{t("docTarget")}</legend>
        {(["this", "several", "property"] as const).map((v) => (
          <label key={v} class="check">
            <input
              type="radio"
              name="target"
              value={v}
              checked={target.value === v}
              onChange={() => {
                target.value = v;
              }}
            />{" "}
            {v === "this"
              ? `${t("docTargetThis")} (${building.name})`
              : v === "several"
                ? t("docTargetSeveral")
                : t("docTargetProperty")}
          </label>
        ))}
        {target.value === "several" ? (
          <fieldset>
            <legend>{t("docTargetBuildings")}</legend>
            {buildings.map((b) => (
              <label key={b.id} class="check">
                <input type="checkbox" name="buildingIds" value={b.id} defaultChecked={b.id === building.id} /> {b.name}
              </label>
            ))}
          </fieldset>
        ) : null}
      </fieldset>
      <button type="submit" disabled={busy.value}>
        {t("docPublish")}
      </button>
      <p class="status" role="status">
        {status.value}
      </p>
    </form>
  );
}
