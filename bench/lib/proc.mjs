import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "./load.mjs";

// Process control for the benches: every child runs in its own process group (detached), is
// remembered until it is gone, and is killed by group (-pgid) so wrangler's workerd and esbuild
// children go with it, also on errors, signals and the overall time limit.

const live = new Map(); // pgid -> label

export function repoRoot() {
  return new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
}

/** wrangler 4.164 needs Node >= 22.12: prefer the project's npm `node@22`, else this process's node. */
export function nodeBin() {
  const local = join(repoRoot(), "node_modules/node/bin/node");
  if (existsSync(local)) return local;
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 12)) throw new Error("wrangler needs Node >= 22.12 (npm i has node@22)");
  return process.execPath;
}

export const wranglerJs = () => join(repoRoot(), "node_modules/wrangler/bin/wrangler.js");
export const tsxCli = () => join(repoRoot(), "node_modules/tsx/dist/cli.mjs");

export function hasTaskset() {
  return spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;
}

/** Pins every thread of this process (the load generator) to one CPU; false if not possible. */
export function pinSelf(cpu) {
  if (!hasTaskset()) return false;
  return spawnSync("taskset", ["-a", "-cp", String(cpu), String(process.pid)], { stdio: "ignore" }).status === 0;
}

export function childEnv(extra = {}) {
  const bin = join(repoRoot(), "node_modules/.bin");
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    WRANGLER_SEND_METRICS: "false",
    CI: "1",
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    ...extra,
  };
}

/** Starts `cmd args` detached (own process group), stdout+stderr appended to logPath; optionally pinned to `cpu`. */
export function start(label, cmd, args, { cwd = repoRoot(), env = childEnv(), logPath, cpu } = {}) {
  const pinned = cpu !== undefined && hasTaskset();
  const [file, argv] = pinned ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
  const fd = openSync(logPath, "a");
  let child;
  try {
    child = spawn(file, argv, { cwd, env, detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.once("error", () => undefined);
  if (child.pid === undefined) throw new Error(`${label}: could not start ${file}`);
  live.set(child.pid, label);
  let status;
  exited.then((s) => {
    status = s;
  });
  return { label, pid: child.pid, logPath, pinned, exited, exitStatus: () => status };
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole group, SIGKILL after graceMs; resolves once no process of the group is left. */
export async function stop(handle, graceMs = 5_000) {
  const pgid = handle.pid;
  const signal = (s) => {
    try {
      process.kill(-pgid, s);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const until = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < until) await sleep(100);
  if (groupAlive(pgid)) signal("SIGKILL");
  const hard = Date.now() + 5_000;
  while (groupAlive(pgid) && Date.now() < hard) await sleep(100);
  live.delete(pgid);
  if (groupAlive(pgid)) throw new Error(`${handle.label}: process group ${pgid} survived SIGKILL`);
}

/** For exit paths: SIGKILL every group still known, synchronously. */
export function killAllSync() {
  for (const pgid of live.keys()) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Runs a command to completion within timeoutMs (group-killed on timeout); throws with the log tail on failure. */
export async function run(label, cmd, args, { timeoutMs = 60_000, ...opts }) {
  const h = start(label, cmd, args, opts);
  const cancel = new AbortController();
  const timer = sleep(timeoutMs, "timeout", { signal: cancel.signal }).catch(() => undefined);
  const result = await Promise.race([h.exited, timer]);
  cancel.abort();
  if (result === "timeout") {
    await stop(h, 1_000);
    throw new Error(`${label}: timed out after ${timeoutMs} ms (log: ${opts.logPath})`);
  }
  live.delete(h.pid);
  if (groupAlive(h.pid)) await stop(h, 1_000);
  if (result.code !== 0) {
    throw new Error(`${label}: exit ${result.code ?? result.signal}\n${tail(opts.logPath, 20)}`);
  }
}

export function tail(path, lines) {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Polls GET path until it answers `status` (within timeoutMs); fails early if the server exits. */
export async function waitForHttp(handle, { port, path, status, timeoutMs = 60_000 }) {
  const until = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < until) {
    const exit = handle.exitStatus();
    if (exit)
      throw new Error(`${handle.label} exited (${exit.code ?? exit.signal}) before ready\n${tail(handle.logPath, 20)}`);
    try {
      const r = await request({ port, path, timeoutMs: 2_000 });
      if (r.status === status) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.code ?? e.message;
    }
    await sleep(200);
  }
  throw new Error(
    `${handle.label}: not ready on :${port}${path} after ${timeoutMs} ms (${last})\n${tail(handle.logPath, 20)}`,
  );
}

/**
 * Migrates every local D1 database of wrangler.toml into `stateDir` and seeds the demo data there
 * (the bench and the browser suite each keep their own state, apart from `npm start`'s).
 */
export async function prepareLocalState(stateDir, { env = childEnv(), logPath }) {
  for (const db of ["DIRECTORY", "DB_CH", "DB_EU"]) {
    const args = [
      wranglerJs(),
      "d1",
      "migrations",
      "apply",
      db,
      "--local",
      "--persist-to",
      stateDir,
      "-c",
      "wrangler.toml",
    ];
    await run(`migrate ${db}`, nodeBin(), args, { env, logPath, timeoutMs: 120_000 });
  }
  // getPlatformProxy takes the v3 directory itself; wrangler's --persist-to appends /v3 (see lib/seed.ts).
  await run("seed", nodeBin(), [tsxCli(), "bench/lib/seed.ts", join(stateDir, "v3")], {
    env,
    logPath,
    timeoutMs: 120_000,
  });
}

/** SIGKILL to the whole group at once (no grace: a crash); resolves once no process of it is left. */
export async function kill(handle) {
  const pgid = handle.pid;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
  const hard = Date.now() + 5_000;
  while (groupRunning(pgid) && Date.now() < hard) await sleep(20);
  live.delete(pgid);
  if (groupRunning(pgid)) throw new Error(`${handle.label}: process group ${pgid} survived SIGKILL`);
}

/**
 * Whether a process of the group is still running. Zombies do not count: they hold no files or
 * sockets any more, and the orphaned workerd ones are reaped by init only after a while.
 */
function groupRunning(pgid) {
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return groupAlive(pgid); // no procfs: zombies count as alive
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …: comm may contain spaces and parentheses, so split after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

/**
 * Builds the product Worker once (`wrangler deploy --dry-run`, top-level environment) into `outDir`,
 * to be served with `wrangler dev <outDir>/index.js --no-bundle`: the code under test stays fixed for
 * the whole run (edits to src/ cannot reload it) and restarts skip the bundling step.
 */
export async function buildProduct(outDir, { env = childEnv(), logPath }) {
  rmSync(outDir, { recursive: true, force: true });
  const args = [wranglerJs(), "deploy", "--dry-run", "--env=", "-c", "wrangler.toml", "--outdir", outDir];
  await run("build product", nodeBin(), args, { env, logPath, timeoutMs: 120_000 });
  return join(outDir, "index.js");
}

/**
 * Runs a harness's `main` under a hard time limit: every process it started is killed when main ends
 * or throws, on a signal, at exit, or when the limit passes (exit 2); `cleanup` runs last. Returns
 * main's result; when main throws, the error is printed, `process.exitCode` is 1 and it returns
 * undefined.
 */
export async function runGuarded(name, limitMs, main, cleanup = () => {}) {
  const hardStop = setTimeout(() => {
    console.error(`${name}: over the ${Math.round(limitMs / 60_000)} min limit, stopping`);
    killAllSync();
    process.exit(2);
  }, limitMs);
  hardStop.unref();
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      killAllSync();
      process.exit(130);
    });
  }
  process.on("exit", killAllSync);
  try {
    return await main();
  } catch (e) {
    console.error(`${name} failed: ${e.stack ?? e}`);
    process.exitCode = 1;
    return undefined;
  } finally {
    killAllSync();
    cleanup();
  }
}
