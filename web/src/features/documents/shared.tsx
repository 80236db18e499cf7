import { ApiError } from "../../api";
import { t } from "../../i18n";
import type { MessageKey } from "../../i18n/en";
import { formatDay } from "../admin/day";

/** Documents (R-M4 Information, R-M5 My apartment): shapes of GET /api/…/documents and shared pieces. */

export const BUILDING_CATEGORIES = ["house-rules", "cleaning-plan", "building-plan", "appointment"] as const;
export const UNIT_CATEGORIES = ["contract", "protocol", "other"] as const;
export type DocCategory = (typeof BUILDING_CATEGORIES)[number] | (typeof UNIT_CATEGORIES)[number];

export interface DocFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
}
export interface Doc {
  id: string;
  scope: "building" | "unit";
  category: DocCategory;
  title: string;
  buildingIds: string[];
  unitId: string | null;
  tenancyId: string | null;
  file: DocFile | null;
  createdAt: string;
}

export const categoryName = (c: DocCategory) => t(`docCat_${c}` as MessageKey);

/** PDFs and photos, as POST /api/files accepts them (the server judges the content, not this list). */
export const ACCEPT = "application/pdf,image/jpeg,image/png,image/webp,image/heic";

/** Uploads the chosen file (multipart, part `file`); returns its id for the document to attach. */
export async function uploadFile(file: File): Promise<string> {
  const form = new FormData();
  form.append("file", file);
  let res: Response;
  try {
    res = await fetch("/api/files", { method: "POST", body: form, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "NETWORK", "offline");
  }
  const body = (await res.json().catch(() => null)) as { id?: string; error?: { code: string } } | null;
  if (!res.ok || !body?.id)
    throw new ApiError(res.status, (body?.error?.code ?? "INTERNAL") as "INTERNAL", "upload refused");
  return body.id;
}

/** The text for a refused document action, in the reader's language. */
export function docFailed(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === "FILE_TYPE_NOT_ALLOWED") return t("docFileType");
    if (e.code === "FILE_TOO_LARGE") return t("docFileTooLarge");
    if (e.code === "NO_TENANCY") return t("docNoTenancy");
    return `${t("errorGeneric")} (${e.code})`;
  }
  return t("errorGeneric");
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;

/** One document: title as the download link (the authorised file route), kind, size and date. */
export function DocItem({
  doc,
  onDelete,
  extra,
}: {
  doc: Doc;
  onDelete?: ((d: Doc) => void) | undefined;
  extra?: string | undefined;
}) {
  const f = doc.file;
  return (
    <li data-document={doc.id}>
      {f ? (
        <a class="author" href={`/api/files/${encodeURIComponent(f.id)}/content`} download={f.name}>
          {doc.title}
        </a>
      ) : (
        <span class="author">{doc.title}</span>
      )}
      <p class="meta">
        {f ? `${f.contentType === "application/pdf" ? "PDF" : t("docImage")}, ${sizeText(f.size)} · ` : ""}
        {t("docPublishedOn")} {formatDay(doc.createdAt)}
        {extra ? ` · ${extra}` : ""}
      </p>
      {onDelete ? (
        <button type="button" class="secondary" onClick={() => onDelete(doc)}>
          {t("delete")}
          <span class="visually-hidden">: {doc.title}</span>
        </button>
      ) : null}
    </li>
  );
}

/** Documents grouped under their category's heading, in the order of `order`; empty groups left out. */
export function ByCategory({
  docs,
  order,
  level,
  onDelete,
  extra,
}: {
  docs: Doc[];
  order: readonly DocCategory[];
  level: "h2" | "h3";
  onDelete?: ((d: Doc) => void) | undefined;
  extra?: ((d: Doc) => string) | undefined;
}) {
  const H = level;
  return (
    <>
      {order.map((c) => {
        const list = docs.filter((d) => d.category === c);
        if (list.length === 0) return null;
        return (
          <section key={c} aria-labelledby={`doc-cat-${c}`} data-category={c}>
            <H id={`doc-cat-${c}`}>{categoryName(c)}</H>
            <ul class="cards">
              {list.map((d) => (
                <DocItem key={d.id} doc={d} onDelete={onDelete} extra={extra?.(d)} />
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}
