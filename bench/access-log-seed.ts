import { resolve } from "node:path";
import { getPlatformProxy } from "wrangler";
import { hourPrefix } from "../src/services/access-log";

/**
 * Seeding and checking for bench/access-log-purge.mjs, straight into the bench's own local state
 * (after bench/lib/seed.ts), while `wrangler dev` is stopped:
 *
 *   tsx bench/access-log-seed.ts <persist-dir>/v3 seed <rows> <rows-per-object> <anchor-ms>
 *     <rows> access-log entries split evenly over both jurisdictions (FILES_CH, FILES_EU) as NDJSON hour
 *     objects of <rows-per-object> entries, the way the queue consumer writes them
 *     (access-log/YYYY/MM/DD/HH/<id>.ndjson): half of them 91–180 days older than <anchor-ms> (the purge's
 *     scheduled time), half 0–88 days. Plus, per jurisdiction, one single-entry object at each boundary:
 *     88 d and 89 d (kept: the hour holding now-89d is kept), 89 d + 1 h, 90 d and 91 d (gone).
 *   tsx bench/access-log-seed.ts <persist-dir>/v3 count <anchor-ms>
 *     What is left under access-log/ in both buckets: bench objects by kind, edge objects by name,
 *     other objects (written by the queue consumer during the run) and any key older than the cutoff.
 * Prints one JSON line.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The purge's rule (src/services/purge.ts): hours that ended before now-89d are deleted. */
const RETENTION_DAYS = 89;
const EDGES: [string, number, boolean][] = [
  ["keep-88d", 88 * DAY, true],
  ["keep-89d", 89 * DAY, true],
  ["gone-89d1h", 89 * DAY + HOUR, false],
  ["gone-90d", 90 * DAY, false],
  ["gone-91d", 91 * DAY, false],
];

const [target, mode, ...args] = process.argv.slice(2);
if (!target || !mode) throw new Error("usage: tsx bench/access-log-seed.ts <persist>/v3 seed|count …");
const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: resolve(target) } });
const buckets = { ch: proxy.env.FILES_CH, eu: proxy.env.FILES_EU };

const line = (t: string, i: number) =>
  JSON.stringify({
    t,
    app: "demo",
    method: "GET",
    route: "/api/buildings/:buildingId/posts",
    status: 200,
    ms: 3 + (i % 40),
    ip: `192.0.2.${i % 250}`,
    ua: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    ref: "https://demo.quartier.test/app/pinboard",
  });

async function seed(rows: number, perObject: number, anchor: number) {
  const put = (bucket: R2Bucket, at: number, n: number, name: string) => {
    const iso = new Date(at).toISOString();
    const body = `${Array.from({ length: n }, (_, i) => line(iso, i)).join("\n")}\n`;
    return bucket.put(`${hourPrefix(iso)}${name}.ndjson`, body, {
      httpMetadata: { contentType: "application/x-ndjson" },
    });
  };
  const perJurisdiction = Math.floor(rows / 2);
  const seeded = { old: { rows: 0, objects: 0 }, young: { rows: 0, objects: 0 }, edges: 0 };
  const pending: Promise<unknown>[] = [];
  const flush = async (max: number) => {
    if (pending.length >= max) await Promise.all(pending.splice(0));
  };
  for (const [j, bucket] of Object.entries(buckets)) {
    for (const [kind, share] of [
      ["old", Math.floor(perJurisdiction / 2)],
      ["young", perJurisdiction - Math.floor(perJurisdiction / 2)],
    ] as const) {
      const objects = Math.ceil(share / perObject);
      // Ages spread evenly over the range, one hour slot per object (wrapping), so keys are in time order.
      const [from, span] = kind === "old" ? [91 * DAY + HOUR, 89 * DAY] : [HOUR, 87 * DAY];
      const slots = Math.round(span / HOUR);
      let left = share;
      for (let i = 0; i < objects; i++) {
        const n = Math.min(perObject, left);
        left -= n;
        const age = from + (i % slots) * HOUR;
        pending.push(put(bucket, anchor - age, n, `bench-${kind}-${j}-${String(i).padStart(7, "0")}`));
        seeded[kind].rows += n;
        seeded[kind].objects++;
        await flush(32);
      }
    }
    for (const [name, age] of EDGES) {
      pending.push(put(bucket, anchor - age, 1, `bench-edge-${name}-${j}`));
      seeded.edges++;
    }
  }
  await flush(0);
  return { seeded, cutoffKey: hourPrefix(new Date(anchor - RETENTION_DAYS * DAY).toISOString()) };
}

/** One listing page; the platform proxy's socket has dropped mid-page on a busy machine, so retry it. */
async function listPage(bucket: R2Bucket, cursor: string | undefined): Promise<R2Objects> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bucket.list({ prefix: "access-log/", limit: 500, ...(cursor ? { cursor } : {}) });
    } catch (e) {
      if (attempt >= 6) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function count(anchor: number) {
  const cutoffKey = hourPrefix(new Date(anchor - RETENTION_DAYS * DAY).toISOString());
  const out: Record<string, unknown> = { cutoffKey };
  for (const [j, bucket] of Object.entries(buckets)) {
    const c = { old: 0, young: 0, other: 0, olderThanCutoff: 0, edges: {} as Record<string, boolean> };
    for (const [name] of EDGES) c.edges[name] = false;
    let cursor: string | undefined;
    do {
      const page = await listPage(bucket, cursor);
      for (const o of page.objects) {
        if (o.key < cutoffKey) c.olderThanCutoff++;
        const name = o.key.slice(o.key.lastIndexOf("/") + 1);
        const edge = /^bench-edge-(.+)-(ch|eu)\.ndjson$/.exec(name);
        if (edge?.[1]) c.edges[edge[1]] = true;
        else if (name.startsWith("bench-old-")) c.old++;
        else if (name.startsWith("bench-young-")) c.young++;
        else c.other++;
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    out[j] = c;
  }
  return out;
}

try {
  const out =
    mode === "seed"
      ? await seed(Number(args[0]), Number(args[1]), Number(args[2]))
      : mode === "count"
        ? await count(Number(args[0]))
        : (() => {
            throw new Error(`unknown mode ${mode}`);
          })();
  console.log(JSON.stringify(out));
} finally {
  await proxy.dispose();
}
