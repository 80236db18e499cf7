// bench:api — the integrator API (/api/v1, bearer token) under `wrangler dev` with a typical ERP sync
// mix, against a bare Hono route under the same harness in the same run (issue 7). autocannon drives
// both; the per-client rate limit is switched off for the product (dev-only `API_RATE_LIMIT=off`), so
// the figures are the server's, not the limiter's (the SDK itself throttles to ~6 req/s anyway).
//
//   npm run bench:api [-- --duration 10 --connections 10 --quick]
//
// Both Workers are built once (`wrangler deploy --dry-run`) and served with `--no-bundle`, so edits to
// src/ during the run cannot reload them. Server on CPU 1, load generator on CPU 0 when taskset exists.
// The last line is `api-v1 mix_rps=… mix_p50=… mix_p99=… ratio_p50=… ratio_p99=…`; JSON to bench/results/.

import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  childEnv,
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

const { values: opt } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    port: { type: "string", default: "8793" },
    "bare-port": { type: "string", default: "8794" },
    quick: { type: "boolean", default: false },
  },
});
const DURATION = opt.quick ? 4 : Number(opt.duration);
const CONNECTIONS = Number(opt.connections);
const PORT = Number(opt.port);
const BARE_PORT = Number(opt["bare-port"]);
const ROOT = repoRoot();
const STATE = join(ROOT, "bench/.state/api-v1");
const LOGS = join(STATE, "logs");
const BUILD = join(STATE, "build");
const ENV = childEnv({ WRANGLER_LOG_PATH: LOGS });
const ERP = { client_id: "qc_demo-ch-erp", client_secret: "qs_demo-ch-erp-secret" };
const APP_ID = "demo-ch";

const log = (msg) => console.log(`[api-v1 ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function http(method, path, { token, json, form } = {}) {
  const headers = { accept: "application/json" };
  let body;
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  }
  if (form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, { method, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

const token = async () =>
  (
    await http("POST", "/oauth/token", {
      form: { ...ERP, grant_type: "client_credentials", scope: "master-data:read master-data:write" },
    })
  ).access_token;

/** A small estate made through the API itself: the ids and external ids the sync mix works on. */
async function fixtures(t) {
  const u = Date.now().toString(36);
  const p = await http("POST", `/api/v1/apps/${APP_ID}/properties`, {
    token: t,
    json: { name: `Bench ${u}`, timezone: "Europe/Zurich", externalId: `BP-${u}` },
  });
  const g = await http("POST", `/api/v1/properties/${p.id}/groups`, {
    token: t,
    json: { name: `Bench ${u}`, externalId: `BG-${u}` },
  });
  const units = [];
  for (let i = 0; i < 20; i++) {
    units.push(
      await http("POST", `/api/v1/groups/${g.id}/units`, {
        token: t,
        json: { name: `${i}`, type: "rented", externalId: `BU-${u}-${i}` },
      }),
    );
  }
  const up = await http("POST", `/api/v1/units/${units[0].id}/utilisation-periods`, {
    token: t,
    json: { startDate: "2025-01-01", externalId: `BV-${u}` },
  });
  const users = [];
  for (let i = 0; i < 10; i++) {
    users.push(
      await http("POST", "/api/v1/users", {
        token: t,
        json: {
          email: `bench-${u}-${i}@example.test`,
          username: `Bench ${i}`,
          locale: "de_DE",
          externalId: `BT-${u}-${i}`,
        },
      }),
    );
  }
  await http("POST", `/api/v1/utilisation-periods/${up.id}/users`, { token: t, json: { email: users[0].email } });
  return { u, p, g, units, up, users };
}

/** The ERP sync mix: look ids up, list what changed, read one, write one (5 reads : 1 write). */
function mix(f, t) {
  const auth = { authorization: `Bearer ${t}`, accept: "application/json", "content-type": "application/json" };
  const filter = (o) => encodeURIComponent(JSON.stringify(o));
  return [
    {
      method: "GET",
      path: `/api/v1/users?filter=${filter({ externalId: f.users.map((x) => x.externalId) })}&limit=50&page=1`,
      headers: auth,
    },
    { method: "GET", path: `/api/v1/units?filter=${filter({ group: f.g.id })}&limit=50&page=1`, headers: auth },
    {
      method: "POST",
      path: `/api/v1/id-lookup/${APP_ID}/unit`,
      headers: auth,
      body: JSON.stringify({ externalIds: f.units.map((x) => x.externalId) }),
    },
    { method: "GET", path: `/api/v1/units/${f.units[3].id}`, headers: auth },
    { method: "GET", path: `/api/v1/utilisation-periods/${f.up.id}`, headers: auth },
    { method: "PATCH", path: `/api/v1/units/${f.units[5].id}`, headers: auth, body: JSON.stringify({ size: 70 }) },
  ];
}

function cannon(port, requests) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: DURATION, requests }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
  });
}

function summary(name, r) {
  const s = {
    scenario: name,
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: Math.round(r.latency.average * 100) / 100,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
  log(
    `  ${name.padEnd(26)} ${String(s.rps).padStart(5)} req/s  p50=${s.p50} ms  p99=${s.p99} ms  non2xx=${s.non2xx} errors=${s.errors}`,
  );
  return s;
}

async function build(name, config) {
  const outdir = join(BUILD, name);
  await run(
    `build ${name}`,
    nodeBin(),
    [wranglerJs(), "deploy", "--dry-run", "--env=", "-c", config, "--outdir", outdir],
    {
      env: ENV,
      logPath: join(LOGS, "build.log"),
      timeoutMs: 180_000,
    },
  );
  return join(outdir, "index.js");
}

async function serve(name, script, config, port, extra = []) {
  if (!(await portFree(port))) throw new Error(`port ${port} is in use`);
  const args = [wranglerJs(), "dev", script, "--no-bundle", "-c", config, "--port", String(port), "--ip", "127.0.0.1"];
  args.push("--persist-to", STATE, "--show-interactive-dev-session=false", ...extra);
  return start(`wrangler dev ${name}`, nodeBin(), args, { env: ENV, logPath: join(LOGS, `${name}.log`), cpu: 1 });
}

await runGuarded("bench:api", 10 * 60_000, async () => {
  mkdirSync(LOGS, { recursive: true });
  log("preparing state (migrations, demo seed incl. API clients) and building both Workers");
  await prepareLocalState(STATE, { env: ENV, logPath: join(LOGS, "prepare.log") });
  const productScript = await build("product", join(ROOT, "wrangler.toml"));
  const bareConfig = join(ROOT, "bench/fixtures/bare-hono/wrangler.toml");
  const bareScript = await build("bare", bareConfig);
  const pinned = pinSelf(0);

  const results = [];
  const product = await serve("product", productScript, join(ROOT, "wrangler.toml"), PORT, [
    "--var",
    "API_RATE_LIMIT:off",
  ]);
  try {
    await waitForHttp(product, { port: PORT, path: "/api/v1/me", status: 401, timeoutMs: 90_000 });
    const t = await token();
    const f = await fixtures(t);
    const warm = mix(f, t);
    await cannon(PORT, warm); // warm-up (workerd compiles lazily)
    results.push(summary("v1 ERP sync mix", await cannon(PORT, mix(f, t))));
    results.push(
      summary(
        "v1 GET /properties/{id}",
        await cannon(PORT, [
          { method: "GET", path: `/api/v1/properties/${f.p.id}`, headers: { authorization: `Bearer ${t}` } },
        ]),
      ),
    );
    results.push(
      summary("v1 without token (401)", await cannon(PORT, [{ method: "GET", path: `/api/v1/properties/${f.p.id}` }])),
    );
  } finally {
    await stop(product);
  }
  const bare = await serve("bare", bareScript, bareConfig, BARE_PORT);
  try {
    await waitForHttp(bare, { port: BARE_PORT, path: "/hello", status: 200, timeoutMs: 60_000 });
    await cannon(BARE_PORT, [{ method: "GET", path: "/hello" }]);
    results.push(summary("bare Hono /hello", await cannon(BARE_PORT, [{ method: "GET", path: "/hello" }])));
  } finally {
    await stop(bare);
  }

  const [mixR, one, anon, bareR] = results;
  const ratio = (a, b) => Math.round((a / b) * 100) / 100;
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg(), pinned },
    settings: { durationS: DURATION, connections: CONNECTIONS },
    results,
    ratios: {
      mixP50: ratio(mixR.p50, bareR.p50),
      mixP99: ratio(mixR.p99, bareR.p99),
      mixThroughput: ratio(mixR.rps, bareR.rps),
      getOneP50: ratio(one.p50, bareR.p50),
      noTokenP50: ratio(anon.p50, bareR.p50),
    },
  };
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  const file = join(ROOT, `bench/results/${out.date.slice(0, 10)}-api-v1.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`results: ${file}`);
  console.log(
    `api-v1 mix_rps=${mixR.rps} mix_p50=${mixR.p50} mix_p99=${mixR.p99} bare_rps=${bareR.rps} ratio_p50=${out.ratios.mixP50} ratio_p99=${out.ratios.mixP99}`,
  );
});
