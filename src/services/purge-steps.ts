/** The building blocks every purge step uses (D1 in bounded batches, R2 by time-ordered keys). */

/** Rows per bounded delete of every purge step. */
export const BATCH = 500;

/**
 * Runs one bounded delete (at most `batch` rows, default BATCH) until a batch comes back short; at
 * most 100 batches a run. Every purge step of every store uses it.
 */
export async function drain(run: () => Promise<{ meta: { changes: number } }>, batch: number = BATCH): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const n = (await run()).meta.changes;
    total += n;
    if (n < batch) break;
  }
  return total;
}

/**
 * Deletes the objects under `prefix` whose keys sort before `cutoffKey` — for key schemes that start
 * with the time (access-log hours, ledger entries), so the listing can stop at the first newer key.
 * At most `maxPages` listing pages (each ≤ 1,000 keys and one bulk delete) a run; the next run goes on.
 */
export async function deleteKeysBefore(
  bucket: R2Bucket,
  prefix: string,
  cutoffKey: string,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  let pages = 0;
  do {
    if (pages++ >= maxPages) break;
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    const old = page.objects.map((o) => o.key).filter((k) => k < cutoffKey);
    if (old.length) await bucket.delete(old);
    deleted += old.length;
    // Keys are in time order: once a page holds a key at or after the cutoff, the rest is newer.
    if (old.length < page.objects.length) break;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
