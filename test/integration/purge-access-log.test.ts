import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DAY, HOUR } from "../../src/lib/time";
import { hourPrefix } from "../../src/services/access-log";
import { ACCESS_LOG_MAX_PAGES, purgeAccessLog } from "../../src/services/purge";
import { R2_DELETE_CHUNK } from "../../src/services/purge-steps";
import { listKeys } from "../helpers/scan";

// R-P9: access-log lines are deleted after 90 days at the latest. The hourly purge deletes the objects of
// hours that ended before now-89d (decision 0005), reading only the keys it deletes plus one listing page
// and never an object's body, in bulk calls of at most R2_DELETE_CHUNK keys and at most ACCESS_LOG_MAX_PAGES
// pages a run (the operations per invocation are bounded; a larger backlog is finished by the next runs),
// giving the event loop a turn after every R2 call (decision 0042).
// bench/access-log-purge.mjs measures the same at 1M entries.

afterEach(() => {
  vi.restoreAllMocks();
});

const at = (now: Date, ageMs: number) => new Date(now.getTime() - ageMs).toISOString();

async function putAll(bucket: R2Bucket, keys: string[]) {
  for (let i = 0; i < keys.length; i += 100) {
    await Promise.all(keys.slice(i, i + 100).map((k) => bucket.put(k, '{"t":"x"}\n')));
  }
}

/** Spies on the bucket's list and delete calls (the real bucket answers them). */
function watch(bucket: R2Bucket) {
  const list = vi.spyOn(bucket, "list");
  const del = vi.spyOn(bucket, "delete");
  return {
    listCalls: () => list.mock.calls.length,
    keysListed: async () => {
      let n = 0;
      for (const r of list.mock.results) n += (await (r.value as Promise<R2Objects>)).objects.length;
      return n;
    },
    deleteBatches: () => del.mock.calls.map(([keys]) => (Array.isArray(keys) ? keys : [keys])),
    reset: () => {
      list.mockClear();
      del.mockClear();
    },
  };
}

describe("the access-log purge (R-P9)", () => {
  it("keeps 88 and 89 days, deletes 89 days + 1 hour, 90 and 91 days, at any minute of the hour", async () => {
    for (const [i, time] of ["00:00:00.000", "00:30:00.000", "00:59:59.999"].entries()) {
      const now = new Date(`${2040 + i}-05-10T${time}Z`);
      const bucket = i % 2 ? env.FILES_CH : env.FILES_EU;
      const edges: [string, number, boolean][] = [
        ["keep-88d", 88 * DAY, true],
        ["keep-89d", 89 * DAY, true],
        ["gone-89d1h", 89 * DAY + HOUR, false],
        ["gone-90d", 90 * DAY, false],
        ["gone-91d", 91 * DAY, false],
      ];
      const key = (name: string, age: number) => `${hourPrefix(at(now, age))}edge-${name}.ndjson`;
      await putAll(
        bucket,
        edges.map(([name, age]) => key(name, age)),
      );
      expect(await purgeAccessLog(bucket, now), time).toBe(3);
      const left = new Set(await listKeys(bucket, "access-log/"));
      for (const [name, age, kept] of edges) expect(left.has(key(name, age)), `${time} ${name}`).toBe(kept);
      // What is left is younger than 89 days + 1 hour: with the hourly cron, never older than 90 days.
      for (const k of left) expect(k >= hourPrefix(at(now, 89 * DAY))).toBe(true);
      for (const k of left) await bucket.delete(k);
    }
  });

  it("lists the expired keys plus one page, deletes in calls of at most R2_DELETE_CHUNK, and a second run reads one page", async () => {
    const now = new Date("2045-03-01T12:17:00.000Z");
    const bucket = env.FILES_CH;
    const expired = Array.from(
      { length: 1_200 },
      (_, i) => `${hourPrefix(at(now, 91 * DAY + (i % 700) * HOUR))}old-${String(i).padStart(4, "0")}.ndjson`,
    );
    const young = Array.from(
      { length: 50 },
      (_, i) => `${hourPrefix(at(now, (i % 40) * DAY))}young-${String(i).padStart(2, "0")}.ndjson`,
    );
    await putAll(bucket, [...expired, ...young]);
    // Other prefixes of the same bucket are not the access log's.
    await bucket.put("exports/not-a-log.zip", "zip");
    const io = watch(bucket);

    expect(await purgeAccessLog(bucket, now)).toBe(expired.length);
    expect(io.listCalls()).toBe(2);
    expect(await io.keysListed()).toBeLessThanOrEqual(expired.length + 1_000);
    const batches = io.deleteBatches();
    expect(batches.flat().sort()).toEqual([...expired].sort());
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(R2_DELETE_CHUNK);
    expect(batches.length).toBe(Math.ceil(1_000 / R2_DELETE_CHUNK) + Math.ceil(200 / R2_DELETE_CHUNK));
    expect(await listKeys(bucket, "access-log/")).toEqual([...young].sort());
    expect(await listKeys(bucket, "exports/")).toEqual(["exports/not-a-log.zip"]);

    io.reset();
    expect(await purgeAccessLog(bucket, now)).toBe(0);
    expect(io.listCalls()).toBe(1);
    expect(io.deleteBatches()).toEqual([]);
  });

  it("stops after its page budget and the next run finishes the backlog", async () => {
    // One list and 1,000 / R2_DELETE_CHUNK deletes per page, both jurisdictions: ≤ half of the 1,000
    // subrequests of an invocation, the other steps have the rest.
    expect(2 * ACCESS_LOG_MAX_PAGES * (1 + Math.ceil(1_000 / R2_DELETE_CHUNK))).toBeLessThanOrEqual(500);
    const now = new Date("2046-07-01T08:17:00.000Z");
    const bucket = env.FILES_EU;
    const expired = Array.from(
      { length: 1_100 },
      (_, i) => `${hourPrefix(at(now, 100 * DAY + (i % 50) * HOUR))}old-${String(i).padStart(4, "0")}.ndjson`,
    );
    const fresh = `${hourPrefix(now.toISOString())}fresh.ndjson`;
    await putAll(bucket, [...expired, fresh]);
    const io = watch(bucket);

    expect(await purgeAccessLog(bucket, now, 1)).toBe(1_000);
    expect(io.listCalls()).toBe(1);
    expect(await purgeAccessLog(bucket, now, 1)).toBe(100);
    expect(await purgeAccessLog(bucket, now, 1)).toBe(0);
    expect(await listKeys(bucket, "access-log/")).toEqual([fresh]);
  });

  it("gives the event loop a turn between its R2 calls, so other work is served while it runs", async () => {
    // Local workerd serves R2 in-process: without a turn between calls, timers and sockets wait for the
    // whole purge (decision 0042). A timer ticking alongside must get many turns before it ends.
    const now = new Date("2044-02-01T08:17:00.000Z");
    const bucket = env.FILES_CH;
    const expired = Array.from(
      { length: 1_500 },
      (_, i) => `${hourPrefix(at(now, 95 * DAY + (i % 60) * HOUR))}old-${String(i).padStart(4, "0")}.ndjson`,
    );
    await putAll(bucket, expired);
    let ticks = 0;
    let running = true;
    const ticker = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, 0));
        ticks++;
      }
    })();
    const purged = purgeAccessLog(bucket, now).finally(() => {
      running = false;
    });
    expect(await purged).toBe(expired.length);
    await ticker;
    // 2 lists + 15 deletes: the ticker gets a turn after (nearly) each of them.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });
});
