import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Deps } from "../app-env";
import { createDb } from "../db/client";
import { JURISDICTIONS, type Jurisdiction } from "../db/schema/customers";
import { configFrom } from "../lib/config";
import { base64url } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { isOpsBearer, opsToken } from "../lib/ops-token";
import { regionStores } from "../region";
import { LEDGER_PREFIX } from "../services/erasure-ledger";
import { isLedgerKey, replayLedgerPage } from "../services/erasure-replay";
import { declare } from "./define";

/**
 * Operator routes (decision 0038), for the platform operator, not for any customer: they span
 * customers. Mounted before the app is resolved from the host (any host of the deployment works) and
 * not part of the public API description. The caller proves itself with the `OPS_TOKEN` bearer secret:
 * no or a wrong token → 401; where no valid token is configured (production without the secret) → 404.
 *
 * `POST /ops/erasure-ledger/replay?jurisdiction=ch|eu[&cursor=…][&limit=1..50]` replays the erasure
 * ledger after a backup restore (runbook-backup-restore.md), a bounded number of ledger objects per
 * call, and answers counts and the cursor to continue with (null when the ledger is done). Running it
 * again from the start is harmless.
 */
export const REPLAY_PATH = "/ops/erasure-ledger/replay";
declare("POST", REPLAY_PATH, "public");

export const REPLAY_DEFAULT_LIMIT = 10;
export const REPLAY_MAX_LIMIT = 50;

const opsGuard = createMiddleware<AppEnv>(async (c, next) => {
  const token = opsToken(c.env as { ENVIRONMENT: string; OPS_TOKEN?: string });
  if (!token) throw new AppError("NOT_FOUND", "Not found");
  if (!(await isOpsBearer(c.req.header("authorization"), token))) {
    throw new AppError("UNAUTHENTICATED", "The operator token is missing or wrong.", undefined, {
      "www-authenticate": 'Bearer realm="quartier-ops"',
    });
  }
  c.header("cache-control", "no-store");
  await next();
});

/** The cursor is opaque to the caller: the ledger key to continue after, encoded. */
const encodeCursor = (key: string) => base64url(new TextEncoder().encode(key.slice(LEDGER_PREFIX.length)));

function decodeCursor(cursor: string): string {
  const invalid = () =>
    new AppError("VALIDATION_FAILED", "The request is invalid.", [{ path: "cursor", message: "Not a cursor" }]);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalid();
  let key: string;
  try {
    const bin = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    key = `${LEDGER_PREFIX}${new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)))}`;
  } catch {
    throw invalid();
  }
  if (!isLedgerKey(key)) throw invalid();
  return key;
}

function queryOf(url: URL) {
  const details: { path: string; message: string }[] = [];
  const j = url.searchParams.get("jurisdiction") ?? "";
  if (!JURISDICTIONS.includes(j as Jurisdiction)) details.push({ path: "jurisdiction", message: "ch or eu" });
  const rawLimit = url.searchParams.get("limit");
  const limit = rawLimit === null ? REPLAY_DEFAULT_LIMIT : Number(rawLimit);
  if (!/^\d{1,3}$/.test(rawLimit ?? "10") || limit < 1 || limit > REPLAY_MAX_LIMIT) {
    details.push({ path: "limit", message: `1 to ${REPLAY_MAX_LIMIT}` });
  }
  const known = new Set(["jurisdiction", "limit", "cursor"]);
  for (const k of url.searchParams.keys()) if (!known.has(k)) details.push({ path: k, message: "Unknown field" });
  if (details.length) throw new AppError("VALIDATION_FAILED", "The request is invalid.", details);
  const cursor = url.searchParams.get("cursor");
  return { jurisdiction: j as Jurisdiction, limit, after: cursor ? decodeCursor(cursor) : undefined };
}

const depsFor = (env: Env, j: Jurisdiction): Deps => {
  const stores = regionStores(env, j);
  return { db: createDb(stores.db), stores, now: () => new Date(), config: configFrom(env) };
};

export const opsRoutes = new Hono<AppEnv>().use("/ops/*", opsGuard).post(REPLAY_PATH, async (c) => {
  const q = queryOf(new URL(c.req.url));
  const { next, ...counts } = await replayLedgerPage(depsFor(c.env, q.jurisdiction), {
    limit: q.limit,
    ...(q.after ? { after: q.after } : {}),
  });
  const report = { jurisdiction: q.jurisdiction, ...counts, cursor: next ? encodeCursor(next) : null, done: !next };
  // Counts only (no ids): the Worker's log is the operator's record of the replay.
  console.log(JSON.stringify({ ledgerReplay: { ...report, cursor: undefined } }));
  return c.json(report, 200);
});
