/** How many rooms the Worker talks to at once: enough to hide latency, few enough to stay polite. */
export const FAN_OUT_CONCURRENCY = 8;

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns every outcome in input
 * order. A failure never stops the others: each room's result is recorded on its own.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<Settled<R>[]> {
  const out = new Array<Settled<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await fn(items[i] as T) };
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A short, content-free code for a failed room call (stored as `last_error`, logged as is). */
export function errorCode(e: unknown): string {
  const name = e instanceof Error ? e.name : "unknown";
  return /^[\w.-]{1,64}$/.test(name) ? name : "unknown";
}
