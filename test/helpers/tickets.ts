import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ErrorBody } from "../../src/shared/error-codes";
import { dbOf, PASSWORD, type World } from "./factories";
import { api, login } from "./http";
import { PLAIN_HEIC, PLAIN_JPEG, PLAIN_PNG, PLAIN_WEBP } from "./images";

/** Helpers of the Service Center, files and documents suites (issue 8). */

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

/** Real file heads (magic numbers) followed by some payload. */
// Photos are real images without metadata (uploads are parsed to strip it, decision 0034): stored as sent.
export const PNG = PLAIN_PNG;
export const JPEG = PLAIN_JPEG;
export const WEBP = PLAIN_WEBP;
export const HEIC = PLAIN_HEIC;
export const PDF = bytes("%PDF-1.7\n%payload\n%%EOF\n");
export const AVIF = bytes([0, 0, 0, 0x18], "ftypavif", [0, 0, 0, 0], "mif1avif", "....payload");
export const HTML = bytes("<!doctype html><script>alert(1)</script>");

export interface UploadedFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
}

export function uploadRequest(w: World, session: string | undefined, data: Uint8Array, name: string, type = "") {
  const form = new FormData();
  form.append("file", new File([data], name, type ? { type } : {}));
  return api("/api/files", { app: w.slug, session, method: "POST", body: form });
}

export async function upload(w: World, session: string, data: Uint8Array = PNG, name = "photo.png") {
  const res = await uploadRequest(w, session, data, name);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as UploadedFile;
}

export async function errorCode(res: Response) {
  return ((await res.json()) as ErrorBody).error.code;
}

/** Objects stored for the world's customer in its bucket. */
export async function storedObjects(w: World) {
  const bucket = w.jurisdiction === "ch" ? env.FILES_CH : env.FILES_EU;
  return (await bucket.list({ prefix: `files/${w.customerId}/` })).objects.map((o) => o.key);
}

export async function fileRows(w: World) {
  const { results } = await dbOf(w.jurisdiction)
    .prepare("SELECT * FROM files WHERE customer_id = ?")
    .bind(w.customerId)
    .all<Record<string, unknown>>();
  return results;
}

/** Sends JSON and checks the status; returns the parsed body. */
export async function send<T>(
  w: World,
  session: string | undefined,
  method: string,
  path: string,
  status: number,
  json?: unknown,
) {
  const res = await api(path, { app: w.slug, session, method, ...(json === undefined ? {} : { json }) });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface Sessions {
  admin: string;
  manager: string;
  resident: string;
  neighbour: string;
  otherBuilding: string;
}

export async function sessionsOf(w: World): Promise<Sessions> {
  const s = async (k: keyof World["emails"]) => login(w.emails[k], PASSWORD, w.slug);
  return {
    admin: await s("admin"),
    manager: await s("manager"),
    resident: await s("resident"),
    neighbour: await s("neighbour"),
    otherBuilding: await s("otherBuilding"),
  };
}

export interface TicketDto {
  id: string;
  status: string;
  title: string;
  description: string;
  indicator: string | null;
  reporter: { id: string; name: string } | null;
  assignee: { id: string; name: string } | null;
  provider: { id: string; name: string } | null;
  photos: UploadedFile[];
  messages: { id: string; visibility: string; body: string; authorKind: string; files: UploadedFile[] }[];
  history: { kind: string; from: string | null; to: string | null }[];
  feedback: { rating: number; comment: string | null } | null;
}

export async function category(w: World, admin: string, name = "Plumbing", deadlineHours = 48) {
  return send<{ id: string }>(w, admin, "POST", "/api/ticket-categories", 201, { name, deadlineHours });
}

export async function report(w: World, resident: string, categoryId: string, o: Record<string, unknown> = {}) {
  return send<TicketDto>(w, resident, "POST", "/api/tickets", 201, {
    buildingId: w.buildingIds[0],
    unitId: w.unitIds[0],
    categoryId,
    title: "Leaking tap",
    description: "The kitchen tap drips all night.",
    ...o,
  });
}

/**
 * A second unit in the world's first building with its own tenancy and resident (same password as the
 * world): a neighbour in another flat of the same house.
 */
export async function addFlat(w: World, o: { startsOn?: string; endsOn?: string | null; unitId?: string } = {}) {
  const db = dbOf(w.jurisdiction);
  const u = crypto.randomUUID().slice(0, 8);
  const now = Date.now();
  const hash = await db
    .prepare("SELECT password_hash AS h FROM users WHERE id = ?")
    .bind(w.userIds.resident)
    .first<{ h: string }>();
  const unitId = o.unitId ?? `u-flat-${u}`;
  const f = { unitId, tenancyId: `t-flat-${u}`, userId: `flat-${u}`, email: `flat-${u}@example.test` };
  const stmts = [
    db
      .prepare(
        "INSERT INTO users (id, customer_id, email, name, password_hash, locale, status, email_verified_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'en', 'active', ?, ?, ?)",
      )
      .bind(f.userId, w.customerId, f.email, `Flat ${u}`, hash?.h ?? "", now, now, now),
    db
      .prepare(
        "INSERT INTO tenancies (id, customer_id, unit_id, type, starts_on, ends_on, created_at) VALUES (?, ?, ?, 'tenant', ?, ?, ?)",
      )
      .bind(f.tenancyId, w.customerId, unitId, o.startsOn ?? "2020-01-01", o.endsOn ?? null, now),
    db
      .prepare("INSERT INTO tenancy_members (id, customer_id, tenancy_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(`m-flat-${u}`, w.customerId, f.tenancyId, f.userId, now),
  ];
  if (!o.unitId) {
    stmts.unshift(
      db
        .prepare(
          "INSERT INTO units (id, customer_id, building_id, name, type, created_at) VALUES (?, ?, ?, '2.1', 'flat', ?)",
        )
        .bind(unitId, w.customerId, w.buildingIds[0], now),
    );
  }
  await db.batch(stmts);
  return { ...f, session: await login(f.email, PASSWORD, w.slug) };
}
