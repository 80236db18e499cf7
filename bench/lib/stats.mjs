// Exact order statistics over every recorded sample (no histogram buckets, no sampling).

/** Nearest-rank percentile of an ascending-sorted array: the smallest value with at least q of the samples at or below it. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Latencies in ms (any order) and the wall time of the whole run → the figures we report. */
export function summarize(latenciesMs, wallMs) {
  const sorted = Float64Array.from(latenciesMs).sort();
  const n = sorted.length;
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    n,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    mean: n ? sum / n : Number.NaN,
    min: n ? sorted[0] : Number.NaN,
    max: n ? sorted[n - 1] : Number.NaN,
    rps: wallMs > 0 ? (n * 1000) / wallMs : Number.NaN,
    wallMs,
  };
}

export const round2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
export const round3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
