// The real-browser suite: a fresh local product (own state, port 8788 or E2E_PORT, demo data) under
// `wrangler dev`, then every `*.spec.mjs` here with node's test runner driving Debian's Chromium
// through playwright-core. Part of `npm test`; it shares nothing with `npm start` (port 8787).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  killAllSync,
  nodeBin,
  prepareLocalState,
  repoRoot,
  start,
  stop,
  waitForHttp,
  wranglerJs,
} from "../../bench/lib/proc.mjs";

const root = repoRoot();
const port = Number(process.env.E2E_PORT ?? 8788);
// Another port gets its own state and logs, so two runs on one machine do not wipe each other's.
const suffix = port === 8788 ? "" : `-${port}`;
const state = join(root, `.wrangler/e2e-state${suffix}`);
const logs = join(root, `.wrangler/e2e-logs${suffix}`);
// `node test/e2e/run.mjs [spec …]` runs only the named specs (file names or paths); default: all.
const only = process.argv.slice(2).map((a) => a.split("/").pop());

if (!existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium")) {
  console.error("e2e: Chromium not found at /usr/bin/chromium — install Debian's `chromium` (see .ci/run).");
  process.exit(1);
}
rmSync(state, { recursive: true, force: true });
mkdirSync(logs, { recursive: true });
process.on("exit", killAllSync);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

await prepareLocalState(state, { logPath: join(logs, "setup.log") });
const wrangler = (...args) => [wranglerJs(), ...args];
const server = start(
  "wrangler dev (e2e)",
  nodeBin(),
  wrangler(
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ),
  { logPath: join(logs, "server.log") },
);
let status = 1;
try {
  await waitForHttp(server, { port, path: "/api/openapi.json", status: 200, timeoutMs: 120_000 });
  const specs = readdirSync(join(root, "test/e2e"))
    .filter((f) => f.endsWith(".spec.mjs") && (only.length === 0 || only.includes(f)))
    .map((f) => join("test/e2e", f));
  if (specs.length === 0) throw new Error(`e2e: no spec matches ${only.join(", ")}`);
  const r = spawnSync(nodeBin(), ["--test", "--test-concurrency=1", ...specs], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, E2E_BASE: `http://localhost:${port}`, E2E_PORT: String(port) },
    timeout: 15 * 60_000,
  });
  status = r.status ?? 1;
} finally {
  await stop(server);
}
process.exit(status);
