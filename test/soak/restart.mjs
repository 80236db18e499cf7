// Restart soak (issue 4, "How it is checked"): the local runtime is killed (SIGKILL of wrangler's
// whole process group, workerd included) while residents write in a building room, and started
// again on the same persisted state, over and over. Every client reconnects with `resume {lastSeq}`
// and resends its unacknowledged writes with the same client id. At the end, what each client
// received and what it was told (acks) is compared with what the room stores (HTTP history, and a
// final catch-up over the WebSocket).
//
//   node test/soak/restart.mjs [--restarts 20] [--port 8789] [--clients 4]   (npm run test:soak)
//   npm run bench:soak                                                       (100 restarts)
//
// Own state (.wrangler/soak-state, fresh each run: migrations + demo seed), own port, and the product
// built once (`wrangler deploy --dry-run`) and served with `--no-bundle`, so edits to src/ during the
// run cannot reload it. Counted, and all must be 0:
// - lost: an acknowledged (or sent, then resent until acknowledged) write that is not stored; an
//   event stored in the room that a client never received; a room whose head went backwards.
// - duplicated: a write stored more than once; an event (seq or entity) delivered twice to a client;
//   a write acknowledged with two different sequence numbers.
// - out_of_order: sequence numbers not strictly increasing on a connection or across one client's
//   resumes; a sequence number that carries a different event for two clients or in the final
//   catch-up.
// Only events that everyone sees (posts, chat) are compared: sequence numbers may skip private
// events of others. The last line is `soak restarts=N writes=W lost=0 duplicated=0 out_of_order=0`;
// the exit code is non-zero if any count is > 0 or fewer restarts than asked were made.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { request } from "../../bench/lib/load.mjs";
import {
  buildProduct,
  childEnv,
  kill,
  nodeBin,
  portFree,
  prepareLocalState,
  repoRoot,
  runGuarded,
  start,
  stop,
  waitForHttp,
  wranglerJs,
} from "../../bench/lib/proc.mjs";

const { values: opt } = parseArgs({
  options: {
    restarts: { type: "string", default: "20" },
    port: { type: "string", default: "8789" },
    clients: { type: "string", default: "4" },
    state: { type: "string", default: ".wrangler/soak-state" },
  },
});
const RESTARTS = Number(opt.restarts);
const PORT = Number(opt.port);
const CLIENTS = Number(opt.clients);
const ROOT = repoRoot();
const STATE = join(ROOT, opt.state);
const LOGS = join(STATE, "logs");
const BUILD = join(STATE, "build");
const ENV = childEnv({ WRANGLER_LOG_PATH: LOGS });
// About 12 s per restart on 2 CPUs (kill, start, reconnect, write); the rest is setup and checks.
const RUN_LIMIT_MS = 120_000 + RESTARTS * 25_000;

const BUILDING = "demo-ch-building-1"; // Limmatstrasse 12: anna and beat live there; the staff manage it
const ACCOUNTS = ["anna", "beat", "manager", "admin"].map((n) => `${n}@demo.quartier.test`);
const PASSWORD = "quartier-demo";
const COOKIE = "__Host-quartier_session";
const ORIGIN = `http://127.0.0.1:${PORT}`;
const WRITE_EVERY_MS = 400; // per client; the room allows a burst of 20 and 1 frame/s per connection
const RESEND_AFTER_MS = 2_500; // an unacknowledged write is sent again on the same connection
const BODY_PREFIX = "soak ";

const t0 = Date.now();
const log = (msg) => console.log(`[soak ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

/** One resident's client: a WebSocket that comes back after every restart and remembers everything. */
class Client {
  constructor(name, cookie) {
    this.name = name;
    this.cookie = cookie;
    this.ws = null;
    this.live = false; // `resume` sent on the current connection
    this.stopped = false;
    this.lastSeq = 0; // highest sequence number seen over all connections
    this.connLastSeq = 0; // highest on the current connection
    this.connections = 0;
    this.seen = new Set(); // every sequence number received, over the client's lifetime
    this.events = new Map(); // seq -> entity id (posts and chat)
    this.entities = new Map(); // entity id -> times received
    this.writes = new Map(); // clientId -> { type, body, sentAt, ackSeq }
    this.pending = new Set(); // clientIds not yet acknowledged, in send order
    this.counter = 0;
    this.n = { outOfOrder: 0, dupEvents: 0, dupAcks: 0, headBehind: 0, resyncs: 0, errors: 0, rateLimited: 0 };
    this.errorSamples = [];
    this.onWrite = () => undefined;
  }

  connect() {
    if (this.stopped) return;
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}/rooms/${BUILDING}`, {
      headers: { cookie: this.cookie, origin: ORIGIN },
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    this.live = false;
    this.connLastSeq = 0;
    ws.on("message", (data) => this.onFrame(JSON.parse(data.toString())));
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      ws.terminate();
    });
    ws.on("error", () => undefined); // followed by close
    ws.on("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      if (!this.stopped) setTimeout(() => this.connect(), 150 + Math.random() * 200);
    });
  }

  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  onFrame(m) {
    if (m.type === "welcome") {
      this.connections++;
      if (m.headSeq < this.lastSeq) this.n.headBehind++; // the room forgot events we saw
      this.send({ type: "resume", lastSeq: this.lastSeq });
      this.live = true;
      // Resend everything unacknowledged, oldest first, with the same client ids.
      for (const id of this.pending) this.sendWrite(id);
    } else if (m.type === "event") {
      this.onEvent(m.seq, m.event);
    } else if (m.type === "ack") {
      const w = this.writes.get(m.clientId);
      if (!w) return this.fail(`ack for unknown ${m.clientId}`);
      if (w.ackSeq !== null && w.ackSeq !== m.seq) this.n.dupAcks++;
      w.ackSeq = m.seq;
      this.pending.delete(m.clientId);
    } else if (m.type === "resync") {
      this.n.resyncs++;
      this.fail(`resync at head ${m.headSeq} (client at ${this.lastSeq})`);
    } else if (m.type === "error") {
      if (m.code === "RATE_LIMITED") this.n.rateLimited++;
      else if (m.code === "INTERNAL" && m.clientId && this.writes.has(m.clientId)) this.sendWrite(m.clientId);
      else this.fail(`error ${m.code}: ${m.message}`);
    }
  }

  onEvent(seq, event) {
    if (this.seen.has(seq)) {
      this.n.dupEvents++; // the same sequence number delivered twice (on one connection or after a resume)
      return;
    }
    if (seq <= this.connLastSeq || seq <= this.lastSeq) this.n.outOfOrder++; // older than one already seen
    this.seen.add(seq);
    this.connLastSeq = Math.max(this.connLastSeq, seq);
    this.lastSeq = Math.max(this.lastSeq, seq);
    const entity = entityOf(event);
    if (!entity) return; // not an event this soak writes
    this.events.set(seq, entity);
    const times = (this.entities.get(entity) ?? 0) + 1;
    if (times > 1) this.n.dupEvents++; // the same post or message under two sequence numbers
    this.entities.set(entity, times);
  }

  fail(what) {
    this.n.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(what);
  }

  /** A new write (post or chat, alternately) with a fresh client id. */
  write() {
    if (!this.live) return;
    const clientId = `soak-${this.name}-${String(++this.counter).padStart(6, "0")}`;
    const type = this.counter % 2 ? "chat.send" : "post.create";
    this.writes.set(clientId, { type, body: `${BODY_PREFIX}${clientId}`, sentAt: 0, sends: 0, ackSeq: null });
    this.pending.add(clientId);
    this.sendWrite(clientId);
    this.onWrite();
  }

  sendWrite(clientId) {
    const w = this.writes.get(clientId);
    if (!w || !this.live) return;
    w.sentAt = Date.now();
    w.sends++;
    this.send({ type: w.type, clientId, body: w.body });
  }

  /** Resends writes that got no answer on this connection (e.g. refused by the rate limit). */
  resendStale(now) {
    if (!this.live) return;
    for (const id of this.pending) {
      const w = this.writes.get(id);
      if (w && now - w.sentAt > RESEND_AFTER_MS) this.sendWrite(id);
    }
  }

  close() {
    this.stopped = true;
    this.ws?.close();
  }
}

/** The id of the post or chat message an event creates (its body carries the writing client id). */
function entityOf(event) {
  if (event.kind === "post.created") return `post:${event.post.id}`;
  if (event.kind === "chat.posted") return `chat:${event.message.id}`;
  return null;
}

async function login(email) {
  const body = JSON.stringify({ email, password: PASSWORD });
  const r = await request({
    port: PORT,
    path: "/api/auth/login",
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    body,
    timeoutMs: 20_000,
  });
  if (r.status !== 200) throw new Error(`login ${email}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  const line = [].concat(r.headers["set-cookie"] ?? []).find((c) => c.startsWith(`${COOKIE}=`));
  if (!line) throw new Error(`login ${email}: no session cookie`);
  return line.split(";")[0];
}

/** Every stored post or chat message of the building, through the HTTP history (all pages). */
async function storedItems(cookie, kind) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 1_000; page++) {
    const path = `/api/buildings/${BUILDING}/${kind}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const r = await request({ port: PORT, path, headers: { cookie }, timeoutMs: 20_000 });
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    const body = JSON.parse(r.text);
    items.push(...body.items.map((i) => ({ entity: `${kind === "posts" ? "post" : "chat"}:${i.id}`, body: i.body })));
    cursor = body.next;
    if (!cursor) return items;
  }
  throw new Error(`${kind}: more than 1000 pages`);
}

/** A last connection that resumes from `from` and collects the catch-up (seq -> entity, in order). */
function finalCatchUp(cookie, from) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}/rooms/${BUILDING}`, { headers: { cookie, origin: ORIGIN } });
    const seqs = [];
    let head = null;
    const timer = setTimeout(() => reject(new Error("final catch-up timed out")), 30_000);
    const finish = () => {
      clearTimeout(timer);
      ws.close();
      resolve({ head, seqs });
    };
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === "welcome") {
        head = m.headSeq;
        ws.send(JSON.stringify({ type: "resume", lastSeq: from }));
        if (head <= from) finish();
      } else if (m.type === "event") {
        seqs.push({ seq: m.seq, entity: entityOf(m.event) });
        if (m.seq >= head) finish();
      } else if (m.type === "resync") {
        clearTimeout(timer);
        ws.close();
        reject(new Error(`final catch-up from ${from}: resync at ${m.headSeq}`));
      }
    });
    ws.on("error", reject);
  });
}

function startServer(script, i) {
  return start(
    `wrangler dev (soak ${i})`,
    nodeBin(),
    [
      wranglerJs(),
      "dev",
      script,
      "--no-bundle",
      "-c",
      "wrangler.toml",
      "--port",
      String(PORT),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      STATE,
      "--show-interactive-dev-session=false",
      // Its own devtools port: two wrangler dev starting at once may otherwise both pick the same free one.
      "--inspector-port",
      String(PORT + 1000),
    ],
    { env: ENV, logPath: join(LOGS, "server.log") },
  );
}

/** Starts the server and waits until the Worker answers; a start that fails is tried again (3×). */
async function startReady(script, i) {
  for (let attempt = 1; ; attempt++) {
    const server = startServer(script, i);
    try {
      await waitForHttp(server, { port: PORT, path: "/api/me", status: 401, timeoutMs: 90_000 });
      return server;
    } catch (e) {
      await kill(server);
      if (attempt >= 3) throw e;
      log(`start ${i} failed, trying again: ${e.message.split("\n").find((l) => l.includes("ERROR")) ?? e.message}`);
    }
  }
}

async function until(what, cond, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function main() {
  if (!(await portFree(PORT))) throw new Error(`port ${PORT} is in use (pass --port)`);
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  log(`restarts=${RESTARTS} clients=${CLIENTS} port=${PORT} state=${opt.state}`);
  await prepareLocalState(STATE, { env: ENV, logPath: join(LOGS, "setup.log") });
  const script = await buildProduct(BUILD, { env: ENV, logPath: join(LOGS, "build.log") });
  log("state prepared and product built");

  let server = await startReady(script, 0);
  // One login per account per run (logins are throttled per IP); the sessions live in D1 and
  // outlast every restart.
  const cookies = [];
  for (let i = 0; i < CLIENTS; i++) cookies.push(await login(ACCOUNTS[i % ACCOUNTS.length]));
  const clients = cookies.map((c, i) => new Client(`${ACCOUNTS[i % ACCOUNTS.length].split("@")[0]}${i}`, c));

  let killArmed = false;
  let killNow = null;
  for (const c of clients) {
    c.onWrite = () => {
      if (killArmed) {
        killArmed = false;
        // Mid-write: within a few ms of a client sending a write (often before the room has it).
        setTimeout(() => killNow?.(), Math.random() * 15);
      }
    };
    c.connect();
  }
  const writer = setInterval(() => {
    const now = Date.now();
    for (const c of clients) {
      c.resendStale(now);
      if (Math.random() < 0.9) c.write();
    }
  }, WRITE_EVERY_MS);
  const allLive = () => clients.every((c) => c.live);

  const restartMs = [];
  let inFlightAtKills = 0; // writes sent but not yet acknowledged when the runtime was killed
  const soakStart = Date.now();
  let restarts = 0;
  try {
    for (let i = 1; i <= RESTARTS; i++) {
      await until("every client to reconnect", allLive, 60_000);
      await sleep(1_000 + Math.random() * 2_500); // writing, catch-ups, resends
      const killed = new Promise((resolve) => {
        killNow = resolve;
      });
      killArmed = true;
      await Promise.race([killed, sleep(3_000)]);
      killArmed = false;
      killNow = null;
      inFlightAtKills += clients.reduce((s, c) => s + c.pending.size, 0);
      const k0 = Date.now();
      await kill(server);
      server = await startReady(script, i);
      restartMs.push(Date.now() - k0);
      restarts = i;
      if (i % 5 === 0 || i === RESTARTS) {
        const writes = clients.reduce((s, c) => s + c.writes.size, 0);
        log(`restart ${i}/${RESTARTS}: back in ${restartMs.at(-1)} ms, ${writes} writes so far`);
      }
    }
    const soakMs = Date.now() - soakStart;

    // Drain: no new writes; everything unacknowledged is resent until acknowledged.
    clearInterval(writer);
    await until("every client to reconnect", allLive, 60_000);
    const drain = setInterval(() => {
      const now = Date.now();
      for (const c of clients) c.resendStale(now);
    }, 500);
    try {
      await until("every write to be acknowledged", () => clients.every((c) => c.pending.size === 0), 60_000);
      const maxAck = Math.max(0, ...clients.flatMap((c) => [...c.writes.values()].map((w) => w.ackSeq ?? 0)));
      await until("every client to see the last event", () => clients.every((c) => c.lastSeq >= maxAck), 30_000);
    } finally {
      clearInterval(drain);
    }
    for (const c of clients) c.close();

    // What the room stores.
    const stored = [...(await storedItems(cookies[0], "posts")), ...(await storedItems(cookies[0], "chat"))];
    const head = Math.max(...clients.map((c) => c.lastSeq));
    const from = Math.max(0, head - 1_000); // the room sends at most 1,000 events per catch-up
    const final = await finalCatchUp(cookies[0], from);
    await stop(server);

    // Writes.
    const storedCount = new Map();
    for (const s of stored) {
      if (!s.body.startsWith(BODY_PREFIX)) continue;
      const id = s.body.slice(BODY_PREFIX.length);
      storedCount.set(id, (storedCount.get(id) ?? 0) + 1);
    }
    const allWrites = clients.flatMap((c) => [...c.writes.entries()]);
    let lostWrites = 0;
    let dupWrites = 0;
    let unacked = 0;
    for (const [id, w] of allWrites) {
      const n = storedCount.get(id) ?? 0;
      if (w.ackSeq === null) unacked++;
      if (n === 0) lostWrites++;
      if (n > 1) dupWrites += n - 1;
    }
    const strangers = [...storedCount.keys()].filter((id) => !allWrites.some(([k]) => k === id)).length;

    // Events: every stored post and message reached every client, once.
    const storedEntities = new Set(stored.map((s) => s.entity));
    let lostEvents = 0;
    for (const c of clients) for (const e of storedEntities) if (!c.entities.has(e)) lostEvents++;
    // Every client saw the same event at the same sequence number, and so does the final catch-up.
    let misordered = 0;
    const bySeq = new Map();
    for (const c of clients) {
      for (const [seq, e] of c.events) {
        const other = bySeq.get(seq);
        if (other === undefined) bySeq.set(seq, e);
        else if (other !== e) misordered++;
      }
    }
    let prev = from;
    for (const { seq, entity } of final.seqs) {
      if (seq <= prev) misordered++;
      prev = seq;
      const seen = bySeq.get(seq);
      if (entity && seen !== undefined && seen !== entity) misordered++;
    }
    // Received events that are not stored: an event for a write the room then forgot.
    let phantom = 0;
    for (const e of new Set(clients.flatMap((c) => [...c.entities.keys()]))) if (!storedEntities.has(e)) phantom++;

    const sum = (k) => clients.reduce((s, c) => s + c.n[k], 0);
    const lost = lostWrites + lostEvents + phantom + sum("headBehind") + sum("resyncs");
    const duplicated = dupWrites + sum("dupEvents") + sum("dupAcks");
    const outOfOrder = sum("outOfOrder") + misordered;
    const errors = sum("errors");
    restartMs.sort((a, b) => a - b);
    log(
      `soak phase ${(soakMs / 1000).toFixed(0)} s for ${restarts} restarts; restart to ready ` +
        `p50 ${restartMs[Math.floor(restartMs.length / 2)]} ms, max ${restartMs.at(-1)} ms`,
    );
    const resent = allWrites.filter(([, w]) => w.sends > 1).length;
    log(`writes unacknowledged at the kills: ${inFlightAtKills} in total; writes sent more than once: ${resent}`);
    log(
      `writes ${allWrites.length} (unacked at end ${unacked}), stored ${stored.length} ` +
        `(foreign ${strangers}), head seq ${head}, final catch-up from ${from}: ${final.seqs.length} events`,
    );
    log(
      `lost: writes ${lostWrites}, events ${lostEvents}, phantom ${phantom}, head behind ${sum("headBehind")}, ` +
        `resyncs ${sum("resyncs")} · duplicated: writes ${dupWrites}, events ${sum("dupEvents")}, ` +
        `acks ${sum("dupAcks")} · out of order: ${sum("outOfOrder")} + ${misordered} · ` +
        `rate-limited ${sum("rateLimited")} · connections ${clients.reduce((s, c) => s + c.connections, 0)}`,
    );
    for (const c of clients) for (const e of c.errorSamples) log(`${c.name}: ${e}`);
    console.log(
      `soak restarts=${restarts} writes=${allWrites.length} lost=${lost} duplicated=${duplicated} out_of_order=${outOfOrder}`,
    );
    const ok =
      lost === 0 &&
      duplicated === 0 &&
      outOfOrder === 0 &&
      errors === 0 &&
      unacked === 0 &&
      restarts >= RESTARTS &&
      RESTARTS >= 20;
    return ok ? 0 : 1;
  } finally {
    clearInterval(writer);
    for (const c of clients) c.close();
  }
}

process.exit(
  (await runGuarded("soak", RUN_LIMIT_MS, main, () => rmSync(BUILD, { recursive: true, force: true }))) ?? 1,
);
