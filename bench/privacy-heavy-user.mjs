// bench:privacy — export and erasure of a heavy user against a light user, same run (issue 5, "how it
// is checked"; docs/performance.md "Privacy center").
//
//   node bench/privacy-heavy-user.mjs [--items 10000 --files 50 --rooms 5 --port 8807]
//
// Own state (/tmp/f-state/privacy, rebuilt every run: erasure is one-way): migrations and the demo
// seed, then bench/lib/privacy-seed.ts makes beat@demo a heavy user — --items notification items (D1 rows
// of the person, exported and erased with them) over --rooms buildings (room participation: export and
// erasure visit each room), --files uploads of 100 KiB (rows + R2 objects) — while chiara@demo stays light.
// Then, through the running Worker (wrangler dev, --port): POST /api/me/exports (build + store the ZIP)
// and POST /api/me/erasure (close the account, run every step) for each user, heavy and light
// interleaved. Room content is not seeded: rooms take messages only over WebSockets at 1 frame/s per
// connection, so the rooms are visited but hold little. The last line is
// `privacy heavy_items=N export_ratio=X erasure_ratio=Y` (heavy ÷ light, wall ms); JSON goes to bench/results/.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
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
import { round2 } from "./lib/stats.mjs";

const { values: opt } = parseArgs({
  options: {
    items: { type: "string", default: "10000" },
    files: { type: "string", default: "50" },
    rooms: { type: "string", default: "5" },
    port: { type: "string", default: "8807" },
  },
});
const PORT = Number(opt.port);
const STATE = "/tmp/f-state/privacy"; // helper F's own state dir
const LOGS = join(STATE, "logs");
const PASSWORD = "quartier-demo";
const HEAVY = "beat@demo.quartier.test";
const LIGHT = "chiara@demo.quartier.test";
const COOKIE = "__Host-quartier_session";
const day = new Date().toISOString().slice(0, 10);
const out = join(repoRoot(), "bench/results", `${day}-privacy-heavy-user.json`);

async function call(method, path, { cookie, json } = {}) {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { ...(cookie ? { cookie } : {}) };
  if (body !== undefined)
    Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  const t0 = performance.now();
  const r = await request({ port: PORT, path, method, headers, body, timeoutMs: 300_000 });
  return { ...r, ms: performance.now() - t0 };
}

async function login(email) {
  const r = await call("POST", "/api/auth/login", { json: { email, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`login ${email}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  const line = [].concat(r.headers["set-cookie"] ?? []).find((c) => c.startsWith(`${COOKIE}=`));
  return line.split(";")[0];
}

await runGuarded("bench:privacy", 20 * 60_000, async () => {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const env = childEnv();
  await prepareLocalState(STATE, { env, logPath: join(LOGS, "prepare.log") });
  const seedT0 = performance.now();
  await run(
    "seed heavy user",
    nodeBin(),
    [tsxCli(), "bench/lib/privacy-seed.ts", join(STATE, "v3"), "heavy", HEAVY, opt.items, opt.files, opt.rooms],
    { env, logPath: join(LOGS, "seed.log"), timeoutMs: 10 * 60_000 },
  );
  const seedMs = performance.now() - seedT0;
  // Built once and served with --no-bundle: other people's edits to src/ cannot reload it mid-run.
  const script = await buildProduct(join(STATE, "build"), { env, logPath: join(LOGS, "build.log") });
  const args = [wranglerJs(), "dev", script, "--no-bundle", "-c", "wrangler.toml", "--port", String(PORT)];
  args.push("--ip", "127.0.0.1");
  args.push("--persist-to", STATE, "--show-interactive-dev-session=false", "--inspector-port", String(PORT + 1000));
  const server = start("wrangler dev (privacy)", nodeBin(), args, { env, logPath: join(LOGS, "server.log") });
  try {
    await waitForHttp(server, { port: PORT, path: "/api/me", status: 401, timeoutMs: 120_000 });
    const heavy = await login(HEAVY);
    const light = await login(LIGHT);
    // Warm-up: one data view each (not timed), so the first timed call does not pay the Worker's start.
    await call("GET", "/api/me/data", { cookie: light });
    const result = { heavy: {}, light: {} };
    for (const [name, cookie] of [
      ["light", light],
      ["heavy", heavy],
    ]) {
      const view = await call("GET", "/api/me/data", { cookie });
      // Recorded, not fatal: the export and erasure are still measured when the in-app view fails.
      result[name].dataViewStatus = view.status;
      const exp = await call("POST", "/api/me/exports", { cookie });
      Object.assign(result[name], { exportStatus: exp.status, exportMs: round2(exp.ms) });
      // Recorded, not fatal: a failing export is a finding; the erasure is still measured.
      if (exp.status !== 201) continue;
      const { url } = JSON.parse(exp.text);
      const dl = await call("GET", url, { cookie });
      if (dl.status !== 200) throw new Error(`${name} download: HTTP ${dl.status}`);
      Object.assign(result[name], {
        dataViewMs: round2(view.ms),
        exportZipBytes: Number(dl.headers["content-length"] ?? 0),
      });
    }
    for (const [name, cookie] of [
      ["light", light],
      ["heavy", heavy],
    ]) {
      const er = await call("POST", "/api/me/erasure", { cookie, json: { password: PASSWORD } });
      if (er.status !== 202) throw new Error(`${name} erasure: HTTP ${er.status} ${er.text.slice(0, 200)}`);
      const body = JSON.parse(er.text);
      Object.assign(result[name], {
        erasureMs: round2(er.ms),
        erasureState: body.state,
        erasureSteps: body.steps.length,
        erasureStepsDone: body.steps.filter((s) => s.state === "done").length,
      });
    }
    const report = {
      date: new Date().toISOString(),
      scale: { items: Number(opt.items), files: Number(opt.files), fileBytes: 100 * 1024, rooms: Number(opt.rooms) },
      seedMs: round2(seedMs),
      ...result,
      ratios: {
        // Only when both exports succeeded (a failing export's time is not an export time).
        export:
          result.heavy.exportStatus === 201 && result.light.exportStatus === 201
            ? round2(result.heavy.exportMs / result.light.exportMs)
            : null,
        erasure: round2(result.heavy.erasureMs / result.light.erasureMs),
      },
    };
    mkdirSync(join(repoRoot(), "bench/results"), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify({ light: result.light, heavy: result.heavy }));
    console.log(
      `privacy heavy_items=${opt.items} export_ratio=${report.ratios.export} erasure_ratio=${report.ratios.erasure}`,
    );
  } finally {
    await stop(server);
  }
});
