import type { Jurisdiction } from "../db/schema/customers";
import { newId } from "../lib/crypto";

export interface AccessLogEntry {
  t: string;
  app: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  ip: string;
  ua: string;
  ref: string;
}

export const ACCESS_LOG_PREFIX = "access-log/";

/** `access-log/2026/11/29/03/` — the purge deletes whole hours after 90 days. */
export function hourPrefix(iso: string) {
  return `${ACCESS_LOG_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

const text = (v: unknown, max = 300) => (typeof v === "string" ? v.slice(0, max) : "");

/**
 * The entry as written: exactly the fields of AccessLogEntry, whatever the message carried, so a
 * producer bug cannot put other data into the log. `t` must be a valid instant (it names the hour
 * object, and the purge finds objects by that name); otherwise the message's own time is used.
 */
export function toAccessLogEntry(body: unknown, received: Date): AccessLogEntry {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const parsed = typeof b.t === "string" ? new Date(b.t) : new Date(Number.NaN);
  // A four-digit year keeps the key layout (and its sort order) that the purge relies on.
  const valid = !Number.isNaN(parsed.getTime()) && /^\d{4}-/.test(parsed.toISOString());
  const t = valid ? parsed : received;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    t: t.toISOString(),
    app: text(b.app, 64),
    method: text(b.method, 16),
    route: text(b.route),
    status: num(b.status),
    ms: num(b.ms),
    ip: text(b.ip, 64),
    ua: text(b.ua),
    ref: text(b.ref),
  };
}

/** Writes one queue batch as NDJSON objects, one per hour the entries fall in. */
export async function writeAccessLogBatch(bucket: R2Bucket, entries: AccessLogEntry[]) {
  const byHour = new Map<string, string[]>();
  for (const e of entries) {
    const p = hourPrefix(e.t);
    const lines = byHour.get(p) ?? [];
    lines.push(JSON.stringify(e));
    byHour.set(p, lines);
  }
  for (const [prefix, lines] of byHour) {
    await bucket.put(`${prefix}${newId()}.ndjson`, `${lines.join("\n")}\n`, {
      httpMetadata: { contentType: "application/x-ndjson" },
    });
  }
}

export function jurisdictionOfQueue(queue: string): Jurisdiction | undefined {
  if (queue.endsWith("-ch")) return "ch";
  if (queue.endsWith("-eu")) return "eu";
  return undefined;
}
