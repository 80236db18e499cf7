/** The building blocks every purge step uses (D1 in bounded batches, R2 by time-ordered keys). */

/** Rows per bounded delete of every purge step. */
export const BATCH = 500;

/**
 * Keys per R2 bulk delete of the purge (the platform takes up to 1,000). Smaller calls keep each step
 * of the background purge short, so requests served alongside never wait behind a long one; R2
 * deletes are not billed (decision 0042).
 */
export const R2_DELETE_CHUNK = 100;

/**
 * Gives the event loop a turn between two storage calls of a long background job (decision 0042).
 * Local workerd (wrangler dev, vitest) serves D1, R2 and Durable Objects in-process: a chain of
 * storage calls keeps its event queue busy, so it does not accept or read sockets until the chain
 * ends — every request arriving meanwhile waited for the whole purge (feed p99 29–31× idle). A timer
 * makes the loop poll its sockets first. On Cloudflare it costs a few microseconds of wall time.
 */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Pauses a background job after a storage call for as long as the call took (PURGE_PACE times, at
 * most PURGE_PACE_MAX_MS), so the job keeps at most about half of the storage's time and requests
 * arriving meanwhile find it free (decision 0042). Costs wall time only, never CPU.
 */
export const PURGE_PACE = 1;
export const PURGE_PACE_MAX_MS = 250;
export async function paced<T>(call: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await call();
  const ms = Math.min(PURGE_PACE_MAX_MS, (Date.now() - started) * PURGE_PACE);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return result;
}

/**
 * Runs one bounded delete (at most `batch` rows, default BATCH) until a batch comes back short; at
 * most 100 batches a run. Every purge step of every store uses it.
 */
export async function drain(run: () => Promise<{ meta: { changes: number } }>, batch: number = BATCH): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const n = (await run()).meta.changes;
    total += n;
    await yieldToIo();
    if (n < batch) break;
  }
  return total;
}

/**
 * Deletes the objects under `prefix` whose keys sort before `cutoffKey` — for key schemes that start
 * with the time (access-log hours, ledger entries), so the listing can stop at the first newer key.
 * At most `maxPages` listing pages (each ≤ 1,000 keys, deleted R2_DELETE_CHUNK at a time) a run; the
 * next run goes on. Every R2 call is `paced`: the job pauses as long as the call took.
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
    const page = await paced(() => bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) }));
    const old = page.objects.map((o) => o.key).filter((k) => k < cutoffKey);
    for (let i = 0; i < old.length; i += R2_DELETE_CHUNK) {
      const chunk = old.slice(i, i + R2_DELETE_CHUNK);
      await paced(() => bucket.delete(chunk));
    }
    deleted += old.length;
    // Keys are in time order: once a page holds a key at or after the cutoff, the rest is newer.
    if (old.length < page.objects.length) break;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
