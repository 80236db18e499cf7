import http from "node:http";

// A closed-loop HTTP/1.1 load generator on node:http with keep-alive: `concurrency` workers, each
// sending its next request as soon as the previous one has been read to the end. Latency is taken
// on one hrtime clock from just before the request is written to the last byte of the body.

const REQUEST_TIMEOUT_MS = 10_000;

function once(agent, { port, path, headers }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: "127.0.0.1", port, path, method: "GET", headers, agent }, (res) => {
      let bytes = 0;
      const chunks = [];
      res.on("data", (chunk) => {
        bytes += chunk.length;
        if (chunks.length < 64) chunks.push(chunk);
      });
      res.on("end", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        resolve({ status: res.statusCode, ms, bytes, body: chunks });
      });
      res.on("error", reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`request timed out after ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Sends exactly `n` GET requests with `concurrency` in flight, bounded by `deadlineMs`. Every response
 * must have status `expectStatus` and pass `check(firstBody)` once; any failure rejects, so a run with
 * an error never counts.
 */
export async function runLoad({ port, path, headers = {}, n, concurrency, deadlineMs, expectStatus = 200, check }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies = new Float64Array(n);
  let issued = 0;
  let done = 0;
  let bytes = 0;
  let checked = !check;
  const deadline = Date.now() + deadlineMs;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (issued < n) {
      if (Date.now() > deadline) throw new Error(`${path}: deadline of ${deadlineMs} ms passed after ${done}/${n}`);
      issued++;
      const r = await once(agent, { port, path, headers });
      if (r.status !== expectStatus) {
        const text = Buffer.concat(r.body).toString("utf8").slice(0, 300);
        throw new Error(`${path}: HTTP ${r.status} (expected ${expectStatus}): ${text}`);
      }
      if (!checked) {
        check(Buffer.concat(r.body).toString("utf8"));
        checked = true;
      }
      latencies[done++] = r.ms;
      bytes += r.bytes;
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { latencies, wallMs, bytesPerResponse: bytes / n };
}

/** A single request (readiness probes, login); resolves to status, headers and body text. */
export function request({ port, path, method = "GET", headers = {}, body, timeoutMs = 5_000 }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
