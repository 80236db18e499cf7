import { and, desc, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { dataExports } from "../db/schema/exports";
import { newId, randomToken, safeEqual, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { DAY } from "../lib/time";
import type { Subject } from "../privacy/stores";
import { subjectFiles } from "./files";
import { gatherPersonData } from "./privacy-data";
import { recordInstantRequest } from "./privacy-requests";
import { buildExportZip, type PersonFile } from "./privacy-zip";
import { consume, type Limit } from "./throttle";

/** Building an export reads every store of the person: a few a day is plenty and bounds the cost. */
export const EXPORTS_PER_DAY: Limit = { name: "data-export", max: 3, windowMs: DAY };
export const EXPORT_TTL_MS = 7 * DAY;
export const EXPORT_PREFIX = "exports/";

/**
 * The person's uploads in the region's bucket (the files feature's rows with the person as subject),
 * under `files/<id>-<name>` in the ZIP. A file whose object is already gone is left out.
 */
async function personFiles(deps: Deps, s: Subject): Promise<PersonFile[]> {
  const out: PersonFile[] = [];
  for (const f of await subjectFiles(deps, s)) {
    const object = f.objectKey ? await deps.stores.files.get(f.objectKey) : null;
    const bytes = object ? await object.arrayBuffer() : null;
    if (bytes) out.push({ name: `${f.id}-${f.name.replaceAll(/[/\\]/g, "_")}`, bytes: new Uint8Array(bytes) });
  }
  return out;
}

export const downloadUrl = (id: string, token: string) =>
  `/api/me/exports/${encodeURIComponent(id)}/download?token=${encodeURIComponent(token)}`;

/**
 * Builds the ZIP, stores it in the region's R2 bucket, then records it. The object goes first: if the
 * put fails nothing is recorded; if the record fails the object is removed again, so neither is left
 * alone. Only the token's hash is stored; the token itself exists only in the returned URL.
 */
export async function createExport(deps: Deps, s: Subject) {
  await consume(deps, EXPORTS_PER_DAY, s.userId);
  const data = await gatherPersonData(deps, s);
  const zip = buildExportZip(data, await personFiles(deps, s));
  const id = newId();
  const token = randomToken();
  const createdAt = data.generatedAt;
  const expiresAt = new Date(createdAt.getTime() + EXPORT_TTL_MS);
  const objectKey = `${EXPORT_PREFIX}${s.customerId}/${id}.zip`;
  await deps.stores.files.put(objectKey, zip, {
    httpMetadata: { contentType: "application/zip" },
    customMetadata: { exportId: id },
  });
  try {
    const tokenHash = await sha256Hex(token);
    // The export is a data subject request (R-P15), fulfilled at once: recorded with it.
    await deps.db.batch([
      deps.db.insert(dataExports).values({
        id,
        customerId: s.customerId,
        userId: s.userId,
        createdAt,
        expiresAt,
        objectKey,
        tokenHash,
        size: zip.byteLength,
      }),
      ...recordInstantRequest(deps, s, "export"),
    ]);
  } catch (e) {
    await deps.stores.files.delete(objectKey);
    throw e;
  }
  return { id, createdAt, expiresAt, size: zip.byteLength, url: downloadUrl(id, token) };
}

export async function listExports(deps: Deps, s: Subject) {
  const rows = await deps.db
    .select({
      id: dataExports.id,
      createdAt: dataExports.createdAt,
      expiresAt: dataExports.expiresAt,
      size: dataExports.size,
    })
    .from(dataExports)
    .where(and(eq(dataExports.userId, s.userId), eq(dataExports.customerId, s.customerId)))
    .orderBy(desc(dataExports.createdAt));
  const now = deps.now().getTime();
  return rows.map((r) => ({ ...r, expired: r.expiresAt.getTime() <= now }));
}

/**
 * The stored ZIP for its owner with the right token. Anything else (another person, another customer,
 * a wrong or missing token) is 404, so an export's existence is never confirmed to anyone else; the
 * token is checked before expiry for the same reason.
 */
export async function openExport(deps: Deps, s: Subject, id: string, token: string | undefined) {
  const row = await deps.db.query.dataExports.findFirst({
    where: (t, { and, eq }) => and(eq(t.id, id), eq(t.userId, s.userId), eq(t.customerId, s.customerId)),
  });
  if (!row || !token || !safeEqual(await sha256Hex(token), row.tokenHash)) {
    throw new AppError("NOT_FOUND", "Not found");
  }
  if (row.expiresAt.getTime() <= deps.now().getTime()) {
    throw new AppError("EXPORT_EXPIRED", "This export has expired. Please create a new one.");
  }
  const object = await deps.stores.files.get(row.objectKey);
  if (!object) throw new AppError("NOT_FOUND", "Not found");
  return { body: object.body, size: object.size, createdAt: row.createdAt };
}
