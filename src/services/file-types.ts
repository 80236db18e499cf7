import type { FileType } from "../db/schema/files";

/**
 * What a file is, judged by its first bytes (magic numbers), never by its name or declared type: a
 * page of HTML named `photo.jpg` and sent as image/jpeg is refused. Null for anything not accepted.
 */
export function sniffType(head: Uint8Array): FileType | null {
  const at = (i: number, bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  const ascii = (i: number, text: string) =>
    at(
      i,
      [...text].map((ch) => ch.charCodeAt(0)),
    );
  if (at(0, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (ascii(0, "%PDF-")) return "application/pdf";
  if (ascii(4, "ftyp") && isHeic(head)) return "image/heic";
  return null;
}

const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis"]);
/** Generic HEIF brands: HEIC only when a compatible brand says so (AVIF uses them too). */
const HEIF_GENERIC = new Set(["mif1", "msf1"]);

/** ISO-BMFF `ftyp` box: size (4), "ftyp", major brand (4), minor version (4), compatible brands (4 each). */
function isHeic(head: Uint8Array): boolean {
  const brand = (i: number) => String.fromCharCode(...head.subarray(i, i + 4));
  const size = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
  const major = brand(8);
  if (HEIC_BRANDS.has(major)) return true;
  if (!HEIF_GENERIC.has(major)) return false;
  const end = Math.min(size, head.byteLength);
  for (let i = 16; i + 4 <= end; i += 4) if (HEIC_BRANDS.has(brand(i))) return true;
  return false;
}

/** Size limits per kind: photos from phones stay well under 10 MiB; scanned PDFs get 20 MiB. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_PDF_BYTES = 20 * 1024 * 1024;
/** The largest multipart body an upload may send (the largest file plus room for the form's parts). */
export const MAX_UPLOAD_BODY = MAX_PDF_BYTES + 64 * 1024;

export const limitOf = (t: FileType) => (t === "application/pdf" ? MAX_PDF_BYTES : MAX_IMAGE_BYTES);
export const isImage = (t: FileType) => t !== "application/pdf";

/** A file name safe to store and show: no paths, no control characters, at most 120 characters. */
export function cleanName(raw: string, type: FileType): string {
  const base = raw.split(/[\\/]/).pop() ?? "";
  const printable = [...base].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch !== "\u007f" && ch !== '"').join("");
  const clean = printable.trim().slice(0, 120);
  return clean || `file.${EXTENSIONS[type]}`;
}

const EXTENSIONS: Record<FileType, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/heic": "heic",
  "application/pdf": "pdf",
};
