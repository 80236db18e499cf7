// bench:auth-get — authenticated GET latency of the product under `wrangler dev`, against a bare Hono
// route under the same harness in the same run. See docs/performance.md.
//
//   npm run bench:auth-get [-- --rounds 3 --n 400 --warmup 150 --reuse-state --quick]
//
// One server at a time (product A, bare B), interleaved A B A B … after one discarded warm-up round.
// Servers are pinned to CPU 1 and this load generator (after the setup) to CPU 0 when taskset
// exists. Both Workers are built once up front (`wrangler deploy --dry-run`) and served with
// `wrangler dev --no-bundle`, so edits to src/ during the run cannot reload the server mid-run.
// The last line is `auth-get p50_ratio=X p99_ratio=Y c10_p50_ratio=Z`; JSON goes to bench/results/.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { request, runLoad } from "./lib/load.mjs";
import {
  childEnv,
  hasTaskset,
  nodeBin,
  pinSelf,
  portFree,
  prepareLocalState,
  repoRoot,
  run,
  runGuarded,
  start,
  stop,
  waitForHttp,
  wranglerJs,
} from "./lib/proc.mjs";
import { median, round2, round3, summarize } from "./lib/stats.mjs";

const { values: opt } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    n: { type: "string", default: "400" },
    warmup: { type: "string", default: "150" },
    "product-port": { type: "string", default: "8797" },
    "bare-port": { type: "string", default: "8798" },
    "reuse-state": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
  },
});
const ROUNDS = opt.quick ? 1 : Number(opt.rounds);
const N = opt.quick ? 100 : Number(opt.n);
const WARMUP = opt.quick ? 50 : Number(opt.warmup);
const PRODUCT_PORT = Number(opt["product-port"]);
const BARE_PORT = Number(opt["bare-port"]);
const CONCURRENCIES = [1, 10];
const RUN_LIMIT_MS = 9 * 60_000; // whole run, hard stop
const LOAD_LIMIT_MS = 90_000; // one measurement
const MAX_RETRIES = 2; // a failed or reloaded round is run again, at most this often in total

const ROOT = repoRoot();
const STATE = join(ROOT, "bench/.state");
const LOGS = join(STATE, "logs");
const BUILD = join(STATE, "build");
const RESULTS = join(ROOT, "bench/results");
const NODE = nodeBin();
const ENV = childEnv({ WRANGLER_LOG_PATH: LOGS });

const DEMO_LOGIN = { email: "anna@demo.quartier.test", password: "quartier-demo" };
const COOKIE = "__Host-quartier_session";

const log = (msg) => console.log(`[auth-get ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const TARGETS = {
  product: {
    name: "product",
    config: join(ROOT, "wrangler.toml"),
    script: join(BUILD, "product/index.js"),
    port: PRODUCT_PORT,
    ready: { path: "/api/me", status: 401 }, // answers from the Worker: directory lookup, no session
    endpoints: [
      { key: "me", path: "/api/me", check: (b) => expect(JSON.parse(b).email === DEMO_LOGIN.email, "/api/me body") },
      {
        key: "buildings",
        path: "/api/buildings",
        check: (b) => expect(Array.isArray(JSON.parse(b)) && JSON.parse(b).length > 0, "/api/buildings body"),
      },
      // Decomposition probe (c=1 only): the same middleware chain without a cookie, so no D1 query
      // (directory and customer rows are cached per isolate) and a 401 from the route guard.
      {
        key: "anon",
        path: "/api/me",
        anonymous: true,
        status: 401,
        concurrencies: [1],
        share: 0.5, // half the requests: it only serves to split the product's cost
        check: (b) => expect(JSON.parse(b).error?.code === "UNAUTHENTICATED", "anonymous /api/me body"),
      },
    ],
  },
  bare: {
    name: "bare",
    config: join(ROOT, "bench/fixtures/bare-hono/wrangler.toml"),
    script: join(BUILD, "bare/index.js"),
    port: BARE_PORT,
    ready: { path: "/hello", status: 200 },
    endpoints: [{ key: "hello", path: "/hello", check: (b) => expect(JSON.parse(b).ok === true, "/hello body") }],
  },
};

function expect(ok, what) {
  if (!ok) throw new Error(`unexpected ${what}`);
}

let sessionCookie; // obtained once per run (login is throttled per IP), valid across restarts

async function login(port) {
  const body = JSON.stringify(DEMO_LOGIN);
  const r = await request({
    port,
    path: "/api/auth/login",
    method: "POST",
    // No Origin header: the same-origin guard accepts a request without one (curl-like client).
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    body,
    timeoutMs: 15_000,
  });
  if (r.status !== 200) throw new Error(`login: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  // The cookie is Secure; we are the client, so we take it from Set-Cookie ourselves.
  const line = [].concat(r.headers["set-cookie"] ?? []).find((c) => c.startsWith(`${COOKIE}=`));
  if (!line) throw new Error("login: no session cookie in the response");
  return line.split(";")[0];
}

function countIn(path, needle) {
  try {
    return readFileSync(path, "utf8").split(needle).length - 1;
  } catch {
    return 0;
  }
}

/** RSS of the server's workerd processes (MiB), to show memory growth under load. */
function workerdRss(pgid) {
  try {
    const out = execFileSync("ps", ["-o", "rss=,comm=", "-g", String(pgid)], { encoding: "utf8" });
    return out
      .trim()
      .split("\n")
      .filter((l) => l.includes("workerd"))
      .map((l) => Math.round(Number(l.trim().split(/\s+/)[0]) / 1024));
  } catch {
    return [];
  }
}

/** One server lifetime: start, warm up, (measure), stop. Returns null for the warm-up round. */
async function session(target, round, attempt) {
  const logPath = join(LOGS, `${target.name}-r${round}-a${attempt}.log`);
  if (!(await portFree(target.port))) throw new Error(`port ${target.port} is in use; pass --${target.name}-port`);
  const args = [wranglerJs(), "dev", target.script, "--no-bundle", "-c", target.config, "--port", String(target.port)];
  args.push("--ip", "127.0.0.1", "--persist-to", STATE, "--show-interactive-dev-session=false");
  const started = Date.now();
  const h = start(`wrangler dev ${target.name}`, NODE, args, { env: ENV, logPath, cpu: 1 });
  try {
    await waitForHttp(h, { port: target.port, ...target.ready, timeoutMs: 60_000 });
    const startupMs = Date.now() - started;
    if (target.name === "product" && !sessionCookie) sessionCookie = await login(target.port);
    const load = (ep, n, concurrency) =>
      runLoad({
        port: target.port,
        path: ep.path,
        headers: target.name === "product" && !ep.anonymous ? { cookie: sessionCookie } : {},
        expectStatus: ep.status ?? 200,
        n,
        concurrency,
        deadlineMs: LOAD_LIMIT_MS,
        check: ep.check,
      });

    // Warm-up after every start: workerd compiles lazily and each restart begins cold.
    for (const ep of target.endpoints) {
      if (!ep.anonymous) await load(ep, WARMUP, 10);
      await load(ep, Math.ceil(WARMUP / 4), 1);
    }
    if (round === 0) return null;

    const reloadsBefore = countIn(logPath, "Reloading local server");
    const runs = [];
    for (const concurrency of CONCURRENCIES) {
      for (const ep of target.endpoints.filter((e) => (e.concurrencies ?? CONCURRENCIES).includes(concurrency))) {
        const r = await load(ep, Math.ceil(N * (ep.share ?? 1)), concurrency);
        const s = summarize(r.latencies, r.wallMs);
        runs.push({ endpoint: ep.key, path: ep.path, concurrency, ...s, bytes: Math.round(r.bytesPerResponse) });
        log(
          `  ${target.name.padEnd(7)} r${round} ${(ep.anonymous ? `${ep.path} (anon)` : ep.path).padEnd(21)} c=${String(concurrency).padEnd(2)} ` +
            `p50=${s.p50.toFixed(2)} p99=${s.p99.toFixed(2)} mean=${s.mean.toFixed(2)} ms  ${s.rps.toFixed(0)} req/s`,
        );
      }
    }
    const reloads = countIn(logPath, "Reloading local server") - reloadsBefore;
    if (reloads > 0) throw new Error(`${target.name}: wrangler reloaded the Worker ${reloads}× during the measurement`);
    const proxyErrors = countIn(logPath, "Error inside ProxyWorker");
    if (proxyErrors > 0) throw new Error(`${target.name}: ${proxyErrors} ProxyWorker error(s) in ${logPath}`);
    return { target: target.name, round, attempt, startupMs, workerdRssMiB: workerdRss(h.pid), runs };
  } finally {
    await stop(h);
  }
}

function sha256(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16);
}

function git(args) {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

async function prepare() {
  mkdirSync(LOGS, { recursive: true });
  log("building both Workers (wrangler deploy --dry-run)");
  for (const t of Object.values(TARGETS)) {
    rmSync(join(BUILD, t.name), { recursive: true, force: true });
    const args = [wranglerJs(), "deploy", "--dry-run", "--env=", "-c", t.config, "--outdir", join(BUILD, t.name)];
    await run(`build ${t.name}`, NODE, args, { env: ENV, logPath: join(LOGS, `build-${t.name}.log`) });
  }
  if (!opt["reuse-state"]) rmSync(join(STATE, "v3"), { recursive: true, force: true });
  log(`${opt["reuse-state"] ? "updating" : "fresh"} local state in bench/.state: D1 migrations, demo seed`);
  await prepareLocalState(STATE, { env: ENV, logPath: join(LOGS, "prepare.log") });
}

function summarise(sessions) {
  const measured = sessions.filter(Boolean);
  const rounds = [...new Set(measured.map((s) => s.round))].sort((a, b) => a - b);
  const find = (target, round, endpoint, concurrency) =>
    measured
      .find((s) => s.target === target && s.round === round)
      ?.runs.find((r) => r.endpoint === endpoint && r.concurrency === concurrency);

  const rows = [];
  const series = [
    ["bare", "hello"],
    ["product", "me"],
    ["product", "buildings"],
    ["product", "anon"],
  ];
  for (const concurrency of CONCURRENCIES) {
    for (const [target, endpoint] of series) {
      const per = rounds.map((r) => find(target, r, endpoint, concurrency)).filter(Boolean);
      if (per.length === 0) continue;
      const med = (k) => median(per.map((x) => x[k]));
      const range = (k) => [Math.min(...per.map((x) => x[k])), Math.max(...per.map((x) => x[k]))];
      // Ratios are taken within each round (same minutes, same machine load), then the median.
      const perRound = (k) =>
        rounds.map((r) => find(target, r, endpoint, concurrency)?.[k] / find("bare", r, "hello", concurrency)?.[k]);
      const ratioTo = (k) => median(perRound(k));
      rows.push({
        target,
        endpoint,
        path: per[0]?.path,
        concurrency,
        rounds: per.length,
        p50: round2(med("p50")),
        p90: round2(med("p90")),
        p99: round2(med("p99")),
        mean: round2(med("mean")),
        rps: round2(med("rps")),
        p50Range: range("p50").map(round2),
        p99Range: range("p99").map(round2),
        p50Ratio: round2(ratioTo("p50")),
        p99Ratio: round2(ratioTo("p99")),
        meanRatio: round2(ratioTo("mean")),
        rpsRatio: round3(ratioTo("rps")),
        p50RatioPerRound: perRound("p50").map(round2),
        p99RatioPerRound: perRound("p99").map(round2),
      });
    }
  }
  return rows;
}

const label = (r) =>
  r.target === "bare"
    ? "bare Hono `/hello`"
    : r.endpoint === "anon"
      ? `\`${r.path}\` no cookie (401)`
      : `\`${r.path}\``;

function table(rows) {
  const head = "| c | target | p50 ms | p99 ms | mean ms | req/s | p50 ratio | p99 ratio |";
  const lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|"];
  for (const r of rows) {
    lines.push(
      `| ${r.concurrency} | ${label(r)} | ${r.p50} | ${r.p99} | ` +
        `${r.mean} | ${Math.round(r.rps)} | ${r.p50Ratio} | ${r.p99Ratio} |`,
    );
  }
  return lines.join("\n");
}

async function main() {
  const t0 = Date.now();
  const loadStart = os.loadavg();
  log(
    `rounds=${ROUNDS} n=${N} warmup=${WARMUP} c=${CONCURRENCIES.join(",")} ` +
      `taskset=${hasTaskset() ? "servers cpu1, client cpu0" : "unavailable"} node=${process.version} (servers: ${NODE})`,
  );
  await prepare(); // unpinned: the builds, migrations and seed may use every CPU
  const pinned = pinSelf(0);

  const sessions = [];
  let retries = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const target of [TARGETS.product, TARGETS.bare]) {
      log(round === 0 ? `warm-up round (discarded): ${target.name}` : `round ${round}/${ROUNDS}: ${target.name}`);
      for (let attempt = 0; ; attempt++) {
        try {
          sessions.push(await session(target, round, attempt));
          break;
        } catch (e) {
          if (retries >= MAX_RETRIES || Date.now() - t0 > RUN_LIMIT_MS / 2) throw e;
          retries++;
          log(`  ${target.name} round ${round} failed, running it again: ${e.message.split("\n")[0]}`);
        }
      }
    }
  }

  const rows = summarise(sessions);
  const pick = (endpoint, c) => rows.find((r) => r.endpoint === endpoint && r.concurrency === c);
  const summary = {
    p50_ratio: pick("me", 1).p50Ratio,
    p99_ratio: pick("me", 1).p99Ratio,
    c10_p50_ratio: pick("me", 10).p50Ratio,
    buildings_p50_ratio: pick("buildings", 1).p50Ratio,
    buildings_p99_ratio: pick("buildings", 1).p99Ratio,
    buildings_c10_p50_ratio: pick("buildings", 10).p50Ratio,
  };

  const date = new Date().toISOString().slice(0, 10);
  const out = join(RESULTS, `${date}-auth-get.json`);
  mkdirSync(RESULTS, { recursive: true });
  const wranglerVersion = JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version;
  const honoVersion = JSON.parse(readFileSync(join(ROOT, "node_modules/hono/package.json"), "utf8")).version;
  const result = {
    bench: "auth-get",
    at: new Date().toISOString(),
    durationS: Math.round((Date.now() - t0) / 1000),
    git: { commit: git(["rev-parse", "--short", "HEAD"]), dirty: Boolean(git(["status", "--porcelain", "--", "src"])) },
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      loadavgStart: loadStart.map(round2),
      loadavgEnd: os.loadavg().map(round2),
      pinning: pinned ? { servers: 1, client: 0 } : null,
    },
    versions: { node: process.version, serverNode: NODE, wrangler: wranglerVersion, hono: honoVersion },
    bundles: Object.fromEntries(
      Object.values(TARGETS).map((t) => [t.name, { bytes: statSync(t.script).size, sha256: sha256(t.script) }]),
    ),
    method: {
      rounds: ROUNDS,
      requestsPerRun: N,
      warmupPerStart: WARMUP,
      concurrencies: CONCURRENCIES,
      order: "one discarded warm-up round, then product and bare alternating, one server at a time",
      percentile: "exact nearest-rank over all samples of a run; figures are medians over rounds",
      ratios: "product / bare within each round, then the median over rounds",
      retries,
    },
    summary,
    table: rows,
    sessions: sessions.filter(Boolean),
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`\n${table(rows)}\n`);
  log(`results: ${out.slice(ROOT.length + 1)} (${result.durationS} s)`);
  console.log(
    `auth-get p50_ratio=${summary.p50_ratio} p99_ratio=${summary.p99_ratio} c10_p50_ratio=${summary.c10_p50_ratio}`,
  );
}

// The bundles are only needed while the servers run; keep bench/.state free of lintable files.
await runGuarded("auth-get", RUN_LIMIT_MS, main, () => rmSync(BUILD, { recursive: true, force: true }));
