import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { readAtMost } from "../lib/body";
import { AppError } from "../lib/errors";

export const MAX_JSON_BYTES = 64 * 1024;

/** The Allthings-compatible integrator API (bearer tokens, Allthings body conventions). */
export const isIntegratorApi = (path: string) => path === "/api/v1" || path.startsWith("/api/v1/");
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/**
 * The only API routes that take a multipart body instead of JSON (file uploads). They check type and
 * size themselves, from the bytes (src/services/files.ts); every other route stays JSON-only.
 */
export const UPLOAD_ROUTES: ReadonlySet<string> = new Set(["POST /api/files", "POST /api/v1/files"]);

/**
 * Step 4 (the part zod cannot do): unsafe API requests with a body must be JSON (415 otherwise —
 * hono's validator would silently treat a form post as `{}`), at most 64 KiB (413), and parse (400).
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (!UNSAFE.has(c.req.method)) return next();
  // The integrator API follows the Allthings conventions: an empty body is `{}` (the SDK sends
  // body-less POSTs with content-type application/json). Quartier's own API stays strict.
  const lenient = isIntegratorApi(c.req.path);
  const cache = c.req.bodyCache as { json?: Promise<unknown> };
  const length = c.req.header("content-length");
  // Judge by the body stream, not by headers alone: a streamed body need not announce itself with
  // content-length or transfer-encoding, and must not slip past the type and size checks.
  const hasBody = c.req.raw.body !== null && length !== "0";
  if (!hasBody) {
    if (lenient) cache.json = Promise.resolve({});
    return next();
  }
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (UPLOAD_ROUTES.has(`${c.req.method} ${c.req.path}`)) {
    // Upload routes read the stream themselves; any other body type would leave them a spent stream.
    if (type === "multipart/form-data") return next();
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as multipart/form-data, part `file`.");
  }
  if (type !== "application/json") {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.");
  }
  if (length !== undefined && Number(length) > MAX_JSON_BYTES) throw tooLarge();
  const bytes = await readAtMost(c.req.raw, MAX_JSON_BYTES, tooLarge);
  if (lenient && bytes.byteLength === 0) {
    cache.json = Promise.resolve({});
    return next();
  }
  try {
    // JSON is UTF-8 (RFC 8259 8.1). Decoding strictly refuses other bytes instead of turning them
    // into U+FFFD, which would let two different passwords arrive as the same text.
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    // Hono caches the parsed body, so the validators read this value instead of the spent stream.
    cache.json = Promise.resolve(parsed);
  } catch {
    throw new AppError("INVALID_JSON", "The body is not valid JSON.");
  }
  await next();
});

function tooLarge() {
  return new AppError("PAYLOAD_TOO_LARGE", `The body is larger than ${MAX_JSON_BYTES} bytes.`);
}

/**
 * CSRF for cookie-authenticated writes: a browser always sends Origin on unsafe requests and
 * Sec-Fetch-Site where supported; both must say same origin. JSON bodies already need a CORS
 * preflight we never grant; this closes the remaining form and no-body cases.
 */
export const sameOrigin = createMiddleware<AppEnv>(async (c, next) => {
  if (!UNSAFE.has(c.req.method)) return next();
  // The integrator API and the token endpoint never read the session cookie (bearer tokens and form
  // credentials only), so a cross-site request there carries no ambient authority: CORS allows it.
  if (isIntegratorApi(c.req.path) || c.req.path === "/oauth/token") return next();
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  const own = c.var.app?.origin;
  // Under `Referrer-Policy: no-referrer` a browser posts a plain HTML form (the craftsman and
  // invitation pages) with `Origin: null`; Sec-Fetch-Site, which a page cannot forge, then decides.
  const nullFromOwnPage = origin === "null" && site === "same-origin";
  if (origin !== undefined && origin !== own && !nullFromOwnPage) {
    throw new AppError("CSRF_REJECTED", "Cross-site request refused.");
  }
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new AppError("CSRF_REJECTED", "Cross-site request refused.");
  }
  await next();
});
