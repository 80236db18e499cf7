// bench:fanout — N clients in one building room: delivery latency, throughput and the time to connect
// everyone, through the real product path against a minimal hibernating Durable Object echo room
// behind the same Worker-side checks, and against a raw `ws` broadcast server, in the same run.
// See docs/performance.md.
//
//   npm run bench:fanout -- --clients 1000 [--rounds 3 --messages 100 --rate 10 --senders 10 --reuse-state]
//     [--port 8794 --raw-port 8795] (devtools on port + 1000) [--tag <suffix of the result file>]
//     [--connect-only] (profiling: only the connect waves) [--product-ready open] (the product counts
//     as ready at the open socket instead of the `welcome`: the handshake's share)
// Besides wall time, each connect wave records the workerd server's CPU time (its process group, from
// /proc): steadier than wall time when the host is shared.
//
// Targets (one at a time, interleaved after a discarded warm-up round):
// - product: `GET /rooms/:buildingId` (session cookie with the door's reads in the same D1 batch,
//   origin, membership, participation written only on a first visit, identity header) → BuildingRoom; a message is a `chat.send` (validated, rate-limited, stored in
//   the room's SQLite with its event, acknowledged, fanned out as an `event`).
// - echo: `GET /_bench/echo/:buildingId` (the same session, membership and origin checks) → EchoRoom,
//   partyserver with hibernation, `broadcast()` of every frame, nothing stored.
// - raw: bench/servers/ws-broadcast.mjs, `ws` in Node, no auth.
// The workerd server (product and echo share it: both are routes of the product Worker) and the raw
// server are pinned to CPU 1, this load generator to CPU 0 (taskset). Every client is a member of one
// bench building with its own session, seeded straight into the local D1 (bench/lib/seed-members.ts).
// Per target and round: connect all N (at most --connect-concurrency handshakes in flight; "ready"
// is the open socket, and for the product the room's `welcome`. Product clients name the room's head
// in the URL (`?lastSeq=`, decision 0037): the bench reads it over HTTP once before each product wave,
// outside the timing, as the web app's first load does, so the room's catch-up right after the
// welcome is empty and the roster follows; no client sends `resume` any more, and a `resync` counts
// as an error),
// then a paced phase (--messages at --rate per second, round-robin over --senders clients: the room
// allows each connection a burst of 20 and 1 frame/s), then a burst phase (--senders other clients
// send 10 messages each at once). Latency is from just before a sender's write to each receiver's
// frame (the sender included), on this process's clock. Every run must deliver every message to every
// client exactly once, in each sender's order; a run that does not is reported and fails the bench.
// The last line is `fanout clients=N p50_ratio=X p99_ratio=Y connect_ratio=Z`: product ÷ echo,
// within each round, median over rounds (paced phase latency; connect time).

import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import {
  buildProduct,
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
  tail,
  tsxCli,
  waitForHttp,
  wranglerJs,
} from "./lib/proc.mjs";
import { median, percentile, round2 } from "./lib/stats.mjs";

const { values: opt } = parseArgs({
  options: {
    clients: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" },
    messages: { type: "string" },
    rate: { type: "string" },
    senders: { type: "string", default: "10" },
    burst: { type: "string", default: "10" },
    "connect-concurrency": { type: "string", default: "50" },
    port: { type: "string", default: "8794" },
    "raw-port": { type: "string", default: "8795" },
    targets: { type: "string", default: "product,echo,raw" },
    "reuse-state": { type: "boolean", default: false },
    // Profiling aids: measure only the connect phase; count the product ready at the open socket
    // (not at the room's `welcome`) to see the handshake's share. The standard run uses neither.
    "connect-only": { type: "boolean", default: false },
    "product-ready": { type: "string", default: "welcome" },
    // Suffix of the result file (bench/results/<date>-fanout-<N>[-<tag>].json), so trial runs keep the standard one.
    tag: { type: "string" },
  },
});
const N = Number(opt.clients);
const ROUNDS = Number(opt.rounds);
// The performance plan's matrix (§3.1, §4.2): 200 messages at 20/s up to 500 clients, 100 at 10/s beyond.
const M = Number(opt.messages ?? (N >= 1000 ? 100 : 200));
const RATE = Number(opt.rate ?? (N >= 1000 ? 10 : 20));
const S = Number(opt.senders);
const BURST = Number(opt.burst);
const CONNECT_CONCURRENCY = Number(opt["connect-concurrency"]);
const PORT = Number(opt.port);
const RAW_PORT = Number(opt["raw-port"]);
const TARGET_NAMES = opt.targets.split(",");
const CONNECT_ONLY = opt["connect-only"];
if (!["welcome", "open"].includes(opt["product-ready"])) throw new Error("--product-ready is welcome or open");
const WARMUP_MESSAGES = 5;
// Client ids are unique per run: the room acknowledges a known one without storing or sending it again.
const RUN_ID = randomUUID().slice(0, 8);
const PAD = "x".repeat(160); // ~200-byte chat payloads, as in the plan
const RUN_LIMIT_MS = 30 * 60_000;
const PHASE_TIMEOUT_MS = 30_000;

if (!Number.isInteger(N) || N < 2 * S) throw new Error(`--clients must be at least ${2 * S} (2 × --senders)`);
if (!TARGET_NAMES.includes("echo")) throw new Error("the echo room is the reference: keep it in --targets");
// Each product sender spends one token on a warm-up message, then M/S paced frames at RATE/S per
// second; the bucket holds 20 and refills at 1/s (one token is left spare: senders no longer resume).
if (Math.ceil(M / S) > 18 + Math.floor(M / RATE)) throw new Error("too few --senders for the room's rate limit");
if (BURST > 18) throw new Error("--burst must be at most 18 (the room's burst is 20 frames per connection)");

const ROOT = repoRoot();
const STATE = join(ROOT, "bench/.state/fanout");
const LOGS = join(STATE, "logs");
const BUILD = join(STATE, "build");
const MEMBERS = join(STATE, "members.json");
const RESULTS = join(ROOT, "bench/results");
const ENV = childEnv({ WRANGLER_LOG_PATH: LOGS });
const ORIGIN = `http://127.0.0.1:${PORT}`;

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16);
const log = (msg) => console.log(`[fanout ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const TARGETS_BY_NAME = {
  product: {
    name: "product",
    url: (b, lastSeq) => `ws://127.0.0.1:${PORT}/rooms/${b}?lastSeq=${lastSeq}`,
    welcome: opt["product-ready"] === "welcome",
    knowsHead: true,
  },
  echo: { name: "echo", url: (b) => `ws://127.0.0.1:${PORT}/_bench/echo/${b}`, welcome: false },
  // Decomposition probe (opt-in): the echo room plus the product door's room-participation write in D1.
  "echo-participation": {
    name: "echo-participation",
    url: (b) => `ws://127.0.0.1:${PORT}/_bench/echo/${b}?participation=1`,
    welcome: false,
  },
  // The minimal durable room (opt-in): the echo room storing each frame before relaying it, so the
  // output gate holds the relay until the write is durable — the floor of the product's guarantee.
  "echo-durable": {
    name: "echo-durable",
    url: (b) => `ws://127.0.0.1:${PORT}/_bench/echo/${b}?durable=1`,
    welcome: false,
  },
  raw: { name: "raw", url: () => `ws://127.0.0.1:${RAW_PORT}/`, welcome: false },
};

for (const t of opt.targets.split(",")) if (!(t in TARGETS_BY_NAME)) throw new Error(`unknown target ${t}`);

// ---------------------------------------------------------------------------------------------
// Setup

async function prepare() {
  mkdirSync(LOGS, { recursive: true });
  const have = existsSync(MEMBERS) ? JSON.parse(readFileSync(MEMBERS, "utf8")).members.length : 0;
  if (!opt["reuse-state"] || have < N) {
    rmSync(join(STATE, "v3"), { recursive: true, force: true });
    log("fresh local state in bench/.state/fanout: D1 migrations, demo seed");
    await prepareLocalState(STATE, { env: ENV, logPath: join(LOGS, "prepare.log") });
    log(`seeding ${N} residents of one building with sessions`);
    await run(
      "seed members",
      nodeBin(),
      [tsxCli(), "bench/lib/seed-members.ts", join(STATE, "v3"), String(N), MEMBERS],
      {
        env: ENV,
        logPath: join(LOGS, "prepare.log"),
        timeoutMs: 180_000,
      },
    );
  }
  log("building the product Worker (wrangler deploy --dry-run)");
  return buildProduct(BUILD, { env: ENV, logPath: join(LOGS, "build.log") });
}

function startServers(script) {
  const wargs = [wranglerJs(), "dev", script, "--no-bundle", "-c", "wrangler.toml", "--port", String(PORT)];
  wargs.push("--ip", "127.0.0.1", "--persist-to", STATE, "--show-interactive-dev-session=false");
  wargs.push("--inspector-port", String(PORT + 1000)); // not the shared default 9229
  const workerd = start("wrangler dev (fanout)", nodeBin(), wargs, {
    env: ENV,
    logPath: join(LOGS, "server.log"),
    cpu: 1,
  });
  rmSync(join(LOGS, "raw.log"), { force: true }); // readiness is read from this log
  const raw = start("ws-broadcast", nodeBin(), [join(ROOT, "bench/servers/ws-broadcast.mjs"), String(RAW_PORT)], {
    env: ENV,
    logPath: join(LOGS, "raw.log"),
    cpu: 1,
  });
  return { workerd, raw };
}

async function waitForRaw(handle) {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (tail(handle.logPath, 5).includes("listening")) return;
    if (handle.exitStatus()) throw new Error(`raw server exited\n${tail(handle.logPath, 20)}`);
    await sleep(100);
  }
  throw new Error("raw server not ready");
}

// ---------------------------------------------------------------------------------------------
// Clients

/**
 * One measured phase: `count` messages; every client must receive each exactly once, in its sender's
 * order. Arrays are flat and preallocated: the receive path must cost the same for every target.
 */
function newPhase(id, count, senders) {
  return {
    id,
    count,
    senders,
    sentAt: new Float64Array(count),
    firstSend: 0,
    lastRecv: 0,
    expected: count * N,
    received: 0,
    latencies: new Float64Array(count * N),
    seen: new Uint8Array(count * N),
    lastFromSender: new Int32Array(N * senders).fill(-1),
    dup: 0,
    outOfOrder: 0,
    done: null,
  };
}

const MARK = "~fo:";
let phase = null; // the phase being measured; frames of another phase are strays
const strays = { count: 0 };

function onFrame(client, text) {
  const k = text.indexOf(MARK);
  if (k < 0) return client.onControl(text);
  const now = performance.now();
  const colon = text.indexOf(":", k + MARK.length);
  const semi = text.indexOf(";", colon);
  const pid = Number(text.slice(k + MARK.length, colon));
  const i = Number(text.slice(colon + 1, semi));
  const p = phase;
  if (!p || pid !== p.id) {
    strays.count++;
    return;
  }
  const slot = client.index * p.count + i;
  if (p.seen[slot]) {
    p.dup++;
    return;
  }
  p.seen[slot] = 1;
  const sender = i % p.senders;
  const last = p.lastFromSender[client.index * p.senders + sender];
  if (i < last) p.outOfOrder++;
  else p.lastFromSender[client.index * p.senders + sender] = i;
  p.latencies[p.received++] = now - p.sentAt[i];
  p.lastRecv = now;
  if (p.received === p.expected) p.done?.();
}

class Client {
  constructor(target, index, cookie) {
    this.target = target;
    this.index = index;
    this.cookie = cookie;
    this.ws = null;
    this.errors = [];
  }

  /** Resolves when ready: the socket is open (echo, raw) or the room's welcome came (product). */
  open(buildingId, lastSeq) {
    return new Promise((resolve, reject) => {
      const headers = this.target.name === "raw" ? {} : { cookie: this.cookie, origin: ORIGIN };
      const ws = new WebSocket(this.target.url(buildingId, lastSeq), {
        headers,
        perMessageDeflate: false,
        handshakeTimeout: 30_000,
      });
      this.ws = ws;
      this.ready = resolve;
      ws.on("open", () => {
        if (!this.target.welcome) resolve();
      });
      ws.on("message", (data) => onFrame(this, data.toString()));
      ws.on("unexpected-response", (_req, res) => {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      ws.on("error", (e) => reject(e));
      ws.on("close", () => {
        if (this.ws !== ws) return; // an earlier, failed attempt
        this.closed = true;
        this.onClosed?.();
      });
    });
  }

  onControl(text) {
    const m = JSON.parse(text);
    if (m.type === "welcome") {
      // The catch-up (none: lastSeq is the head) and the roster follow in the same step; no `resume`.
      if (this.target.welcome) this.ready?.();
    } else if (m.type === "resync") {
      this.errors.push("RESYNC"); // lastSeq was not a head the room keeps: this client is not live
    } else if (m.type === "error") {
      this.errors.push(m.code);
    }
  }

  send(phaseId, i) {
    const body = `${MARK}${phaseId}:${i}; ${PAD}`;
    this.ws.send(JSON.stringify({ type: "chat.send", clientId: `fo-${RUN_ID}-${phaseId}-${i}`, body }));
  }

  close() {
    if (this.closed || !this.ws) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 10_000);
      this.onClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      this.ws.close();
    });
  }
}

async function connectAll(target, members, buildingId, lastSeq) {
  const clients = members.slice(0, N).map((m, i) => new Client(target, i, `__Host-quartier_session=${m.token}`));
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  async function worker() {
    while (next < clients.length) {
      const c = clients[next++];
      for (let attempt = 0; ; attempt++) {
        try {
          await c.open(buildingId, lastSeq);
          break;
        } catch (e) {
          failures++;
          if (attempt >= 2) throw new Error(`${target.name}: client ${c.index} could not connect: ${e.message}`);
          await sleep(200);
        }
      }
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  return { clients, connectMs: performance.now() - t0, failures };
}

/** Sends `count` messages at `rate` per second (0 = all at once) from `senders`, waits for delivery. */
async function runPhase(clients, id, count, rate, senders, senderOffset) {
  const p = newPhase(id, count, senders);
  const delivered = new Promise((resolve) => {
    p.done = resolve;
  });
  phase = p;
  p.firstSend = performance.now();
  for (let i = 0; i < count; i++) {
    if (rate > 0) {
      const due = p.firstSend + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    p.sentAt[i] = performance.now();
    clients[senderOffset + (i % senders)].send(id, i);
  }
  const timedOut = await Promise.race([delivered.then(() => false), sleep(PHASE_TIMEOUT_MS).then(() => true)]);
  phase = null;
  const lat = p.latencies.subarray(0, p.received).sort();
  const wallMs = p.lastRecv - p.firstSend;
  return {
    messages: count,
    deliveries: p.received,
    lost: p.expected - p.received,
    duplicated: p.dup,
    outOfOrder: p.outOfOrder,
    timedOut,
    p50: percentile(lat, 0.5),
    p90: percentile(lat, 0.9),
    p99: percentile(lat, 0.99),
    max: lat.length ? lat[lat.length - 1] : Number.NaN,
    mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : Number.NaN,
    deliveriesPerS: wallMs > 0 ? (p.received * 1000) / wallMs : Number.NaN,
    wallMs,
  };
}

let phaseCounter = 0;

/** The workerd server's process group (set once started): its CPU time is read around each connect wave. */
let serverGroup = null;
const TICK_MS = 1000 / 100; // USER_HZ on Linux

/**
 * CPU time (user + system, ms) of every process in a process group, from /proc: on a shared host this
 * is steadier than wall-clock time, since waiting for the CPU costs none. Null where /proc is missing.
 */
function groupCpuMs(pgid) {
  if (pgid === null || !existsSync("/proc/self/stat")) return null;
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp … utime(14) stime(15).
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MS;
}

/** A phase not run (`--connect-only`): nothing lost, no latencies. */
const skipped = () => ({
  messages: 0,
  deliveries: 0,
  lost: 0,
  duplicated: 0,
  outOfOrder: 0,
  timedOut: false,
  p50: Number.NaN,
  p90: Number.NaN,
  p99: Number.NaN,
  max: Number.NaN,
  mean: Number.NaN,
  deliveriesPerS: Number.NaN,
  wallMs: 0,
});

/**
 * The room's head as the web app learns it on its first load (a history page over HTTP, `headSeq`):
 * product clients name it as their `lastSeq` in the upgrade URL. Nothing writes during a connect wave.
 */
async function roomHead(members, buildingId) {
  const res = await fetch(`${ORIGIN}/api/buildings/${buildingId}/chat?limit=1`, {
    headers: { cookie: `__Host-quartier_session=${members[0].token}`, origin: ORIGIN },
  });
  if (!res.ok) throw new Error(`room head: HTTP ${res.status}`);
  const { headSeq } = await res.json();
  if (!Number.isInteger(headSeq)) throw new Error("room head: no headSeq");
  return headSeq;
}

async function measure(target, round, members, buildingId) {
  const head = target.knowsHead ? await roomHead(members, buildingId) : null;
  const cpuBefore = target.name === "raw" ? null : groupCpuMs(serverGroup);
  const { clients, connectMs, failures } = await connectAll(target, members, buildingId, head);
  try {
    await sleep(500); // rosters sent, sockets settled
    // Server CPU spent on the connect wave (and what it left to do within the settling pause).
    const cpuAfter = cpuBefore === null ? null : groupCpuMs(serverGroup);
    const connectCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    // Warm-up (not recorded): the first frames after a connect wave take the cold paths.
    if (!CONNECT_ONLY) await runPhase(clients, ++phaseCounter, WARMUP_MESSAGES, 10, S, 0);
    const paced = CONNECT_ONLY ? skipped() : await runPhase(clients, ++phaseCounter, M, RATE, S, 0);
    const burst = CONNECT_ONLY ? skipped() : await runPhase(clients, ++phaseCounter, S * BURST, 0, S, S);
    const errors = clients.flatMap((c) => c.errors);
    const r = { target: target.name, round, connectMs, connectCpuMs, connectFailures: failures, paced, burst, errors };
    const cpu = connectCpuMs === null ? "" : ` (server CPU ${connectCpuMs.toFixed(0)} ms)`;
    log(
      `  ${target.name.padEnd(7)} r${round} connect ${connectMs.toFixed(0).padStart(5)} ms${cpu} · paced p50 ` +
        `${paced.p50.toFixed(2)} p99 ${paced.p99.toFixed(2)} ms · burst ${Math.round(burst.deliveriesPerS)} ` +
        `deliveries/s p50 ${burst.p50.toFixed(1)} ms` +
        (problems(r) ? ` · PROBLEMS: ${problems(r)}` : ""),
    );
    return r;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await sleep(300);
  }
}

function problems(r) {
  const out = [];
  for (const [name, ph] of [
    ["paced", r.paced],
    ["burst", r.burst],
  ]) {
    if (ph.lost) out.push(`${name} lost ${ph.lost}`);
    if (ph.duplicated) out.push(`${name} duplicated ${ph.duplicated}`);
    if (ph.outOfOrder) out.push(`${name} out of order ${ph.outOfOrder}`);
  }
  if (r.errors.length) out.push(`errors ${[...new Set(r.errors)].join(",")} ×${r.errors.length}`);
  return out.join(", ");
}

// ---------------------------------------------------------------------------------------------
// Summary

function summarise(results) {
  const measured = results.filter((r) => r.round > 0);
  const rounds = [...new Set(measured.map((r) => r.round))];
  const find = (t, round) => measured.find((r) => r.target === t && r.round === round);
  const rows = [];
  for (const t of TARGET_NAMES) {
    const per = measured.filter((r) => r.target === t);
    const med = (f) => round2(median(per.map(f)));
    const ratio = (f) => round2(median(rounds.map((rd) => f(find(t, rd)) / f(find("echo", rd)))));
    rows.push({
      target: t,
      rounds: per.length,
      connectMs: med((r) => r.connectMs),
      p50: med((r) => r.paced.p50),
      p90: med((r) => r.paced.p90),
      p99: med((r) => r.paced.p99),
      max: med((r) => r.paced.max),
      burstDeliveriesPerS: Math.round(median(per.map((r) => r.burst.deliveriesPerS))),
      burstP50: med((r) => r.burst.p50),
      burstP99: med((r) => r.burst.p99),
      p50Range: [Math.min(...per.map((r) => r.paced.p50)), Math.max(...per.map((r) => r.paced.p50))].map(round2),
      p99Range: [Math.min(...per.map((r) => r.paced.p99)), Math.max(...per.map((r) => r.paced.p99))].map(round2),
      connectRange: [Math.min(...per.map((r) => r.connectMs)), Math.max(...per.map((r) => r.connectMs))].map(round2),
      p50Ratio: ratio((r) => r.paced.p50),
      p99Ratio: ratio((r) => r.paced.p99),
      connectRatio: ratio((r) => r.connectMs),
      connectCpuMs: t === "raw" ? null : med((r) => r.connectCpuMs),
      connectCpuRatio: t === "raw" ? null : ratio((r) => r.connectCpuMs),
      throughputRatio: ratio((r) => r.burst.deliveriesPerS),
    });
  }
  return rows;
}

function table(rows) {
  const lines = [
    "| target | connect ms | connect server CPU ms | p50 ms | p90 ms | p99 ms | burst deliveries/s | burst p50 / p99 ms | ÷ echo: p50 | p99 | connect | connect CPU | burst/s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.target} | ${r.connectMs} | ${r.connectCpuMs ?? "–"} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.burstDeliveriesPerS} | ` +
        `${r.burstP50} / ${r.burstP99} | ${r.p50Ratio} | ${r.p99Ratio} | ${r.connectRatio} | ${r.connectCpuRatio ?? "–"} | ${r.throughputRatio} |`,
    );
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  const loadStart = os.loadavg();
  log(
    `clients=${N} rounds=${ROUNDS} paced=${M}@${RATE}/s senders=${S} burst=${S}×${BURST} ` +
      `connect-concurrency=${CONNECT_CONCURRENCY} taskset=${hasTaskset() ? "servers cpu1, client cpu0" : "unavailable"}`,
  );
  for (const port of [PORT, RAW_PORT]) if (!(await portFree(port))) throw new Error(`port ${port} is in use`);
  const script = await prepare();
  const { members, buildingId } = JSON.parse(readFileSync(MEMBERS, "utf8"));
  const servers = startServers(script);
  serverGroup = servers.workerd.pid; // started detached: its own process group
  const pinned = pinSelf(0);
  const results = [];
  try {
    await waitForHttp(servers.workerd, { port: PORT, path: "/api/me", status: 401, timeoutMs: 120_000 });
    await waitForRaw(servers.raw);
    const order = TARGET_NAMES.map((t) => TARGETS_BY_NAME[t]);
    for (let round = 0; round <= ROUNDS; round++) {
      log(round === 0 ? "warm-up round (discarded)" : `round ${round}/${ROUNDS}`);
      // Rotate the order every round, so drift does not favour one target.
      const rotated = order.map((_, i) => order[(i + round) % order.length]);
      for (const target of rotated) results.push(await measure(target, round, members, buildingId));
    }
  } finally {
    await stop(servers.raw);
    await stop(servers.workerd);
  }
  const rows = summarise(results);
  const failed = results.filter((r) => r.round > 0 && problems(r));
  const product = rows.find((r) => r.target === "product");
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(RESULTS, { recursive: true });
  const tag = opt.tag ?? (CONNECT_ONLY ? "connect" : "");
  const out = join(RESULTS, `${date}-fanout-${N}${tag ? `-${tag.replace(/[^\w.-]/g, "_")}` : ""}.json`);
  const version = (p) => JSON.parse(readFileSync(join(ROOT, "node_modules", p, "package.json"), "utf8")).version;
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        bench: "fanout",
        at: new Date().toISOString(),
        durationS: Math.round((Date.now() - t0) / 1000),
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          loadavgStart: loadStart.map(round2),
          loadavgEnd: os.loadavg().map(round2),
          pinning: pinned ? { servers: 1, client: 0 } : null,
        },
        versions: {
          node: process.version,
          wrangler: version("wrangler"),
          partyserver: version("partyserver"),
          ws: version("ws"),
        },
        bundle: { bytes: statSync(script).size, sha256: sha256(script) },
        method: {
          clients: N,
          rounds: ROUNDS,
          messages: M,
          rate: RATE,
          senders: S,
          burst: BURST,
          CONNECT_CONCURRENCY,
          connectOnly: CONNECT_ONLY,
          productReady: opt["product-ready"],
        },
        table: rows,
        runs: results,
        strays: strays.count,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\n${table(rows)}\n`);
  log(`results: ${out.slice(ROOT.length + 1)} (${Math.round((Date.now() - t0) / 1000)} s)`);
  if (failed.length) {
    for (const r of failed) log(`FAILED ${r.target} r${r.round}: ${problems(r)}`);
    process.exitCode = 1;
  }
  log(
    `connect server CPU: product ${product?.connectCpuMs} ms, ratio ${product?.connectCpuRatio} (median over rounds)`,
  );
  if (TARGET_NAMES.includes("echo-durable") && TARGET_NAMES.includes("product")) {
    // The durable floor: what storing each frame before relaying it costs by itself, and the product
    // against that minimal durable room (per-round ratios, median over rounds).
    const measured = results.filter((r) => r.round > 0);
    const per = (a, b, f) =>
      round2(
        median(
          [...new Set(measured.map((r) => r.round))].map((rd) => {
            const x = measured.find((r) => r.target === a && r.round === rd);
            const y = measured.find((r) => r.target === b && r.round === rd);
            return f(x) / f(y);
          }),
        ),
      );
    const p50 = (r) => r.paced.p50;
    const p99 = (r) => r.paced.p99;
    log(
      `durable floor: echo-durable ÷ echo p50 ${per("echo-durable", "echo", p50)} p99 ${per("echo-durable", "echo", p99)}; ` +
        `product ÷ echo-durable p50 ${per("product", "echo-durable", p50)} p99 ${per("product", "echo-durable", p99)}`,
    );
  }
  console.log(
    `fanout clients=${N} p50_ratio=${product?.p50Ratio} p99_ratio=${product?.p99Ratio} connect_ratio=${product?.connectRatio}`,
  );
}

await runGuarded("fanout", RUN_LIMIT_MS, main, () => rmSync(BUILD, { recursive: true, force: true }));
