// bench:purge — the hourly retention purge of the access log (R-P9) at scale, while residents read the
// pinboard feed, against the same feed idle, same run (issue 5; perf plan §4.5).
//
//   npm run bench:purge -- [--rows 100000] [--per-object 100] [--rate 10] [--idle-ms 10000] [--port 8802]
//
// Access-log entries are not D1 rows (decision 0005): the queue consumer writes each batch as an NDJSON
// object per hour, access-log/YYYY/MM/DD/HH/<id>.ndjson, in the jurisdiction's R2 bucket, and the purge
// (purgeAccessLog in src/services/purge.ts, from the cron's scheduled handler) deletes the objects of hours
// that ended before now-89d, listing the prefix in key (= time) order and stopping at the first newer key.
//
// 1. Seed (bench/access-log-seed.ts, straight into this bench's own state): --rows entries split over both
//    jurisdictions, --per-object per hour object (the consumer's batch size), half 91–180 days old, half
//    0–88 days; plus boundary objects at 88 d, 89 d (kept), 89 d + 1 h, 90 d, 91 d (gone).
// 2. Serve the product built with bench/access-log-purge-worker.ts as entry: the product Worker unchanged,
//    with counters of the R2 calls under access-log/ wrapped around the buckets during the hourly purge.
// 3. Feed: `GET /api/buildings/{id}/posts` (the pinboard history) as the demo resident anna (session login),
//    open loop at --rate requests/s: an idle phase, then a phase during which the purge runs
//    (`/cdn-cgi/local/scheduled?cron=17+*+*+*+*&time=<anchor>`, the real scheduled handler, both
//    jurisdictions), then a short idle phase after it (drift check).
// 4. A second purge run (must delete 0 and list little), then the check of what is left.
// Last line: `purge rows=N deleted=D rows_read_per_deleted=R feed_p99_idle=X feed_p99_purge=Y ratio=Z …`.

import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { request } from "./lib/load.mjs";
import {
  childEnv,
  hasTaskset,
  nodeBin,
  pinSelf,
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
    rows: { type: "string", default: "100000" },
    "per-object": { type: "string", default: "100" },
    rate: { type: "string", default: "10" },
    "idle-ms": { type: "string", default: "10000" },
    "after-ms": { type: "string", default: "5000" },
    port: { type: "string", default: "8802" },
    "no-pin": { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const PORT = Number(opt.port);
const ROWS = Number(opt.rows);
const PER_OBJECT = Number(opt["per-object"]);
const RATE = Number(opt.rate);
const STATE = "/tmp/access-log-purge-state";
const LOGS = join(STATE, "logs");
const SERVER_LOG = join(LOGS, "server.log");
const COOKIE = "__Host-quartier_session";
const day = new Date().toISOString().slice(0, 10);
const out = opt.out ?? join(repoRoot(), "bench/results", `${day}-access-log-purge.json`);
const PIN = !opt["no-pin"] && hasTaskset();

async function call(method, path, { cookie, json, timeoutMs = 30_000 } = {}) {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { ...(cookie ? { cookie } : {}) };
  if (body !== undefined)
    Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  const t0 = performance.now();
  const r = await request({ port: PORT, path, method, headers, body, timeoutMs });
  return { ...r, ms: performance.now() - t0 };
}

/**
 * Open-loop feed load: request i is due at t0 + i/rate and sent then, whatever the previous ones are
 * doing (keep-alive agent with room for 64 in flight). Each sample: start time, latency from the write
 * to the last byte, and how late the generator sent it. Any non-200 fails the run.
 */
const loops = new Set();
function openLoop({ cookie, path, rate }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const samples = [];
  const inflight = new Set();
  let failure;
  let stopped = false;
  let i = 0;
  const t0 = performance.now();
  const fire = (due) => {
    const started = performance.now();
    const p = new Promise((resolve) => {
      const req = http.request(
        { host: "127.0.0.1", port: PORT, path, method: "GET", headers: { cookie }, agent },
        (res) => {
          res.on("data", () => undefined);
          res.on("end", () => {
            if (res.statusCode !== 200) failure ??= new Error(`feed: HTTP ${res.statusCode}`);
            samples.push({ at: started, ms: performance.now() - started, late: started - due });
            resolve();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error("feed request timed out")));
      req.on("error", (e) => {
        failure ??= e;
        resolve();
      });
      req.end();
    });
    inflight.add(p);
    p.then(() => inflight.delete(p));
  };
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    while (t0 + (i * 1000) / rate <= now) fire(t0 + (i++ * 1000) / rate);
    setTimeout(tick, 1);
  };
  tick();
  const halt = () => {
    stopped = true;
    agent.destroy();
  };
  loops.add(halt);
  return {
    async stop() {
      loops.delete(halt);
      stopped = true;
      await Promise.all(inflight);
      agent.destroy();
      if (failure) throw failure;
      return samples;
    },
  };
}

const stats = (samples) => {
  const s = samples.map((x) => x.ms).sort((a, b) => a - b);
  const late = samples.map((x) => x.late).sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round2(percentile(s, 0.5)),
    p90: round2(percentile(s, 0.9)),
    p99: round2(percentile(s, 0.99)),
    max: round2(s.at(-1)),
    generatorLateMaxMs: round2(late.at(-1)),
  };
};

const loadavg = () => os.loadavg().map(round2);

/** JSON objects logged by the Worker after `offset` in the server log, by their single top-level key. */
function workerLines(offset, key) {
  // `offset` is in bytes (the log has multi-byte characters): slice before decoding.
  const text = readFileSync(SERVER_LOG).subarray(offset).toString("utf8");
  const found = [];
  for (const line of text.split("\n")) {
    const at = line.indexOf(`{"${key}":`);
    if (at < 0) continue;
    try {
      found.push(JSON.parse(line.slice(at))[key]);
    } catch {
      // a line still being written
    }
  }
  return found;
}
const logSize = () => statSync(SERVER_LOG).size;

/** Triggers the hourly purge at `anchor`; returns wall time, the product's reports and the R2 counters. */
async function purgeRun(anchor) {
  const offset = logSize();
  const t0 = performance.now();
  const r = await call("GET", `/cdn-cgi/local/scheduled?cron=17+*+*+*+*&time=${anchor}`, { timeoutMs: 25 * 60_000 });
  const wallMs = performance.now() - t0;
  if (r.status !== 200) throw new Error(`purge: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  // wrangler writes the Worker's console lines asynchronously (seconds late on a busy machine).
  let reports = [];
  let io = [];
  for (let k = 0; k < 600 && (reports.length < 2 || io.length < 1); k++) {
    await sleep(100);
    reports = workerLines(offset, "purge");
    io = workerLines(offset, "accessLogPurgeIo");
  }
  if (reports.length !== 2 || io.length !== 1)
    throw new Error(`purge: ${reports.length} reports, ${io.length} io lines`);
  return { wallMs, startedAt: t0, endedAt: t0 + wallMs, reports, io: io[0] };
}

const sum = (io, k) => io.ch[k] + io.eu[k];

await runGuarded("bench:purge", 40 * 60_000, async () => {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const env = childEnv();
  const pinned = PIN ? pinSelf(0) : false;
  await prepareLocalState(STATE, { env, logPath: join(LOGS, "prepare.log") });
  // The purge's clock: the scheduled time passed to the handler; the seed ages are relative to it.
  const anchor = Date.now();
  const seedT0 = performance.now();
  const seedArgs = [tsxCli(), "bench/access-log-seed.ts", join(STATE, "v3"), "seed", String(ROWS), String(PER_OBJECT)];
  await run("seed access log", nodeBin(), [...seedArgs, String(anchor)], {
    env,
    logPath: join(LOGS, "seed.log"),
    timeoutMs: 30 * 60_000,
  });
  const seedMs = performance.now() - seedT0;
  const seedOut = JSON.parse(
    readFileSync(join(LOGS, "seed.log"), "utf8")
      .trim()
      .split("\n")
      .findLast((l) => l.startsWith("{")),
  );
  console.log(`seeded in ${round2(seedMs / 1000)} s: ${JSON.stringify(seedOut)}`);

  // Built once and served with --no-bundle: other people's edits to src/ cannot reload it mid-run.
  const build = join(STATE, "build");
  await run(
    "build",
    nodeBin(),
    [
      wranglerJs(),
      "deploy",
      "--dry-run",
      "--env=",
      "-c",
      "wrangler.toml",
      "--outdir",
      build,
      "bench/access-log-purge-worker.ts",
    ],
    { env, logPath: join(LOGS, "build.log"), timeoutMs: 120_000 },
  );
  // A private config whose static assets are a snapshot: `vite build` by someone else would otherwise
  // make wrangler reload the Worker mid-purge (seen: the eu half of the purge was cut off).
  const assets = join(STATE, "assets");
  cpSync(join(repoRoot(), "web/public"), assets, { recursive: true });
  const config = join(STATE, "wrangler.toml");
  writeFileSync(
    config,
    readFileSync(join(repoRoot(), "wrangler.toml"), "utf8")
      .replaceAll('directory = "./web/public"', `directory = "${assets}"`)
      .replaceAll('main = "src/index.ts"', `main = "${join(repoRoot(), "src/index.ts")}"`)
      .replaceAll('migrations_dir = "migrations/', `migrations_dir = "${repoRoot()}/migrations/`),
  );
  const args = [wranglerJs(), "dev", join(build, "access-log-purge-worker.js"), "--no-bundle", "-c", config];
  args.push("--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", STATE);
  args.push("--show-interactive-dev-session=false", "--test-scheduled", "--inspector-port", String(PORT + 20));
  const server = start("wrangler dev (purge)", nodeBin(), args, {
    env,
    logPath: SERVER_LOG,
    ...(PIN ? { cpu: 1 } : {}),
  });
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
    for (let k = 0; k < 50; k++) {
      const r = await call("GET", feed, { cookie });
      if (r.status !== 200) throw new Error(`feed warm-up: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }

    // Idle phase.
    const loadIdle = loadavg();
    const idleLoop = openLoop({ cookie, path: feed, rate: RATE });
    await sleep(Number(opt["idle-ms"]));
    const idle = await idleLoop.stop();

    // Purge phase: the same load; the purge starts once the loop runs, the phase ends when it returns.
    const loadPurge = loadavg();
    const purgeLoop = openLoop({ cookie, path: feed, rate: RATE });
    await sleep(500);
    const first = await purgeRun(anchor);
    const purgeAll = await purgeLoop.stop();
    const during = purgeAll.filter((s) => s.at >= first.startedAt && s.at < first.endedAt);

    // Idle again (drift check), then the second run.
    const afterLoop = openLoop({ cookie, path: feed, rate: RATE });
    await sleep(Number(opt["after-ms"]));
    const after = await afterLoop.stop();
    const second = await purgeRun(anchor);
    await stop(server);
    // Printed now, so that a failing count below does not lose the measurement.
    console.log(
      `feed idle ${JSON.stringify(stats(idle))} during ${JSON.stringify(stats(during))} purge wall ${round2(first.wallMs)} ms`,
    );

    // The platform proxy's local socket has dropped once mid-listing on a busy machine: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await run(
          "count",
          nodeBin(),
          [tsxCli(), "bench/access-log-seed.ts", join(STATE, "v3"), "count", String(anchor)],
          {
            env,
            logPath: join(LOGS, "count.log"),
            timeoutMs: 10 * 60_000,
          },
        );
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    const left = JSON.parse(
      readFileSync(join(LOGS, "count.log"), "utf8")
        .trim()
        .split("\n")
        .findLast((l) => l.startsWith("{")),
    );

    // Checks: the run only counts if the purge did exactly its job.
    const edgesPerJurisdiction = 5;
    const goneEdges = 3;
    const oldObjects = seedOut.seeded.old.objects;
    const youngObjects = seedOut.seeded.young.objects;
    const reported = (run) => run.reports.reduce((n, r) => n + r.accessLogObjects, 0);
    const problems = [];
    for (const j of ["ch", "eu"]) {
      const l = left[j];
      if (l.old !== 0) problems.push(`${j}: ${l.old} expired objects left`);
      if (l.olderThanCutoff !== 0) problems.push(`${j}: ${l.olderThanCutoff} keys older than the cutoff left`);
      for (const [name, there] of Object.entries(l.edges)) {
        if (there !== name.startsWith("keep-")) problems.push(`${j}: boundary ${name} ${there ? "kept" : "deleted"}`);
      }
    }
    if (left.ch.young + left.eu.young !== youngObjects)
      problems.push(`young objects: ${left.ch.young + left.eu.young} of ${youngObjects} left`);
    if (reported(first) !== oldObjects + 2 * goneEdges)
      problems.push(`first run reported ${reported(first)} objects, expected ${oldObjects + 2 * goneEdges}`);
    if (sum(first.io, "keysDeleted") !== reported(first)) problems.push("R2 deletes differ from the report");
    if (reported(second) !== 0) problems.push(`second run deleted ${reported(second)}`);
    if (first.io.ch.maxKeysPerDelete > 1000 || first.io.eu.maxKeysPerDelete > 1000 || first.io.ch.maxListLimit > 1000)
      problems.push("an R2 call above 1,000 keys");
    if (problems.length) throw new Error(`purge result wrong:\n  ${problems.join("\n  ")}`);

    const deletedObjects = reported(first);
    const deletedRows = seedOut.seeded.old.rows + 2 * goneEdges;
    const ioSummary = (io) => ({
      listCalls: sum(io, "listCalls"),
      keysListed: sum(io, "keysListed"),
      deleteCalls: sum(io, "deleteCalls"),
      keysDeleted: sum(io, "keysDeleted"),
      r2Calls: sum(io, "listCalls") + sum(io, "deleteCalls"),
      maxKeysPerDelete: Math.max(io.ch.maxKeysPerDelete, io.eu.maxKeysPerDelete),
      maxListLimit: Math.max(io.ch.maxListLimit, io.eu.maxListLimit),
      maxCallMs: Math.max(io.ch.maxCallMs, io.eu.maxCallMs),
      r2Ms: sum(io, "r2Ms"),
      handlerMs: io.handlerMs,
      perJurisdiction: { ch: io.ch, eu: io.eu },
    });
    const idleStats = stats(idle);
    const duringStats = stats(during);
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, pinned: pinned ? "loadgen cpu0, server cpu1" : "no", node: process.version },
      scale: {
        rows: ROWS,
        perObject: PER_OBJECT,
        seeded: seedOut.seeded,
        edgesPerJurisdiction,
        cutoffKey: seedOut.cutoffKey,
      },
      seedMs: round2(seedMs),
      purge: {
        wallMs: round2(first.wallMs),
        deletedObjects,
        deletedRows,
        rowsPerSecond: round2(deletedRows / (first.wallMs / 1000)),
        // R2 has no rows_read: what the purge reads is keys listed; it never reads an object's body.
        keysListedPerKeyDeleted: round2(sum(first.io, "keysListed") / deletedObjects),
        keysListedPerRowDeleted: round2(sum(first.io, "keysListed") / deletedRows),
        io: ioSummary(first.io),
        reports: first.reports,
      },
      secondRun: {
        wallMs: round2(second.wallMs),
        deletedObjects: reported(second),
        io: ioSummary(second.io),
      },
      left,
      feed: {
        path: "GET /api/buildings/{id}/posts (anna@demo, session)",
        ratePerSecond: RATE,
        idle: { ...idleStats, loadavg: loadIdle },
        duringPurge: { ...duringStats, loadavg: loadPurge },
        idleAfter: stats(after),
      },
    };
    report.feed.p99Ratio = round2(duringStats.p99 / idleStats.p99);
    report.feed.p50Ratio = round2(duringStats.p50 / idleStats.p50);
    mkdirSync(join(repoRoot(), "bench/results"), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `purge rows=${ROWS} deleted=${deletedRows} rows_read_per_deleted=${report.purge.keysListedPerKeyDeleted}` +
        ` feed_p99_idle=${idleStats.p99} feed_p99_purge=${duringStats.p99} ratio=${report.feed.p99Ratio}` +
        ` (objects_deleted=${deletedObjects} keys_listed=${report.purge.io.keysListed} r2_calls=${report.purge.io.r2Calls}` +
        ` wall_ms=${report.purge.wallMs} during_n=${duringStats.n} second_run_deleted=${report.secondRun.deletedObjects}` +
        ` second_run_keys_listed=${report.secondRun.io.keysListed} loadavg=${loadPurge.join("/")})`,
    );
  } finally {
    // A failed phase must not leave its load loop firing at the port after the run.
    for (const halt of loops) halt();
    await stop(server);
  }
});
