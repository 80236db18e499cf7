import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../app-env";
import type { AccessLogEntry } from "../services/access-log";

/**
 * Step 5 of the request path (R-P9): one line per request to the jurisdiction's access-log queue,
 * sent after the response with waitUntil, so logging never delays or fails a request. The queue
 * consumer batches lines into NDJSON objects in the jurisdiction's bucket. Never user ids, bodies,
 * tokens or query strings (links carry tokens).
 */
export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  try {
    await next();
  } finally {
    const app = c.var.app;
    const deps = c.var.deps;
    if (app && deps) {
      const entry: AccessLogEntry = {
        t: new Date(started).toISOString(),
        app: app.slug,
        method: c.req.method,
        route: routeTemplate(matchedRoutes(c), c.req.path),
        status: c.res.status,
        ms: Date.now() - started,
        ip: c.req.header("cf-connecting-ip") ?? c.req.header("x-real-ip") ?? "",
        ua: (c.req.header("user-agent") ?? "").slice(0, 300),
        ref: stripQuery(c.req.header("referer")),
      };
      c.executionCtx.waitUntil(deps.stores.accessLog.send(entry).catch(() => undefined));
    }
  }
});

/** The path template of the handler that answered (`/api/buildings/:buildingId`), never raw ids. */
function routeTemplate(matched: { method: string; path: string }[], path: string): string {
  for (let i = matched.length - 1; i >= 0; i--) {
    const r = matched[i];
    if (r && r.method !== "ALL") return r.path;
  }
  return path.startsWith("/static/") ? "/static/*" : "(unmatched)";
}

function stripQuery(ref: string | undefined): string {
  if (!ref) return "";
  try {
    const u = new URL(ref);
    return `${u.origin}${u.pathname}`.slice(0, 300);
  } catch {
    return "";
  }
}
