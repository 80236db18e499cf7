// One real webhook delivery end to end (R-I3): `wrangler dev` on 127.0.0.1:8792 with its own state,
// a plain Node HTTP receiver on 127.0.0.1 that verifies the Standard Webhooks signature with
// node:crypto (independent of the Worker's WebCrypto code), the demo integrator client registering an
// endpoint through /api/v1/webhooks, an idempotent v1 write (sent twice with one Idempotency-Key),
// and the minute cron triggered through wrangler's scheduled-event route.
//
//   node test/webhooks-live.mjs [--port 8792]
//
// Prints `webhooks-live ok …` and exits 0, or the reason and exits 1. Loopback http targets are
// allowed because wrangler.toml's local environment is `development`.

import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import {
  childEnv,
  nodeBin,
  portFree,
  prepareLocalState,
  runGuarded,
  start,
  stop,
  waitForHttp,
  wranglerJs,
} from "../bench/lib/proc.mjs";

const { values: opt } = parseArgs({ options: { port: { type: "string", default: "8792" } } });
const PORT = Number(opt.port);
const STATE = "/tmp/helperB-state";
const LOGS = join(STATE, "logs");
const ENV = childEnv({ WRANGLER_LOG_PATH: LOGS });
const ERP = { client_id: "qc_demo-ch-erp", client_secret: "qs_demo-ch-erp-secret" };
const log = (m) => console.log(`[webhooks-live ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function call(method, path, { token, json, form, headers = {} } = {}) {
  const h = { accept: "application/json", ...headers };
  let body;
  if (token) h.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    h["content-type"] = "application/json";
    body = JSON.stringify(json);
  }
  if (form) {
    h["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, { method, headers: h, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A receiver as an integrator would write it: verify over the raw body, constant-time compare. */
function startReceiver(getSecret) {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const id = req.headers["webhook-id"];
      const ts = req.headers["webhook-timestamp"];
      const key = Buffer.from(getSecret().slice("whsec_".length), "base64");
      const expected = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest();
      const valid = String(req.headers["webhook-signature"] ?? "")
        .split(" ")
        .map((s) => s.split(","))
        .some(([v, sig]) => {
          const given = Buffer.from(sig ?? "", "base64");
          return v === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
        });
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      got.push({ id, valid, fresh, body, path: req.url });
      res.writeHead(valid && fresh ? 204 : 401).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, got })));
}

await runGuarded("webhooks-live", 5 * 60_000, async () => {
  if (!(await portFree(PORT))) throw new Error(`port ${PORT} is busy`);
  mkdirSync(LOGS, { recursive: true });
  log(`preparing ${STATE} (migrations, demo seed)`);
  await prepareLocalState(STATE, { env: ENV, logPath: join(LOGS, "prepare.log") });
  let secret = "";
  const receiver = await startReceiver(() => secret);
  const hookUrl = `http://127.0.0.1:${receiver.server.address().port}/quartier-hook`;
  const args = [
    wranglerJs(),
    "dev",
    "--port",
    String(PORT),
    "--ip",
    "127.0.0.1",
    "--local",
    "--persist-to",
    STATE,
    "--test-scheduled",
    "--show-interactive-dev-session=false",
  ];
  const dev = start("wrangler dev", nodeBin(), args, { env: ENV, logPath: join(LOGS, "dev.log") });
  try {
    await waitForHttp(dev, { port: PORT, path: "/api/v1/me", status: 401, timeoutMs: 120_000 });
    const tokenRes = await call("POST", "/oauth/token", {
      form: { ...ERP, grant_type: "client_credentials", scope: "master-data:read master-data:write" },
    });
    if (tokenRes.status !== 200) throw new Error(`token: ${tokenRes.status} ${tokenRes.text}`);
    const token = JSON.parse(tokenRes.text).access_token;

    const hook = await call("POST", "/api/v1/webhooks", { token, json: { url: hookUrl, entities: ["property"] } });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${hook.text}`);
    const endpoint = JSON.parse(hook.text);
    secret = endpoint.secret;
    log(`endpoint ${endpoint.id} → ${hookUrl}`);

    const key = crypto.randomUUID();
    const write = () =>
      call("POST", "/api/v1/apps/demo-ch/properties", {
        token,
        json: { name: `Live ${key.slice(0, 8)}`, timezone: "Europe/Zurich", externalId: `LIVE-${key}` },
        headers: { "idempotency-key": key },
      });
    const first = await write();
    const again = await write();
    if (first.status !== 201 || again.status !== 201) throw new Error(`writes: ${first.status}/${again.status}`);
    if (again.headers.get("idempotent-replayed") !== "true" || again.text !== first.text) {
      throw new Error("the retry was not a replay of the first answer");
    }
    const property = JSON.parse(first.text);

    const cron = encodeURIComponent("* * * * *");
    let fired = await call("GET", `/cdn-cgi/handler/scheduled?cron=${cron}`);
    if (fired.status === 404) fired = await call("GET", `/__scheduled?cron=${cron}`);
    if (fired.status !== 200) throw new Error(`scheduled: ${fired.status} ${fired.text.slice(0, 200)}`);
    for (let i = 0; i < 50 && receiver.got.length === 0; i++) await sleep(200);

    const msgs = receiver.got.filter((m) => JSON.parse(m.body).data?.id === property.id);
    if (msgs.length !== 1) throw new Error(`expected 1 delivery of ${property.id}, got ${receiver.got.length} in all`);
    const [msg] = msgs;
    if (!msg.valid || !msg.fresh) throw new Error("signature or timestamp did not verify");
    const payload = JSON.parse(msg.body);
    if (payload.type !== "property.created" || payload.data.externalId !== `LIVE-${key}`) {
      throw new Error(`unexpected payload ${msg.body}`);
    }
    const deliveries = JSON.parse((await call("GET", `/api/v1/webhooks/${endpoint.id}/deliveries`, { token })).text);
    const logged = deliveries.find((d) => d.id === msg.id);
    if (logged?.state !== "delivered" || logged.log[0]?.status !== 204) throw new Error("delivery not logged");
    console.log(
      `webhooks-live ok id=${msg.id} type=${payload.type} signature=valid idempotent_replay=yes duration_ms=${logged.log[0].durationMs}`,
    );
  } finally {
    receiver.server.close();
    await stop(dev);
  }
});
