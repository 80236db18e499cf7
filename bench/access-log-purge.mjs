// bench:purge — the hourly retention purge over expired access-log entries while a feed is read, against
// the same feed without the purge, same run (issue 5, "how it is checked"; perf plan §4.5).
//
//   node bench/access-log-purge.mjs [--rows 1000000 --per-object 100 --fresh 20 --port 8807]
//
// Access-log entries (R-P9) are not D1 rows: the queue consumer writes them as NDJSON objects, one per
// queue batch and hour, under access-log/YYYY/MM/DD/HH/ in the jurisdiction's R2 bucket, and the purge
// (purgeAccessLog in src/services/purge.ts) deletes whole hour objects older than 90 days by listing the
// prefix in key order. So the seed (bench/lib/privacy-seed.ts) writes --rows expired entries in objects
// of --per-object entries (the consumer's batch size) into FILES_CH, plus --fresh objects of this hour
// that must survive. Then, with `wrangler dev --test-scheduled` (own state /tmp/f-state/purge):
//   1. baseline: the pinboard feed `GET /api/buildings/{id}/posts` as anna@demo at concurrency 1 for
//      --baseline-ms;
//   2. the purge: `GET /cdn-cgi/local/scheduled?cron=17+*+*+*+*` (the whole hourly purge of both jurisdictions),
//      with the same feed loop running until it returns;
//   3. verify: no expired object left, every fresh one still there (R2 listing through the platform proxy).
// The last line is `purge rows=N objects=M wall_ms=W feed_p99_ratio=R` (p99 during ÷ p99 baseline).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { request } from "./lib/load.mjs";
import {
  buildProduct,
  childEnv,
  nodeBin,
  prepareLocalState,
  repoRoot,
  run,
  runGuarded,
  start,
  stop,
  tsxCli,
  waitForHttp,
  wranglerJs,
} from "./lib/proc.mjs";
import { percentile, round2 } from "./lib/stats.mjs";

const { values: opt } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "per-object": { type: "string", default: "100" },
    fresh: { type: "string", default: "20" },
    "baseline-ms": { type: "string", default: "15000" },
    port: { type: "string", default: "8807" },
  },
});
const PORT = Number(opt.port);
const STATE = "/tmp/f-state/purge"; // helper F's own state dir
const LOGS = join(STATE, "logs");
const COOKIE = "__Host-quartier_session";
const day = new Date().toISOString().slice(0, 10);
const out = join(repoRoot(), "bench/results", `${day}-access-log-purge.json`);

async function call(method, path, { cookie, json, timeoutMs = 30_000 } = {}) {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { ...(cookie ? { cookie } : {}) };
  if (body !== undefined)
    Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  const t0 = performance.now();
  const r = await request({ port: PORT, path, method, headers, body, timeoutMs });
  return { ...r, ms: performance.now() - t0 };
}

/** Reads the feed at concurrency 1 until `until()` is true; latencies in ms. */
async function feedLoop(cookie, path, until) {
  const lat = [];
  while (!until()) {
    const r = await call("GET", path, { cookie });
    if (r.status !== 200) throw new Error(`feed: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    lat.push(r.ms);
  }
  return lat;
}

const stats = (lat) => {
  const s = [...lat].sort((a, b) => a - b);
  return { n: s.length, p50: round2(percentile(s, 0.5)), p99: round2(percentile(s, 0.99)), max: round2(s.at(-1)) };
};

await runGuarded("bench:purge", 30 * 60_000, async () => {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const env = childEnv();
  await prepareLocalState(STATE, { env, logPath: join(LOGS, "prepare.log") });
  const seedT0 = performance.now();
  await run(
    "seed access log",
    nodeBin(),
    [tsxCli(), "bench/lib/privacy-seed.ts", join(STATE, "v3"), "access-log", opt.rows, opt["per-object"], opt.fresh],
    { env, logPath: join(LOGS, "seed.log"), timeoutMs: 20 * 60_000 },
  );
  const seedMs = performance.now() - seedT0;
  // Built once and served with --no-bundle: other people's edits to src/ cannot reload it mid-run.
  const script = await buildProduct(join(STATE, "build"), { env, logPath: join(LOGS, "build.log") });
  const args = [wranglerJs(), "dev", script, "--no-bundle", "-c", "wrangler.toml", "--port", String(PORT)];
  args.push("--ip", "127.0.0.1");
  args.push("--persist-to", STATE, "--show-interactive-dev-session=false", "--test-scheduled");
  args.push("--inspector-port", String(PORT + 1000));
  const server = start("wrangler dev (purge)", nodeBin(), args, { env, logPath: join(LOGS, "server.log") });
  try {
    await waitForHttp(server, { port: PORT, path: "/api/me", status: 401, timeoutMs: 120_000 });
    const login = await call("POST", "/api/auth/login", {
      json: { email: "anna@demo.quartier.test", password: "quartier-demo" },
    });
    if (login.status !== 200) throw new Error(`login: HTTP ${login.status}`);
    const cookie = []
      .concat(login.headers["set-cookie"] ?? [])
      .find((c) => c.startsWith(`${COOKIE}=`))
      .split(";")[0];
    const me = JSON.parse((await call("GET", "/api/me", { cookie })).text);
    const feed = `/api/buildings/${encodeURIComponent(me.memberships[0].buildingId)}/posts`;
    await feedLoop(
      cookie,
      feed,
      (() => {
        let n = 0;
        return () => n++ >= 50; // warm-up
      })(),
    );

    const baseEnd = performance.now() + Number(opt["baseline-ms"]);
    const baseline = await feedLoop(cookie, feed, () => performance.now() >= baseEnd);

    let purgeDone = false;
    const purgeT0 = performance.now();
    const purge = call("GET", "/cdn-cgi/local/scheduled?cron=17+*+*+*+*", { timeoutMs: 25 * 60_000 }).finally(() => {
      purgeDone = true;
    });
    const during = await feedLoop(cookie, feed, () => purgeDone);
    const purgeRes = await purge;
    const purgeMs = performance.now() - purgeT0;
    if (purgeRes.status !== 200) throw new Error(`purge: HTTP ${purgeRes.status} ${purgeRes.text.slice(0, 200)}`);
    await stop(server);

    await run("verify", nodeBin(), [tsxCli(), "bench/lib/privacy-seed.ts", join(STATE, "v3"), "count-access-log"], {
      env,
      logPath: join(LOGS, "verify.log"),
      timeoutMs: 5 * 60_000,
    });
    const verifyLog = readFileSync(join(LOGS, "verify.log"), "utf8").trim().split("\n");
    const left = JSON.parse(verifyLog.findLast((l) => l.startsWith("{")) ?? "{}");
    if (left.expired !== 0 || left.fresh !== Number(opt.fresh)) throw new Error(`purge left ${JSON.stringify(left)}`);
    const report = {
      date: new Date().toISOString(),
      scale: { rows: Number(opt.rows), perObject: Number(opt["per-object"]), freshObjects: Number(opt.fresh) },
      seedMs: round2(seedMs),
      purgeWallMs: round2(purgeMs),
      rowsPerSecond: round2(Number(opt.rows) / (purgeMs / 1000)),
      objectsLeft: left,
      feedBaseline: stats(baseline),
      feedDuringPurge: stats(during),
    };
    report.feedP99Ratio = round2(report.feedDuringPurge.p99 / report.feedBaseline.p99);
    mkdirSync(join(repoRoot(), "bench/results"), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    const objects = Math.ceil(Number(opt.rows) / Number(opt["per-object"]));
    console.log(
      `purge rows=${opt.rows} objects=${objects} wall_ms=${report.purgeWallMs} feed_p99_ratio=${report.feedP99Ratio}`,
    );
  } finally {
    await stop(server);
  }
});
