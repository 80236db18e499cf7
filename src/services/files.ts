import { and, eq, inArray, isNull, lt, ne, or } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { Db } from "../db/client";
import { type FileOwner, type FileRow, files } from "../db/schema/files";
import { readAtMost } from "../lib/body";
import { randomToken } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { ImageUnreadable, stripImageMetadata } from "../lib/image-metadata";
import { DAY } from "../lib/time";
import type { Subject } from "../privacy/stores";
import { cleanName, isImage, limitOf, MAX_UPLOAD_BODY, sniffType } from "./file-types";
import { hit, type Limit, peek } from "./throttle";

/**
 * Who uploads: an account (resident or staff), a craftsman's work-order link, or an integrator client
 * of the customer (/api/v1/files: no account; `uploaded_by` and `provider_id` stay null, decision 0028).
 */
export type Uploader =
  | { kind: "account"; customerId: string; userId: string }
  | { kind: "provider"; customerId: string; providerId: string }
  | { kind: "integrator"; customerId: string; clientId: string };

export interface Upload {
  bytes: Uint8Array;
  name: string;
  /** The form's other text parts (e.g. the Allthings `path`), when read from a multipart body. */
  fields?: Record<string, string>;
}

const tooLarge = (what: string) => new AppError("FILE_TOO_LARGE", `The ${what} is too large.`);

/**
 * Reads a multipart upload's `file` part within the size limit (the stream is cut at the limit, so
 * an unannounced huge body never fills memory), without trusting its declared length or type.
 */
export async function readUpload(req: Request): Promise<Upload> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_UPLOAD_BODY) throw tooLarge("upload");
  const body = await readAtMost(req, MAX_UPLOAD_BODY, () => tooLarge("upload"));
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": req.headers.get("content-type") ?? "" } }).formData();
  } catch {
    throw new AppError("VALIDATION_FAILED", "The upload is not a valid multipart form.", [
      { path: "file", message: "Unreadable form" },
    ]);
  }
  const file = form.get("file");
  if (!file || typeof file === "string") {
    throw new AppError("VALIDATION_FAILED", "Send the file in a part named `file`.", [
      { path: "file", message: "Required" },
    ]);
  }
  const fields: Record<string, string> = {};
  for (const [k, v] of form) if (typeof v === "string") fields[k] = v;
  return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name, fields };
}

/**
 * Upload allowance of one account (or one craftsman's company through its work-order links), counted
 * exactly in D1 like the login throttles (decision 0002): 100 files and 500 MiB an hour are far above
 * what reporting defects needs, and bound what a stolen session can pour into the bucket.
 */
export const UPLOADS_PER_HOUR: Limit = { name: "upload-files", max: 100, windowMs: 60 * 60_000 };
export const UPLOAD_BYTES_PER_HOUR: Limit = { name: "upload-bytes", max: 500 * 1024 * 1024, windowMs: 60 * 60_000 };

const uploaderKey = (who: Uploader) =>
  who.kind === "account"
    ? `${who.customerId}:user:${who.userId}`
    : who.kind === "provider"
      ? `${who.customerId}:provider:${who.providerId}`
      : `${who.customerId}:client:${who.clientId}`;

/** Counts the attempt (every attempt, refused files too) and then its bytes; 429 past either limit. */
async function countUpload(deps: Deps, who: Uploader, bytes: number) {
  const subject = uploaderKey(who);
  for (const [limit, amount] of [
    [UPLOADS_PER_HOUR, 1],
    [UPLOAD_BYTES_PER_HOUR, bytes],
  ] as const) {
    if ((await hit(deps, limit, subject, amount)) > limit.max) {
      const { retryAfterS } = await peek(deps, limit, subject);
      throw new AppError(
        "RATE_LIMITED",
        "Too many uploads in the last hour. Try again later.",
        { retryAfterSeconds: retryAfterS },
        { "retry-after": String(Math.max(1, retryAfterS)) },
      );
    }
  }
}

/**
 * Checks an upload by its bytes and stores it under a random key in the jurisdiction's bucket, with
 * its D1 record (`pending` until attached, or attached at once to `owner`). A refused file stores
 * nothing: type and size are decided before the bucket is touched; a failed record removes the object.
 */
export async function storeFile(
  deps: Deps,
  who: Uploader,
  upload: Upload,
  owner?: { type: FileOwner; id: string; messageId?: string | null },
): Promise<FileRow> {
  await countUpload(deps, who, upload.bytes.byteLength);
  const type = sniffType(upload.bytes.subarray(0, 64));
  if (!type) {
    throw new AppError("FILE_TYPE_NOT_ALLOWED", "Only JPEG, PNG, WebP or HEIC photos and PDF documents are accepted.");
  }
  if (upload.bytes.byteLength === 0) throw new AppError("FILE_TYPE_NOT_ALLOWED", "The file is empty.");
  if (upload.bytes.byteLength > limitOf(type)) tooLargeFor(type);
  // Photos lose their metadata (GPS, device, time) before anything is stored (decision 0034).
  const bytes = isImage(type) ? withoutMetadata(type, upload.bytes) : upload.bytes;
  const row: FileRow = {
    id: crypto.randomUUID(),
    customerId: who.customerId,
    // Until attached, an upload is the uploader's alone; attaching decides (see attachStatement).
    subjectId: who.kind === "account" && !owner ? who.userId : null,
    uploadedBy: who.kind === "account" ? who.userId : null,
    providerId: who.kind === "provider" ? who.providerId : null,
    ownerType: owner?.type ?? null,
    ownerId: owner?.id ?? null,
    messageId: owner?.messageId ?? null,
    contentType: type,
    size: bytes.byteLength,
    name: cleanName(upload.name, type),
    // Random, never derived from the name or the uploader: knowing one key tells nothing of another.
    objectKey: `files/${who.customerId}/${randomToken(32)}`,
    state: owner ? "attached" : "pending",
    createdAt: deps.now(),
  };
  await deps.stores.files.put(row.objectKey, bytes, { httpMetadata: { contentType: type } });
  try {
    await deps.db.insert(files).values(row);
  } catch (e) {
    await deps.stores.files.delete(row.objectKey);
    throw e;
  }
  return row;
}

function withoutMetadata(type: Exclude<FileRow["contentType"], "application/pdf">, data: Uint8Array) {
  try {
    return stripImageMetadata(type, data).bytes;
  } catch (e) {
    if (!(e instanceof ImageUnreadable)) throw e;
    throw new AppError("FILE_TYPE_NOT_ALLOWED", "The photo could not be read: it is damaged or incomplete.");
  }
}

function tooLargeFor(type: FileRow["contentType"]): never {
  const mib = limitOf(type) / (1024 * 1024);
  throw new AppError("FILE_TOO_LARGE", `${isImage(type) ? "Photos" : "PDF documents"} may be at most ${mib} MiB.`);
}

/**
 * `subjectId`: the resident the attached file is about (their own ticket's photos: export and erasure
 * follow them), null for what staff publish in a professional role (documents, staff replies).
 * Checks that the files exist, are the uploader's own and still pending (404 otherwise: another
 * person's upload id tells nothing), and returns the statement that attaches them, for the caller's batch
 * (wrapped: a query builder returned from an async function would be awaited, that is run, at once).
 * `userId` null: uploads of the customer's integrator clients (no account, no provider).
 */
export async function attachStatement(
  deps: Deps,
  who: { customerId: string; userId: string | null },
  fileIds: readonly string[],
  owner: { type: FileOwner; id: string; messageId?: string | null; subjectId: string | null },
  only?: (f: FileRow) => boolean,
) {
  const ids = [...new Set(fileIds)];
  if (ids.length === 0) return { stmt: null };
  const rows = await deps.db
    .select()
    .from(files)
    .where(and(inArray(files.id, ids), eq(files.customerId, who.customerId), uploadedByIs(who.userId)));
  if (rows.length !== ids.length) throw notFound("File");
  for (const f of rows) {
    if (f.state !== "pending") throw new AppError("FILE_NOT_ATTACHABLE", "A file can belong to one thing only.");
    if (only && !only(f)) throw new AppError("FILE_TYPE_NOT_ALLOWED", "This kind of file is not accepted here.");
  }
  const stmt = deps.db
    .update(files)
    .set({
      ownerType: owner.type,
      ownerId: owner.id,
      messageId: owner.messageId ?? null,
      subjectId: owner.subjectId,
      state: "attached",
    })
    .where(and(inArray(files.id, ids), eq(files.customerId, who.customerId), eq(files.state, "pending")));
  return { stmt };
}

/** Uploaded by this account, or (null) by an integrator client: neither an account nor a craftsman. */
export const uploadedByIs = (userId: string | null) =>
  userId === null ? and(isNull(files.uploadedBy), isNull(files.providerId)) : eq(files.uploadedBy, userId);

/** A file row of the customer (any state but erased), or undefined. */
export async function fileRow(deps: Deps, customerId: string, fileId: string) {
  return deps.db.query.files.findFirst({
    where: and(eq(files.id, fileId), eq(files.customerId, customerId), ne(files.state, "erased")),
  });
}

/** Files attached to owners (ticket or document ids), oldest first. */
export async function filesOf(deps: Deps, customerId: string, type: FileOwner, ownerIds: readonly string[]) {
  if (ownerIds.length === 0) return [];
  return deps.db
    .select()
    .from(files)
    .where(
      and(
        eq(files.customerId, customerId),
        eq(files.ownerType, type),
        inArray(files.ownerId, [...ownerIds]),
        eq(files.state, "attached"),
      ),
    )
    .orderBy(files.createdAt, files.id);
}

/** The bytes of a file the caller has been authorised for, with the headers it is served with. */
export async function serveFile(deps: Deps, f: FileRow): Promise<Response> {
  const object = await deps.stores.files.get(f.objectKey);
  if (!object) throw notFound("File");
  const disposition = isImage(f.contentType) ? "inline" : "attachment";
  return new Response(object.body, {
    headers: {
      "content-type": f.contentType,
      "content-length": String(object.size),
      "content-disposition": `${disposition}; filename*=UTF-8''${encodeURIComponent(f.name)}`,
      // Only sniffed image and PDF bytes are ever stored, PDFs are served as attachments, and the app's
      // CSP (no inline script) applies to these responses too.
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    },
  });
}

export interface FileMeta {
  id: string;
  name: string;
  contentType: string;
  size: number;
  createdAt: string;
}
export const fileMeta = (f: FileRow): FileMeta => ({
  id: f.id,
  name: f.name,
  contentType: f.contentType,
  size: f.size,
  createdAt: f.createdAt.toISOString(),
});

// ---- privacy: export and erasure of a person's uploads (R-P2, R-P4) ---------------------------------

/** The files a person provided (their uploads as a resident), for export (R-P2). */
export async function subjectFiles(deps: Deps, s: Subject): Promise<FileRow[]> {
  return deps.db
    .select()
    .from(files)
    .where(and(eq(files.subjectId, s.userId), eq(files.customerId, s.customerId), ne(files.state, "erased")))
    .orderBy(files.createdAt, files.id);
}

/**
 * The person's uploads as a file source of the erasure job (shape of `PersonFileSource` in
 * src/privacy/files.ts): the R2 keys of every file they provided that still has its object.
 */
export const uploadedFileSource = {
  name: "uploads",
  async keys(db: Db, s: Subject): Promise<string[]> {
    const rows = await db
      .select({ key: files.objectKey })
      .from(files)
      .where(and(eq(files.subjectId, s.userId), eq(files.customerId, s.customerId), ne(files.objectKey, "")));
    return rows.map((r) => r.key);
  },
};

/** The bytes of one of the person's files (export ZIP), null when gone. */
export async function readSubjectFile(deps: Deps, s: Subject, fileId: string): Promise<ArrayBuffer | null> {
  const f = (await subjectFiles(deps, s)).find((x) => x.id === fileId);
  if (!f) return null;
  const object = await deps.stores.files.get(f.objectKey);
  return object ? object.arrayBuffer() : null;
}

/**
 * Erases a person's uploads (R-P4): deletes the objects from R2 first, then marks the rows erased
 * with a random name, as the data map says. Safe to repeat; returns how many objects were deleted.
 */
export async function eraseSubjectFiles(deps: Deps, s: Subject): Promise<number> {
  const rows = await deps.db
    .select({ id: files.id, objectKey: files.objectKey })
    .from(files)
    .where(and(eq(files.subjectId, s.userId), eq(files.customerId, s.customerId), ne(files.objectKey, "")));
  for (let i = 0; i < rows.length; i += 500)
    await deps.stores.files.delete(rows.slice(i, i + 500).map((r) => r.objectKey));
  await deps.db
    .update(files)
    .set({ state: "erased", objectKey: "", name: `erased-${crypto.randomUUID().slice(0, 8)}` })
    .where(and(eq(files.subjectId, s.userId), eq(files.customerId, s.customerId)));
  return rows.length;
}

const PENDING_MS = DAY;

/**
 * Purge step: uploads never attached within a day (object and row), and objects still stored for
 * rows erased through the data map alone (their key is cleared once the object is gone). Bounded.
 */
export async function purgeFiles(deps: Deps, now: Date): Promise<number> {
  let total = 0;
  // D1 binds at most 100 parameters: 90 ids a batch, at most 50 batches a run (the next run goes on).
  for (let i = 0; i < 50; i++) {
    const rows = await deps.db
      .select({ id: files.id, objectKey: files.objectKey, state: files.state })
      .from(files)
      .where(
        or(
          and(eq(files.state, "pending"), lt(files.createdAt, new Date(now.getTime() - PENDING_MS))),
          and(eq(files.state, "erased"), ne(files.objectKey, "")),
        ),
      )
      .limit(90);
    if (rows.length === 0) break;
    // Objects first: a run that stops in between leaves rows whose objects are gone, never the reverse.
    await deps.stores.files.delete(rows.map((r) => r.objectKey).filter(Boolean));
    const pending = rows.filter((r) => r.state === "pending").map((r) => r.id);
    const erased = rows.filter((r) => r.state === "erased").map((r) => r.id);
    await deps.db.batch([
      deps.db.delete(files).where(and(inArray(files.id, pending.length ? pending : [""]), eq(files.state, "pending"))),
      deps.db
        .update(files)
        .set({ objectKey: "" })
        .where(inArray(files.id, erased.length ? erased : [""])),
    ]);
    total += rows.length;
    if (rows.length < 90) break;
  }
  return total;
}
