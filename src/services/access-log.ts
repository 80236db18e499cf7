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
