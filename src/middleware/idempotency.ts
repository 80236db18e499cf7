import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { readAtMost } from "../lib/body";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { MAX_UPLOAD_BODY } from "../services/file-types";
import { claimKey, type IdempotencyScope, recordResponse, releaseKey, storedResponseOf } from "../services/idempotency";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Stripe's limit; visible ASCII only (UUIDs, ULIDs, base64url and the like all fit). */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/** Headers a replay carries besides status and body; cookies and per-request ids never. */
const REPLAYED_HEADERS = ["content-type", "location"] as const;
/**
 * Answers that are not final for this payload: authentication, permission and rate limits can change
 * before the retry, so it must run again (decision 0018). Every 5xx is released as well.
 */
const NOT_STORED = new Set([401, 403, 408, 425, 429]);
/** D1 rows are limited to 2 MB; a larger answer is not kept (the write stays, the key is released). */
const MAX_STORED_BODY = 1024 * 1024;

/**
 * R-I3: unsafe `/api/*` requests with an `Idempotency-Key` header run once per (customer, caller,
 * key) for 24 hours. The same request again replays the stored status, headers and body (marked
 * `Idempotent-Replayed: true`); the key with another request → 422; while the first still runs → 409.
 * Without the header nothing changes. Anonymous requests (login, sign-up) have no caller to scope a
 * key to, so the header is ignored there.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  if (!UNSAFE.has(c.req.method)) return next();
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (!KEY_FORMAT.test(key)) {
    throw new AppError("IDEMPOTENCY_KEY_INVALID", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
  }
  const scope = scopeOf(c);
  if (!scope) return next();
  const deps = c.var.deps;
  const path = new URL(c.req.url).pathname + new URL(c.req.url).search;
  const fingerprint = await sha256Hex(`${c.req.method}\n${path}\n${await canonicalBody(c)}`);
  const claim = await claimKey(deps, scope, { key, method: c.req.method, path, fingerprint });
  if (claim.kind === "mismatch") {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request.");
  }
  if (claim.kind === "in-flight") {
    throw new AppError(
      "IDEMPOTENCY_KEY_IN_FLIGHT",
      "A request with this Idempotency-Key is still running.",
      undefined,
      {
        "retry-after": "1",
      },
    );
  }
  if (claim.kind === "replay") {
    const stored = storedResponseOf(claim.row);
    const res = new Response(emptyStatus(stored.status) ? null : stored.body, {
      status: stored.status,
      headers: stored.headers,
    });
    res.headers.set("idempotent-replayed", "true");
    // The no-store middleware sits behind this one and does not see a replay.
    res.headers.set("cache-control", "no-store");
    return res;
  }

  await next();
  const res = c.res;
  if (res.status >= 500 || NOT_STORED.has(res.status)) {
    await releaseKey(deps, claim.id);
    return;
  }
  const body = await res.text();
  // The body stream is spent; the client gets the same bytes that are stored.
  c.res = new Response(emptyStatus(res.status) ? null : body, res);
  if (body.length > MAX_STORED_BODY) {
    await releaseKey(deps, claim.id);
    return;
  }
  const headers: Record<string, string> = {};
  for (const h of REPLAYED_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  try {
    await recordResponse(deps, claim.id, { status: res.status, headers, body });
  } catch (e) {
    // The write happened; the claim stays in flight and is taken over after IN_FLIGHT_TIMEOUT_MS.
    console.error(
      JSON.stringify({ requestId: c.var.requestId, idempotencyRecordFailed: e instanceof Error ? e.name : "unknown" }),
    );
  }
});

/** Session or password-grant token: the user. Client-credentials token: the integrator client. */
function scopeOf(c: Context<AppEnv>): IdempotencyScope | null {
  const actor = c.var.actor;
  if (actor) {
    return { customerId: actor.customerId, principal: `user:${actor.userId}`, userId: actor.userId, clientId: null };
  }
  const client = c.var.apiClient;
  if (client) {
    return {
      customerId: client.customerId,
      principal: `client:${client.clientId}`,
      userId: null,
      clientId: client.clientId,
    };
  }
  return null;
}

/** The body as canonical JSON (keys sorted), so equal payloads in another key order still match. */
async function canonicalBody(c: Context<AppEnv>): Promise<string> {
  const cache = c.req.bodyCache as { json?: Promise<unknown> };
  if (cache.json) return canonical(await cache.json);
  if (c.req.raw.body === null || c.req.header("content-length") === "0") return "";
  // Not parsed by the JSON guard (an upload): hash the exact bytes of a copy, within the upload limit,
  // so the route still reads the untouched stream (reading it as text here spent it: a 500).
  const bytes = await readAtMost(c.req.raw.clone(), MAX_UPLOAD_BODY, () => {
    return new AppError("FILE_TOO_LARGE", "The upload is too large.");
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `raw:${[...digest].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

const emptyStatus = (status: number) => status === 204 || status === 205 || status === 304;
