import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import { clearSessionCookie, setSessionCookie } from "../middleware/session";
import * as accounts from "../services/accounts";
import { disconnectFromRooms } from "../services/rooms";
import { endAllSessions, endSession } from "../services/sessions";
import { defineRoute } from "./define";
import { meSchema, toMe, WELL_FORMED_MESSAGE, wellFormed } from "./me";
import { email, errorResponses, json, jsonBody, locale, password as passwordRule } from "./schemas";

const password = passwordRule.refine(wellFormed, WELL_FORMED_MESSAGE);
const name = z.string().trim().min(1).max(120).refine(wellFormed, WELL_FORMED_MESSAGE);
const accepted = z.object({ status: z.literal("accepted") }).openapi("Accepted");
const tag = ["Accounts"];

const registerRoute = defineRoute("public", {
  method: "post",
  path: "/api/auth/register",
  tags: tag,
  summary: "Register; a verification link is mailed (same answer for known addresses)",
  request: {
    body: jsonBody(z.strictObject({ name, email, password, locale: locale.optional() })),
  },
  responses: { 202: json(accepted, "Verification mail sent if the address can register"), ...errorResponses },
});

const verifyRoute = defineRoute("public", {
  method: "post",
  path: "/api/auth/verify-email",
  tags: tag,
  summary: "Confirm an e-mail address with the token from the mail and the password chosen at sign-up",
  request: {
    body: jsonBody(
      z.strictObject({
        token: z.string().min(10).max(128),
        password: z.string().min(1).max(256).refine(wellFormed, WELL_FORMED_MESSAGE),
      }),
    ),
  },
  responses: { 204: { description: "Verified" }, ...errorResponses },
});

const loginRoute = defineRoute("public", {
  method: "post",
  path: "/api/auth/login",
  tags: tag,
  summary: "Log in with e-mail and password; sets the session cookie",
  request: {
    body: jsonBody(
      z.strictObject({ email, password: z.string().min(1).max(256).refine(wellFormed, WELL_FORMED_MESSAGE) }),
    ),
  },
  responses: { 200: json(meSchema), ...errorResponses },
});

const logoutRoute = defineRoute("session", {
  method: "post",
  path: "/api/auth/logout",
  tags: tag,
  summary: "End this session",
  responses: { 204: { description: "Logged out" }, ...errorResponses },
});

const logoutAllRoute = defineRoute("session", {
  method: "post",
  path: "/api/auth/logout-all",
  tags: tag,
  summary: "End every session of this account",
  responses: { 204: { description: "Logged out everywhere" }, ...errorResponses },
});

const resetRoute = defineRoute("public", {
  method: "post",
  path: "/api/auth/password-reset",
  tags: tag,
  summary: "Ask for a password reset link (same answer for unknown addresses)",
  request: { body: jsonBody(z.strictObject({ email })) },
  responses: { 202: json(accepted), ...errorResponses },
});

const resetConfirmRoute = defineRoute("public", {
  method: "post",
  path: "/api/auth/password-reset/confirm",
  tags: tag,
  summary: "Set a new password with the token from the mail; ends every session",
  request: { body: jsonBody(z.strictObject({ token: z.string().min(10).max(128), password })) },
  responses: { 204: { description: "Password set" }, ...errorResponses },
});

const changeRoute = defineRoute("session", {
  method: "post",
  path: "/api/auth/password-change",
  tags: tag,
  summary: "Change the password; other sessions end, this one gets a new token",
  request: {
    body: jsonBody(
      z.strictObject({
        currentPassword: z.string().min(1).max(256).refine(wellFormed, WELL_FORMED_MESSAGE),
        newPassword: password,
      }),
    ),
  },
  responses: { 204: { description: "Changed" }, ...errorResponses },
});

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(registerRoute, async (c) => {
    const app = c.var.app;
    if (!app) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
    await accounts.register(c.var.deps, c.var.customer, app.origin, c.req.valid("json"));
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(verifyRoute, async (c) => {
    const { token, password: p } = c.req.valid("json");
    await accounts.verifyEmail(c.var.deps, c.var.customer.id, token, p);
    return c.body(null, 204);
  })
  .openapi(loginRoute, async (c) => {
    const { email: e, password: p } = c.req.valid("json");
    const ip = c.req.header("cf-connecting-ip") ?? "unknown";
    const { token } = await accounts.login(c.var.deps, c.var.customer.id, ip, e, p);
    // Rotation: the session this browser came with (if any) ends, so a planted or older cookie
    // cannot outlive the login.
    const prior = c.var.actor;
    if (prior) await endSession(c.var.deps, prior.sessionId);
    setSessionCookie(c, token);
    const me = await toMe(c.var.deps, c.var.customer, token);
    return c.json(me, 200);
  })
  .openapi(logoutRoute, async (c) => {
    const actor = c.var.actor;
    if (actor) {
      await endSession(c.var.deps, actor.sessionId);
      await disconnectFromRooms(c.var.deps, actor.customerId, actor.userId, { sessionId: actor.sessionId });
    }
    clearSessionCookie(c);
    c.header("clear-site-data", '"cache", "storage"');
    return c.body(null, 204);
  })
  .openapi(logoutAllRoute, async (c) => {
    const actor = c.var.actor;
    if (actor) {
      await endAllSessions(c.var.deps, actor.userId);
      await disconnectFromRooms(c.var.deps, actor.customerId, actor.userId);
    }
    clearSessionCookie(c);
    c.header("clear-site-data", '"cache", "storage"');
    return c.body(null, 204);
  })
  .openapi(resetRoute, async (c) => {
    const app = c.var.app;
    if (!app) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
    await accounts.requestPasswordReset(c.var.deps, c.var.customer, app.origin, c.req.valid("json").email);
    return c.json({ status: "accepted" as const }, 202);
  })
  .openapi(resetConfirmRoute, async (c) => {
    const { token, password: p } = c.req.valid("json");
    await accounts.confirmPasswordReset(c.var.deps, c.var.customer.id, token, p);
    return c.body(null, 204);
  })
  .openapi(changeRoute, async (c) => {
    const actor = c.var.actor;
    const app = c.var.app;
    if (!actor || !app) throw new AppError("UNAUTHENTICATED", "Please log in.");
    const { currentPassword, newPassword } = c.req.valid("json");
    const token = await accounts.changePassword(
      c.var.deps,
      c.var.customer,
      app.origin,
      actor.userId,
      currentPassword,
      newPassword,
    );
    setSessionCookie(c, token);
    return c.body(null, 204);
  });
