import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  type MessageBatchMessage,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { AccessLogEntry } from "../../src/services/access-log";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { ORIGIN_OF, sessionFrom } from "../helpers/http";
import { listKeys } from "../helpers/scan";

// R-P9: one access-log line per request (time, method, route template, status, IP, user agent,
// referrer without query) to the jurisdiction's queue; the consumer writes hourly NDJSON objects
// to the jurisdiction's bucket. Never user ids, session tokens, e-mails, bodies or query strings.

const handler: ExportedHandler<Env> = worker;
const ENTRY_KEYS = ["app", "ip", "method", "ms", "ref", "route", "status", "t", "ua"];

afterEach(() => {
  vi.restoreAllMocks();
});

interface Sent {
  ch: AccessLogEntry[];
  eu: AccessLogEntry[];
}

/** Captures what the middleware sends to both queues (without enqueueing it). */
function captureQueues(): Sent {
  const sent: Sent = { ch: [], eu: [] };
  const accepted: QueueSendResponse = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
  vi.spyOn(env.ACCESS_LOG_CH, "send").mockImplementation(async (body) => {
    sent.ch.push(body as AccessLogEntry);
    return accepted;
  });
  vi.spyOn(env.ACCESS_LOG_EU, "send").mockImplementation(async (body) => {
    sent.eu.push(body as AccessLogEntry);
    return accepted;
  });
  return sent;
}

/** Calls the Worker's fetch with an execution context of our own and waits for its waitUntil work. */
async function fetchWorker(w: World, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const origin = ORIGIN_OF(w.slug);
  const headers = new Headers(init.headers);
  headers.set("host", new URL(origin).host);
  if (init.method && init.method !== "GET") headers.set("origin", origin);
  const ctx = createExecutionContext();
  // The Worker's fetch is Hono's, which takes any standard Request.
  const res = await worker.fetch(new Request(`${origin}${path}`, { ...init, headers }), env, ctx);
  if (!res) throw new Error("the Worker has no fetch handler");
  await waitOnExecutionContext(ctx);
  return res;
}

async function login(w: World, email: string): Promise<string> {
  const res = await fetchWorker(w, "/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `198.18.0.${Math.floor(Math.random() * 250)}` },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const token = sessionFrom(res);
  if (!token) throw new Error("no session cookie");
  return token;
}

function expectClean(entry: AccessLogEntry, forbidden: string[]) {
  expect(Object.keys(entry).sort()).toEqual(ENTRY_KEYS);
  const text = JSON.stringify(entry).toLowerCase();
  for (const f of forbidden) expect(text, `access-log entry contains ${f}`).not.toContain(f.toLowerCase());
}

describe("the middleware's entry (producer half)", () => {
  it("sends exactly one entry per request, with the route template and never ids, tokens or query strings", async () => {
    const w = await makeWorld({ jurisdiction: "ch" });
    const session = await login(w, w.emails.resident);
    const sent = captureQueues();
    const before = Date.now();
    const res = await fetchWorker(
      w,
      `/api/buildings/${w.buildingIds[0]}?token=QUERY-SECRET-123&email=canary@example.test`,
      {
        headers: {
          cookie: `__Host-quartier_session=${session}`,
          "cf-connecting-ip": "203.0.113.7",
          "user-agent": "QuartierTest/1.0 (access-log)",
          referer: `${ORIGIN_OF(w.slug)}/reset-password?token=REFERRER-SECRET-456#fragment-secret`,
        },
      },
    );
    expect(res.status).toBe(200);
    expect(sent.eu).toEqual([]);
    expect(sent.ch).toHaveLength(1);
    const [entry] = sent.ch;
    if (!entry) throw new Error("no entry");
    expect(entry).toMatchObject({
      app: w.slug,
      method: "GET",
      route: "/api/buildings/:buildingId",
      status: 200,
      ip: "203.0.113.7",
      ua: "QuartierTest/1.0 (access-log)",
      ref: `${ORIGIN_OF(w.slug)}/reset-password`,
    });
    expect(typeof entry.ms).toBe("number");
    const t = Date.parse(entry.t);
    expect(entry.t).toBe(new Date(t).toISOString());
    expect(t).toBeGreaterThanOrEqual(before - 1000);
    expect(t).toBeLessThanOrEqual(Date.now());
    expectClean(entry, [
      w.buildingIds[0],
      w.userIds.resident,
      w.emails.resident,
      session,
      "QUERY-SECRET-123",
      "REFERRER-SECRET-456",
      "fragment-secret",
      "canary",
      "token=",
      "?",
    ]);
  });

  it("logs a login without its body, query token, e-mail or the new session token", async () => {
    const w = await makeWorld({ jurisdiction: "ch" });
    const sent = captureQueues();
    const canary = `canary-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const failed = await fetchWorker(w, "/api/auth/login?token=LOGIN-QUERY-SECRET", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.8" },
      body: JSON.stringify({ email: canary, password: "canary password 789" }),
    });
    expect(failed.status).toBe(401);
    const ok = await fetchWorker(w, "/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" },
      body: JSON.stringify({ email: w.emails.neighbour, password: PASSWORD }),
    });
    expect(ok.status).toBe(200);
    const token = sessionFrom(ok) ?? "missing-token";
    expect(sent.ch.map((e) => [e.method, e.route, e.status])).toEqual([
      ["POST", "/api/auth/login", 401],
      ["POST", "/api/auth/login", 200],
    ]);
    for (const entry of sent.ch) {
      expectClean(entry, [
        canary,
        "canary password",
        "LOGIN-QUERY-SECRET",
        w.emails.neighbour,
        w.userIds.neighbour,
        token,
        PASSWORD,
      ]);
    }
  });

  it("logs an unknown path as (unmatched), never the raw path", async () => {
    const w = await makeWorld({ jurisdiction: "ch" });
    const sent = captureQueues();
    const secret = `raw-path-${crypto.randomUUID()}`;
    const res = await fetchWorker(w, `/api/nothing-here/${secret}`);
    expect(res.status).toBe(404);
    expect(sent.ch).toHaveLength(1);
    expect(sent.ch[0]).toMatchObject({ route: "(unmatched)", status: 404, method: "GET" });
    expectClean(sent.ch[0] as AccessLogEntry, [secret, "nothing-here"]);
  });

  it("sends requests of an eu app to the eu queue only", async () => {
    const w = await makeWorld({ jurisdiction: "eu" });
    const sent = captureQueues();
    const res = await fetchWorker(w, "/api/me");
    expect(res.status).toBe(401);
    expect(sent.ch).toEqual([]);
    expect(sent.eu).toHaveLength(1);
    expect(sent.eu[0]).toMatchObject({ app: w.slug, route: "/api/me", status: 401 });
  });

  it("a failing queue never fails or delays the request", async () => {
    const w = await makeWorld({ jurisdiction: "ch" });
    const send = vi.spyOn(env.ACCESS_LOG_CH, "send").mockRejectedValue(new Error("queue down"));
    const res = await fetchWorker(w, "/api/me");
    expect(res.status).toBe(401);
    expect(send).toHaveBeenCalledTimes(1);
  });
});

const entry = (t: string, n: number, over: Partial<AccessLogEntry> = {}): AccessLogEntry => ({
  t,
  app: "consumer-test",
  method: "GET",
  route: "/api/buildings/:buildingId",
  status: 200,
  ms: n,
  ip: "203.0.113.1",
  ua: `consumer-${n}`,
  ref: "",
  ...over,
});

function messages<T>(bodies: T[], at = new Date("2031-01-02T03:00:00Z")): MessageBatchMessage<T>[] {
  return bodies.map((body, i) => ({ id: `m-${crypto.randomUUID()}-${i}`, timestamp: at, attempts: 1, body }));
}

async function consume<T>(queue: string, bodies: T[], at?: Date) {
  const batch = createMessageBatch<T>(queue, messages(bodies, at));
  const ctx = createExecutionContext();
  await handler.queue?.(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch as MessageBatch<unknown>, ctx);
}

async function linesUnder(bucket: R2Bucket, prefix: string) {
  const out: { key: string; lines: unknown[]; contentType: string | undefined }[] = [];
  for (const key of await listKeys(bucket, prefix)) {
    const obj = await bucket.get(key);
    const text = (await obj?.text()) ?? "";
    expect(text.endsWith("\n")).toBe(true);
    out.push({
      key,
      lines: text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown),
      contentType: obj?.httpMetadata?.contentType,
    });
  }
  return out;
}

describe("the queue consumer (bucket half)", () => {
  it("writes one NDJSON object per hour into FILES_CH only, one line per entry", async () => {
    const entries = [
      entry("2031-01-02T03:10:00.000Z", 1),
      entry("2031-01-02T03:59:59.999Z", 2),
      entry("2031-01-02T04:00:00.000Z", 3),
    ];
    const result = await consume("quartier-access-log-ch", entries);
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);

    const h3 = await linesUnder(env.FILES_CH, "access-log/2031/01/02/03/");
    const h4 = await linesUnder(env.FILES_CH, "access-log/2031/01/02/04/");
    expect(h3).toHaveLength(1);
    expect(h4).toHaveLength(1);
    expect(h3[0]?.key).toMatch(/^access-log\/2031\/01\/02\/03\/[\w-]+\.ndjson$/);
    expect(h3[0]?.contentType).toBe("application/x-ndjson");
    expect(h3[0]?.lines).toEqual([entries[0], entries[1]]);
    expect(h4[0]?.lines).toEqual([entries[2]]);
    expect(await listKeys(env.FILES_EU, "access-log/2031/")).toEqual([]);
  });

  it("writes entries of the eu queue into FILES_EU only", async () => {
    const entries = [entry("2031-02-03T05:06:07.000Z", 4), entry("2031-02-03T05:16:07.000Z", 5)];
    const result = await consume("quartier-access-log-eu", entries);
    expect(result.ackAll).toBe(true);
    const files = await linesUnder(env.FILES_EU, "access-log/2031/02/03/05/");
    expect(files.flatMap((f) => f.lines)).toEqual(entries);
    expect(await listKeys(env.FILES_CH, "access-log/2031/02/")).toEqual([]);
  });

  it("writes only the fields of an entry, and files an entry without a valid time under the message's hour", async () => {
    const result = await consume(
      "quartier-access-log-ch",
      [
        { ...entry("2031-03-04T06:00:00.000Z", 6), userId: "user-should-not-be-logged", email: "leak@example.test" },
        { ...entry("not a time", 7), body: "leaked body" },
        { ...entry("+275760-09-13T00:00:00.000Z", 7) },
      ],
      new Date("2031-03-04T07:30:00Z"),
    );
    expect(result.ackAll).toBe(true);
    const h6 = await linesUnder(env.FILES_CH, "access-log/2031/03/04/06/");
    const h7 = await linesUnder(env.FILES_CH, "access-log/2031/03/04/07/");
    expect(h6.flatMap((f) => f.lines)).toEqual([entry("2031-03-04T06:00:00.000Z", 6)]);
    expect(h7.flatMap((f) => f.lines)).toEqual([
      entry("2031-03-04T07:30:00.000Z", 7),
      entry("2031-03-04T07:30:00.000Z", 7),
    ]);
    const all = JSON.stringify([...h6, ...h7]);
    expect(all).not.toContain("user-should-not-be-logged");
    expect(all).not.toContain("leak@example.test");
    expect(all).not.toContain("leaked body");
    // Nothing outside the hour layout that the purge relies on.
    for (const key of await listKeys(env.FILES_CH, "access-log/")) {
      expect(key).toMatch(/^access-log\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[\w-]+\.ndjson$/);
    }
  });

  it("retries a batch from a queue of no known jurisdiction and writes nothing", async () => {
    const result = await consume("quartier-access-log-xx", [entry("2031-04-05T06:00:00.000Z", 8)]);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
    expect(await listKeys(env.FILES_CH, "access-log/2031/04/")).toEqual([]);
    expect(await listKeys(env.FILES_EU, "access-log/2031/04/")).toEqual([]);
  });
});

describe("end to end through the local queue", () => {
  it("a request's line arrives in the jurisdiction's bucket", { timeout: 30_000 }, async () => {
    const w = await makeWorld({ jurisdiction: "ch" });
    const marker = `e2e-${crypto.randomUUID()}`;
    const res = await exports.default.fetch(
      new Request(`${ORIGIN_OF(w.slug)}/api/buildings`, { headers: { "user-agent": marker } }),
    );
    expect(res.status).toBe(401);
    // The local consumer is called after the batch timeout (5 s in wrangler.toml).
    let lines: AccessLogEntry[] = [];
    for (let i = 0; i < 40 && lines.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const keys = await listKeys(env.FILES_CH, "access-log/");
      const texts = await Promise.all(keys.map(async (k) => (await (await env.FILES_CH.get(k))?.text()) ?? ""));
      lines = texts
        .flatMap((t) => t.trimEnd().split("\n"))
        .filter((l) => l.includes(marker))
        .map((l) => JSON.parse(l) as AccessLogEntry);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ app: w.slug, route: "/api/buildings", status: 401, method: "GET" });
    for (const key of await listKeys(env.FILES_EU)) {
      expect((await (await env.FILES_EU.get(key))?.text()) ?? "").not.toContain(marker);
    }
  });
});
