import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { authenticate } from "../services/actor";
import { roomDoorExtra } from "../services/rooms";
import { SESSION_MAX_AGE_MS } from "../services/sessions";

/** `__Host-` prefix: Secure, Path=/, no Domain. Browsers accept Secure cookies on http://localhost. */
export const SESSION_COOKIE = "quartier_session";

/** Step 3 of the request path: session cookie → actor with memberships read fresh. */
export const session = createMiddleware<AppEnv>(async (c, next) => {
  c.set("actor", null);
  c.set("apiClient", null);
  const token = getCookie(c, `__Host-${SESSION_COOKIE}`);
  if (token && token.length <= 128) {
    // The room door's own reads ride in the session batch (decision 0037).
    const extra = roomDoorExtra(c.req.method, c.req.path);
    const actor = await authenticate(c.var.deps, c.var.customer.id, token, extra);
    if (actor) {
      c.set("actor", actor);
      c.set("sessionToken", token);
    }
  }
  await next();
});

export function setSessionCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    prefix: "host",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    maxAge: Math.floor(SESSION_MAX_AGE_MS / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, { prefix: "host", secure: true, path: "/" });
}
