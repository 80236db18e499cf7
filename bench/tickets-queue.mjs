// bench:tickets — the manager's ticket queue at 100k tickets against 1k, same run (issue 8).
//
//   npm run bench:tickets [-- --fresh]
//
// Migrates a local state of its own (/tmp/quartier-bench-tickets), seeds one customer with 1,000 and
// one with 100,000 tickets (20 buildings, generated in SQL), then pages through each customer's queue
// as a property manager with the service function the route uses (src/services/ticket-queue.ts):
// rows read per page (D1 meta.rows_read) and latency (p50/p99 of the query, local D1 via wrangler's
// platform proxy). Keyset pagination should read about one page of rows at either size.
// The last line is `tickets-queue rows_ratio=X p50_ratio=Y` (100k over 1k, deep pagination); JSON goes to bench/results/.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { childEnv, nodeBin, repoRoot, run, runGuarded, tsxCli, wranglerJs } from "./lib/proc.mjs";

const { values: opt } = parseArgs({ options: { fresh: { type: "boolean", default: false } } });
const stateDir = "/tmp/quartier-bench-tickets";
const day = new Date().toISOString().slice(0, 10);
const out = join(repoRoot(), "bench/results", `${day}-tickets-queue.json`);
const logPath = join(stateDir, "bench.log");

await runGuarded("bench:tickets", 20 * 60_000, async () => {
  if (opt.fresh) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const env = childEnv();
  await run(
    "migrate DB_CH",
    nodeBin(),
    [wranglerJs(), "d1", "migrations", "apply", "DB_CH", "--local", "--persist-to", stateDir, "-c", "wrangler.toml"],
    {
      env,
      logPath,
      timeoutMs: 120_000,
    },
  );
  await run("measure", nodeBin(), [tsxCli(), "bench/lib/tickets-queue-run.ts", join(stateDir, "v3"), out], {
    env,
    logPath,
    timeoutMs: 15 * 60_000,
  });
  const { readFileSync } = await import("node:fs");
  const r = JSON.parse(readFileSync(out, "utf8"));
  const deep = (rows) => rows.find((x) => x.scenario.startsWith("20 pages"));
  console.table([...r.at1k.map((x) => ({ size: "1k", ...x })), ...r.at100k.map((x) => ({ size: "100k", ...x }))]);
  const a = deep(r.at1k);
  const b = deep(r.at100k);
  console.log(
    `tickets-queue rows_ratio=${(b.rowsReadPerPage / a.rowsReadPerPage).toFixed(2)} p50_ratio=${(b.p50Ms / a.p50Ms).toFixed(2)}`,
  );
});
