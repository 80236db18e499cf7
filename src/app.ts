import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env";
import { AppError } from "./lib/errors";
import { accessLog } from "./middleware/access-log";
import { bearer } from "./middleware/bearer";
import { idempotency } from "./middleware/idempotency";
import { jsonBody, sameOrigin } from "./middleware/request-guards";
import { resolveApp } from "./middleware/resolve-app";
import { session } from "./middleware/session";
import { adminRoleRoutes } from "./routes/admin-roles";
import { announcementRoutes } from "./routes/announcements";
import { apiV1Routes } from "./routes/api-v1";
import { apiV1ServiceRoutes } from "./routes/api-v1-services";
import { authRoutes } from "./routes/auth";
import { benchRoutes } from "./routes/bench";
import { codeRoutes } from "./routes/codes";
import { devRoutes } from "./routes/dev";
import { mountDocs } from "./routes/docs";
import { documentRoutes } from "./routes/documents";
import { estateRoutes } from "./routes/estate";
import { fileRoutes } from "./routes/files";
import { documentIdempotencyKey } from "./routes/idempotency-docs";
import { invitationRoutes } from "./routes/invitations";
import { meRoutes } from "./routes/me";
import { microAppRoutes } from "./routes/micro-apps";
import { moderationRoutes } from "./routes/moderation";
import { newsletterRoutes } from "./routes/newsletter";
import { newsletterPageRoutes } from "./routes/newsletter-pages";
import { notificationRoutes } from "./routes/notifications";
import { oauthRoutes } from "./routes/oauth";
import { onboardingRoutes } from "./routes/onboarding";
import { onboardingPageRoutes } from "./routes/onboarding-pages";
import { opsRoutes } from "./routes/ops";
import { pageRoutes } from "./routes/pages";
import { privacyRoutes } from "./routes/privacy";
import { privacyConsentRoutes } from "./routes/privacy-consents";
import { privacyDevRoutes } from "./routes/privacy-dev";
import { privacyRequestRoutes } from "./routes/privacy-requests";
import { privacySettingsRoutes } from "./routes/privacy-settings";
import { privacyTransparencyRoutes } from "./routes/privacy-transparency";
import { roleRoutes } from "./routes/roles";
import { roomHistoryRoutes } from "./routes/room-history";
import { roomRoutes } from "./routes/rooms";
import { staffInvitationPageRoutes } from "./routes/staff-invitation-pages";
import { staffInvitationRoutes } from "./routes/staff-invitations";
import { ticketSetupRoutes } from "./routes/ticket-setup";
import { ticketRoutes } from "./routes/tickets";
import { transparencyPageRoutes } from "./routes/transparency-page";
import { apiV1WebhookRoutes, webhookRoutes } from "./routes/webhooks";
import { workOrderPageRoutes } from "./routes/work-order-pages";
import type { ErrorBody } from "./shared/error-codes";

/**
 * The Worker's HTTP app. Middleware order is the request path of design.md: request id and headers,
 * access log, app/jurisdiction resolution, JSON and origin guards, session; then the routes, each
 * guarded by its declared access before its zod validation.
 */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const details = result.error.issues.flatMap((i) =>
          // Unknown fields are reported one by one, with their own path.
          i.code === "unrecognized_keys"
            ? i.keys.map((k) => ({ path: [...i.path, k].join("."), message: "Unknown field" }))
            : [{ path: i.path.join("."), message: i.message }],
        );
        throw new AppError("VALIDATION_FAILED", "The request is invalid.", details);
      }
    },
  });

  // Always our own id: hono's default reuses an incoming X-Request-Id, which would let a client
  // choose (or repeat) the id that support uses to find an error in the logs.
  app.use(requestId({ headerName: "", generator: () => crypto.randomUUID() }));
  app.use(async (c, next) => {
    c.header("x-request-id", c.var.requestId);
    await next();
  });
  app.use(
    secureHeaders({
      strictTransportSecurity: "max-age=31536000; includeSubDomains",
      referrerPolicy: "no-referrer",
      crossOriginOpenerPolicy: "same-origin",
      crossOriginResourcePolicy: "same-origin",
      xFrameOptions: "DENY",
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    }),
  );
  app.use(accessLog);
  // The integrator API is called from other origins (bearer tokens, never cookies): CORS with preflight.
  const apiCors = cors({
    origin: "*",
    allowMethods: ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["authorization", "content-type", "accept", "idempotency-key"],
    exposeHeaders: ["retry-after", "x-request-id"],
    maxAge: 600,
  });
  app.use("/api/v1/*", apiCors);
  app.use("/oauth/token", apiCors);
  // Operator routes (decision 0038): bearer secret, no app, no session — before the host is resolved.
  app.route("/", opsRoutes);
  app.use(resolveApp);
  app.use("/api/*", jsonBody);
  app.use(sameOrigin);
  app.use(session);
  app.use(bearer);
  app.use("/api/*", idempotency);
  app.use("/api/*", async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });

  app.route("/", authRoutes);
  app.route("/", meRoutes);
  app.route("/", estateRoutes);
  app.route("/", microAppRoutes);
  app.route("/", roleRoutes);
  app.route("/", adminRoleRoutes);
  app.route("/", staffInvitationRoutes);
  app.route("/", onboardingRoutes);
  app.route("/", codeRoutes);
  app.route("/", invitationRoutes);
  app.route("/", roomRoutes);
  app.route("/", roomHistoryRoutes);
  app.route("/", announcementRoutes);
  app.route("/", moderationRoutes);
  app.route("/", notificationRoutes);
  app.route("/", fileRoutes);
  app.route("/", ticketRoutes);
  app.route("/", ticketSetupRoutes);
  app.route("/", documentRoutes);
  app.route("/", privacyRoutes);
  app.route("/", privacyRequestRoutes);
  app.route("/", privacyDevRoutes);
  app.route("/", privacyConsentRoutes);
  app.route("/", privacyTransparencyRoutes);
  app.route("/", newsletterRoutes);
  app.route("/", privacySettingsRoutes);
  app.route("/", oauthRoutes);
  app.route("/", webhookRoutes);
  app.route("/", apiV1WebhookRoutes);
  app.route("/", apiV1Routes);
  app.route("/", apiV1ServiceRoutes);
  app.route("/", benchRoutes);
  app.route("/", devRoutes);
  app.route("/", pageRoutes);
  app.route("/", onboardingPageRoutes);
  app.route("/", workOrderPageRoutes);
  app.route("/", staffInvitationPageRoutes);
  app.route("/", newsletterPageRoutes);
  app.route("/", transparencyPageRoutes);
  documentIdempotencyKey(app);
  mountDocs(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "__Host-quartier_session",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "oauth2", {
    type: "oauth2",
    description: "Integrator API (/api/v1): bearer JWT from POST /oauth/token, valid 10 minutes.",
    flows: {
      clientCredentials: {
        tokenUrl: "/oauth/token",
        scopes: {
          "user:profile": "Read the token's own account (/api/v1/me)",
          "master-data:read": "Read properties, groups, units, utilisation periods, users, codes",
          "master-data:write": "Create and change master data, check users in and out",
          "resident-services:read": "Read tickets and their public conversations",
          "resident-services:write": "Upload files, create tickets and write public replies for residents",
        },
      },
      password: { tokenUrl: "/oauth/token", refreshUrl: "/oauth/token", scopes: {} },
    },
  });

  app.notFound((c) => {
    const body: ErrorBody = { error: { code: "NOT_FOUND", message: "Not found" }, requestId: c.var.requestId };
    return c.json(body, 404);
  });

  app.onError((err, c) => {
    const known = err instanceof AppError ? err : err instanceof HTTPException ? fromHttp(err) : undefined;
    // Unknown errors are logged with the request id only: never bodies, headers or personal values.
    if (!known) console.error(JSON.stringify({ requestId: c.var.requestId, error: err.name }));
    const e = known ?? new AppError("INTERNAL", "Something went wrong on our side.");
    for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
    const body: ErrorBody = {
      error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) },
      requestId: c.var.requestId,
    };
    return c.json(body, e.status as 400);
  });

  return app;
}

function fromHttp(err: HTTPException): AppError {
  if (err.status === 400) return new AppError("INVALID_JSON", "The body is not valid JSON.");
  if (err.status === 413) return new AppError("PAYLOAD_TOO_LARGE", "The body is too large.");
  if (err.status === 401) return new AppError("UNAUTHENTICATED", "Please log in.");
  if (err.status === 403) return new AppError("FORBIDDEN", "You are not allowed to do this.");
  if (err.status === 404) return new AppError("NOT_FOUND", "Not found");
  return new AppError("INTERNAL", "Something went wrong on our side.");
}

export type App = ReturnType<typeof createApp>;
