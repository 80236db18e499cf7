import type { Jurisdiction } from "../db/schema/customers";
import { deleteKeysBefore } from "./purge-steps";

/**
 * The erasure ledger (decision 0025): one small NDJSON object per erasure request in the
 * jurisdiction's R2 bucket, holding ids only (request, customer, account, the stores to visit) —
 * never a name, address or text. It lives apart from the D1 databases and rooms it repairs: a D1
 * Time Travel restore or a room's point-in-time recovery does not touch it, so after a restore
 * `replayLedger` (npm run ops -- ledger replay) erases everyone in it again.
 */
export const LEDGER_PREFIX = "privacy/erasure-ledger/";
export const LEDGER_VERSION = 1;

export interface LedgerEntry {
  v: typeof LEDGER_VERSION;
  requestId: string;
  customerId: string;
  userId: string;
  jurisdiction: Jurisdiction;
  origin: string;
  /** Every store the erasure visits (`files`, `room:<buildingId>`, `database`), ids only. */
  stores: string[];
  requestedAt: string;
}

/** Keys sort by time, and the same request always gets the same key (writing it twice is harmless). */
export const ledgerKey = (e: Pick<LedgerEntry, "requestedAt" | "requestId">) =>
  `${LEDGER_PREFIX}${e.requestedAt}_${e.requestId}.ndjson`;

export async function writeLedgerEntry(bucket: R2Bucket, e: LedgerEntry): Promise<void> {
  await bucket.put(ledgerKey(e), `${JSON.stringify(e)}\n`, {
    httpMetadata: { contentType: "application/x-ndjson" },
  });
}

const ID = /^[A-Za-z0-9_-]{1,80}$/;
const STORE = /^(files|database|room:[A-Za-z0-9_-]{1,80})$/;

/** Parses one ledger line, refusing anything that is not exactly an entry (a tampered object is skipped). */
export function parseLedgerLine(line: string): LedgerEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const e = v as Partial<LedgerEntry>;
  if (
    e?.v !== LEDGER_VERSION ||
    !ID.test(e.requestId ?? "") ||
    !ID.test(e.customerId ?? "") ||
    !ID.test(e.userId ?? "") ||
    (e.jurisdiction !== "ch" && e.jurisdiction !== "eu") ||
    typeof e.origin !== "string" ||
    !Array.isArray(e.stores) ||
    !e.stores.every((s) => typeof s === "string" && STORE.test(s)) ||
    typeof e.requestedAt !== "string" ||
    Number.isNaN(Date.parse(e.requestedAt))
  )
    return null;
  return e as LedgerEntry;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  unreadable: number;
  /** Key of the last object read: the next page starts after it. Null when the ledger has no more. */
  lastKey: string | null;
}

/**
 * Up to `limit` ledger objects after the key `after` (keys sort by request time), oldest first;
 * unreadable lines are counted, not guessed. Pages by key, so a replay can stop and resume.
 */
export async function readLedgerPage(bucket: R2Bucket, o: { after?: string; limit: number }): Promise<LedgerPage> {
  const page = await bucket.list({
    prefix: LEDGER_PREFIX,
    limit: o.limit,
    ...(o.after ? { startAfter: o.after } : {}),
  });
  const entries: LedgerEntry[] = [];
  let unreadable = 0;
  for (const obj of page.objects) {
    const text = await (await bucket.get(obj.key))?.text();
    for (const line of (text ?? "").split("\n")) {
      if (!line.trim()) continue;
      const e = parseLedgerLine(line);
      if (e) entries.push(e);
      else unreadable++;
    }
  }
  const last = page.objects.at(-1)?.key ?? null;
  return { entries, unreadable, lastKey: page.truncated ? last : null };
}

/** Every entry of a bucket's ledger, oldest first; unreadable lines are counted, not guessed. */
export async function readLedger(bucket: R2Bucket): Promise<{ entries: LedgerEntry[]; unreadable: number }> {
  const entries: LedgerEntry[] = [];
  let unreadable = 0;
  let after: string | undefined;
  do {
    const page = await readLedgerPage(bucket, { ...(after ? { after } : {}), limit: 1000 });
    entries.push(...page.entries);
    unreadable += page.unreadable;
    after = page.lastKey ?? undefined;
  } while (after);
  return { entries, unreadable };
}

/**
 * Ledger entries are needed as long as a restore can reach back: D1 Time Travel and room recovery
 * keep 30 days. Entries older than this are deleted by the purge (keys sort by request time).
 */
export const LEDGER_RETENTION_DAYS = 40;

export async function purgeLedger(bucket: R2Bucket, now: Date): Promise<number> {
  const cutoff = `${LEDGER_PREFIX}${new Date(now.getTime() - LEDGER_RETENTION_DAYS * 86_400_000).toISOString()}`;
  return deleteKeysBefore(bucket, LEDGER_PREFIX, cutoff);
}
