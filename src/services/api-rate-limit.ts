/**
 * Rate limit per API client (docs/decisions/0017): a token bucket of 60 requests refilled at 10 per
 * second, kept in the isolate's memory. That is more generous than the Allthings SDK's own client-side
 * throttle (30 burst, ~6/s), so a well-behaved SDK never sees 429; a runaway integration does, with
 * `Retry-After`. Per isolate: with several isolates the effective limit is a multiple (see the decision).
 */
export const BUCKET_SIZE = 60;
export const REFILL_PER_S = 10;
const MAX_CLIENTS = 10_000;

const buckets = new Map<string, { tokens: number; at: number }>();

/** Takes one request from the client's bucket: undefined when allowed, else seconds to wait. */
export function takeApiRequest(clientId: string, nowMs: number): number | undefined {
  const b = buckets.get(clientId) ?? { tokens: BUCKET_SIZE, at: nowMs };
  b.tokens = Math.min(BUCKET_SIZE, b.tokens + ((nowMs - b.at) / 1000) * REFILL_PER_S);
  b.at = nowMs;
  if (!buckets.has(clientId)) {
    if (buckets.size >= MAX_CLIENTS) buckets.delete(buckets.keys().next().value as string);
    buckets.set(clientId, b);
  }
  if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / REFILL_PER_S));
  b.tokens -= 1;
  return undefined;
}

/** Test seam: forget every bucket. */
export function resetApiRateLimits() {
  buckets.clear();
}
