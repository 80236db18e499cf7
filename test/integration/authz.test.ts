import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { type Access, routeTable } from "../../src/routes/define";
import { resetApiRateLimits } from "../../src/services/api-rate-limit";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { ALL_SCOPES, clientToken, passwordToken, registerClient, v1 } from "../helpers/oauth";

/**
 * The authorization matrix, generated from the app's own route table: every route Hono knows must be
 * declared with an access level, and every non-public route is tried with no identity, a foreign
 * customer's session, a foreign customer's manager asking for our ids, a resident of another building,
 * and a resident or manager where more is required. A new route cannot be missed: it either has no
 * declaration (fails) or is tried automatically.
 */
const app = createApp();

function appRoutes() {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue; // middleware
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

/** Public routes are listed here on purpose: making a route public is a decision, not an accident. */
const PUBLIC = new Set([
  "GET /",
  "GET /verify-email",
  "GET /reset-password",
  "GET /api/openapi.json",
  "GET /api/docs",
  "POST /api/auth/register",
  "POST /api/auth/verify-email",
  "POST /api/auth/login",
  "POST /api/auth/password-reset",
  "POST /api/auth/password-reset/confirm",
  "POST /api/onboarding/code",
  "POST /api/onboarding/signup",
  "GET /api/onboarding/buildings",
  "POST /api/access-requests",
  "POST /api/access-requests/verify",
  "GET /signup",
  "GET /request-access",
  "GET /access-request",
  // The cookie and storage declaration (R-P11), for visitors before they log in.
  "GET /privacy",
  // Transparency (R-P13): controller, authority, processors, record of processing — for anyone.
  "GET /api/privacy/transparency",
  // The same as a server-rendered page in four languages (R-P13).
  "GET /privacy/transparency",
  // Newsletter links (R-P8): the mailed 256-bit token is the only key, one subscription each.
  "GET /newsletter/confirm",
  "GET /newsletter/preferences",
  "POST /api/newsletter/confirm",
  "POST /api/newsletter/preferences",
  "POST /api/newsletter/unsubscribe",
  // The web app's shell: static HTML and script, no data; the data comes from the guarded API.
  "GET /app",
  "GET /app/*",
  // OAuth2 token endpoint (issue 7): authenticates the client itself from the form fields.
  "POST /oauth/token",
  // Operator route (decision 0038): no session or customer; the OPS_TOKEN bearer secret, 401 otherwise.
  "POST /ops/erasure-ledger/replay",
  // The craftsman's work-order page (issue 8): the link's 256-bit token is the only key, one ticket each.
  "GET /work-orders/:token",
  "POST /work-orders/:token",
  "POST /work-orders/:token/files",
  "GET /work-orders/:token/files/:fileId",
  // Staff invitations (decision 0039): the mailed 256-bit token is the only key, one invitation each.
  "GET /staff-invitation",
  "POST /staff-invitation",
]);

/** A valid body per write route, so the object-level checks (not only validation) are reached. */
const SAMPLE_BODIES: Record<string, unknown> = {
  "POST /api/auth/logout": undefined,
  "POST /api/auth/logout-all": undefined,
  "POST /api/auth/password-change": { currentPassword: PASSWORD, newPassword: "another long password" },
  "PATCH /api/me": { name: "Changed By Matrix" },
  "POST /api/units/:unitId/tenancies": { type: "tenant", startsOn: "2099-01-01", endsOn: "2099-12-31" },
  "PUT /api/customer/apps/:appKey": { enabled: false, name: "Hijacked" },
  // Per-property micro-app overrides (R-T3, decision 0040): a foreign property is 404, nothing written.
  "PUT /api/admin/properties/:propertyId/micro-apps/:appKey": { enabled: false, name: "Hijacked" },
  "DELETE /api/admin/properties/:propertyId/micro-apps/:appKey": undefined,
  "POST /api/onboarding/redeem": { code: "ABCD-EFGH-JKLM" },
  "POST /api/tenancies/:tenancyId/codes": {},
  "POST /api/buildings/:buildingId/codes": {},
  "POST /api/codes/:codeId/send": { email: "matrix@example.test" },
  "DELETE /api/codes/:codeId": undefined,
  "POST /api/invitations": { email: "matrix@example.test" },
  "DELETE /api/invitations/:codeId": undefined,
  "POST /api/access-requests/:requestId/approve": { tenancyId: "from-fixture" },
  "POST /api/access-requests/:requestId/reject": { reason: "Matrix" },
  "POST /api/announcements": { title: "Matrix", body: "Matrix", target: { type: "building", ids: ["from-fixture"] } },
  "DELETE /api/announcements/:announcementId": undefined,
  "POST /api/announcements/:announcementId/read": undefined,
  "POST /api/announcements/:announcementId/acknowledge": {},
  "POST /api/buildings/:buildingId/posts/:postId/reports": { reason: "spam", note: "Matrix" },
  "PUT /api/buildings/:buildingId/posts/:postId/visibility": { hidden: true },
  "DELETE /api/buildings/:buildingId/posts/:postId/reports": undefined,
  "PATCH /api/tenancies/:tenancyId": { endsOn: "2099-12-31" },
  "PATCH /api/roles/:roleId": { endsOn: "2000-01-01" },
  "POST /api/roles": { email: "matrix@example.test", role: "customer_admin", scopeType: "customer" },
  "POST /api/staff-invitations": { email: "matrix-invite@example.test", role: "customer_admin", scopeType: "customer" },
  "POST /api/staff-invitations/:invitationId/resend": undefined,
  "DELETE /api/staff-invitations/:invitationId": undefined,
  "POST /api/me/exports": undefined,
  // A wrong password: the matrix must never erase anyone (REAUTH_FAILED for the allowed caller).
  "POST /api/me/erasure": { password: "not the password of anyone" },
  "POST /api/dsr/:requestId/retry": undefined,
  // Staff-recorded requests (decision 0036): the matrix's requestId is no DSR, so act and decide are 404.
  "POST /api/dsr": { userId: "from-fixture", kind: "access", channel: "letter" },
  "POST /api/dsr/:requestId/identity": { verified: false, reason: "duplicate" },
  "POST /api/dsr/:requestId/act": {},
  "POST /api/me/restrictions": { kind: "objection-marketing", active: false },
  "POST /api/me/consents": { purpose: "chatbot", granted: false, textVersion: "matrix" },
  // Newsletter (R-P8): unknown topics, so nothing is subscribed or sent.
  "POST /api/me/newsletter": { topicIds: ["matrix-topic"], textVersion: "matrix" },
  "DELETE /api/me/newsletter": undefined,
  "POST /api/admin/newsletter/topics": { name: "Matrix" },
  "POST /api/admin/newsletter/issues": { topicId: "matrix-topic", subject: "Matrix", body: "Matrix" },
  "PATCH /api/admin/privacy-settings": { tenancyEndGraceDays: 30 },
  "PUT /api/me/notifications": { announcements: "never", messages: "never", pinboard: "never" },
  // Integrator API (issue 7): client registry (session, admin) and Allthings v1 (bearer).
  "POST /api/api-clients": { name: "Matrix", scopes: ["master-data:read"] },
  "DELETE /api/api-clients/:clientId": undefined,
  "POST /api/v1/apps/:appId/properties": { name: "Matrix", timezone: "Europe/Zurich" },
  "PATCH /api/v1/properties/:propertyId": { name: "Matrix" },
  "POST /api/v1/properties/:propertyId/groups": { name: "Matrix" },
  "PATCH /api/v1/groups/:groupId": { name: "Matrix" },
  "POST /api/v1/groups/:groupId/units": { name: "Matrix", type: "rented" },
  "PATCH /api/v1/units/:unitId": { name: "Matrix" },
  "POST /api/v1/units/:unitId/utilisation-periods": { startDate: "2099-01-01", type: "ownership" },
  "PATCH /api/v1/utilisation-periods/:periodId": { endDate: "2099-12-31" },
  "POST /api/v1/utilisation-periods/:periodId/users": { email: "from-fixture" },
  "DELETE /api/v1/utilisation-periods/:periodId/users/:userId": undefined,
  "POST /api/v1/users": { email: "matrix-v1@example.test", username: "Matrix", locale: "de_DE" },
  "PATCH /api/v1/users/:userId": { username: "Changed By Matrix" },
  "POST /api/v1/users/:userId/apps": { name: "Matrix" },
  "POST /api/v1/registration-codes": { code: "MATRIXCODE1", utilisationPeriods: ["from-fixture"] },
  "PATCH /api/v1/registration-codes/:codeId": { permanent: true },
  "DELETE /api/v1/invitations/:codeId": undefined,
  "POST /api/v1/utilisation-periods/:periodId/registration-codes": {},
  "POST /api/v1/id-lookup/:appId/:resource": { externalIds: ["x"] },
  // Webhooks (issue 7): customer admins on /api/webhooks, integrator clients on /api/v1/webhooks.
  "POST /api/webhooks": { url: "https://erp.example.com/matrix", entities: ["unit"] },
  "PATCH /api/webhooks/:webhookId": { enabled: false },
  "DELETE /api/webhooks/:webhookId": undefined,
  "POST /api/webhooks/:webhookId/secret": undefined,
  "POST /api/v1/webhooks": { url: "https://erp.example.com/matrix", entities: ["unit"] },
  "PATCH /api/v1/webhooks/:webhookId": { enabled: false },
  "DELETE /api/v1/webhooks/:webhookId": undefined,
  "POST /api/v1/webhooks/:webhookId/secret": undefined,
  // Allthings v1 resident services (issue 8 item 6): uploads, tickets, conversations (bearer).
  "POST /api/v1/files": undefined,
  "DELETE /api/v1/files/:fileId": undefined,
  "POST /api/v1/users/:userId/tickets": {
    category: "from-fixture",
    title: "Matrix",
    description: "Matrix",
    utilisationPeriod: "from-fixture",
    files: [],
  },
  "POST /api/v1/conversations/:conversationId/messages": { content: { content: "Matrix" }, type: "text" },
  // Service Center, files and documents (issue 8).
  "POST /api/files": undefined,
  // Filled in with world A's building, category and file in beforeAll.
  "POST /api/tickets": {},
  "POST /api/tickets/:ticketId/messages": { body: "Matrix" },
  "PATCH /api/tickets/:ticketId": { status: "closed" },
  "POST /api/tickets/:ticketId/feedback": { rating: 1 },
  "DELETE /api/tickets/:ticketId/work-orders": undefined,
  "POST /api/ticket-categories": { name: "Matrix", deadlineHours: 1 },
  "PATCH /api/ticket-categories/:categoryId": { name: "Hijacked" },
  "POST /api/service-providers": { name: "Matrix", email: "matrix@example.test" },
  "PATCH /api/service-providers/:providerId": { name: "Hijacked" },
  "POST /api/documents": {},
  "POST /api/units/:unitId/documents": { category: "contract", title: "Matrix", fileId: "from-fixture" },
  "DELETE /api/documents/:documentId": undefined,
};

let a: World;
let b: World;
const s: Record<string, string> = {};
/** World A's code (for the resident's own invitations too) and open access request. */
const fx = {
  codeId: "",
  code: "MTRX2345ABCD",
  requestId: "",
  announcementId: "",
  postId: "",
  exportId: "",
  clientId: "",
  /** Issue 8: a ticket of A's resident with a photo, a category, a provider and a unit document. */
  ticketId: "",
  fileId: "",
  categoryId: "",
  providerId: "",
  documentId: "",
  /** Decision 0039: a pending staff invitation of world A. */
  invitationId: "",
};
/** Bearer tokens for the /api/v1 matrix (issue 7). */
const t: Record<string, string> = {};

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld();
  s.aAdmin = await login(a.emails.admin, PASSWORD, a.slug);
  s.aManager = await login(a.emails.manager, PASSWORD, a.slug);
  s.aResident = await login(a.emails.resident, PASSWORD, a.slug);
  s.aOtherBuilding = await login(a.emails.otherBuilding, PASSWORD, a.slug);
  s.bAdmin = await login(b.emails.admin, PASSWORD, b.slug);
  s.bManager = await login(b.emails.manager, PASSWORD, b.slug);
  fx.codeId = `code-${a.customerId}`;
  fx.requestId = `req-${a.customerId}`;
  fx.announcementId = `ann-${a.customerId}`;
  // A post id no room has: callers who pass the checks get 404 from the room; nobody else gets that far.
  fx.postId = `post-${a.customerId}`;
  // World A's resident's data export: nobody else may learn it exists (no token is ever sent here).
  fx.exportId = `export-${a.customerId}`;
  fx.invitationId = `sinv-${a.customerId}`;
  const now = Date.now();
  await env.DB_CH.batch([
    env.DB_CH.prepare(
      "INSERT INTO activation_codes (id, customer_id, code, permanent, source, created_by, expires_at, created_at) VALUES (?, ?, ?, 0, 'neighbour', ?, ?, ?)",
    ).bind(fx.codeId, a.customerId, fx.code, a.userIds.resident, now + 86_400_000, now),
    env.DB_CH.prepare("INSERT INTO activation_code_tenancies (code_id, tenancy_id, customer_id) VALUES (?, ?, ?)").bind(
      fx.codeId,
      a.tenancyIds[0],
      a.customerId,
    ),
    env.DB_CH.prepare(
      "INSERT INTO access_requests (id, customer_id, building_id, unit_text, name, email, locale, status, expires_at, created_at) VALUES (?, ?, ?, '1.1', 'Requester', 'requester@example.test', 'de', 'open', ?, ?)",
    ).bind(fx.requestId, a.customerId, a.buildingIds[0], now + 86_400_000, now),
    env.DB_CH.prepare(
      "INSERT INTO announcements (id, customer_id, author_id, title, body, target_type, target_ids, ack_required, state, publish_at, published_at, created_at) VALUES (?, ?, ?, 'Fixture', 'Fixture', 'building', ?, 1, 'published', ?, ?, ?)",
    ).bind(fx.announcementId, a.customerId, a.userIds.manager, JSON.stringify([a.buildingIds[0]]), now, now, now),
    env.DB_CH.prepare(
      "INSERT INTO announcement_targets (announcement_id, building_id, customer_id, delivery_state, attempts, next_attempt_at, updated_at) VALUES (?, ?, ?, 'delivered', 1, ?, ?)",
    ).bind(fx.announcementId, a.buildingIds[0], a.customerId, now, now),
    env.DB_CH.prepare(
      "INSERT INTO data_exports (id, customer_id, user_id, created_at, expires_at, object_key, token_hash, size) VALUES (?, ?, ?, ?, ?, ?, 'matrix-hash', 1)",
    ).bind(fx.exportId, a.customerId, a.userIds.resident, now, now + 86_400_000, `exports/${fx.exportId}.zip`),
    env.DB_CH.prepare(
      "INSERT INTO staff_invitations (id, customer_id, email, locale, role, scope_type, scope_id, token_hash, invited_by, expires_at, sent_at, send_count, created_at) VALUES (?, ?, 'invitee@example.test', 'de', 'property_manager', 'property', ?, ?, ?, ?, ?, 1, ?)",
    ).bind(
      fx.invitationId,
      a.customerId,
      a.propertyId,
      `hash-${a.customerId}`,
      a.userIds.admin,
      now + 86_400_000,
      now,
      now,
    ),
  ]);
  SAMPLE_BODIES["POST /api/announcements"] = {
    title: "Matrix",
    body: "Matrix",
    target: { type: "building", ids: [a.buildingIds[0]] },
  };
  SAMPLE_BODIES["POST /api/access-requests/:requestId/approve"] = { tenancyId: a.tenancyIds[0] };
  SAMPLE_BODIES["POST /api/dsr"] = { userId: a.userIds.resident, kind: "access", channel: "letter" };
  await ticketFixtures(now);
  SAMPLE_BODIES["POST /api/v1/utilisation-periods/:periodId/users"] = { email: a.emails.otherBuilding };
  SAMPLE_BODIES["POST /api/v1/registration-codes"] = { code: "MATRIXCODE1", utilisationPeriods: [a.tenancyIds[0]] };
  const aClient = await registerClient(s.aAdmin, a.slug);
  fx.clientId = aClient.clientId;
  t.aClient = await clientToken(aClient, a.slug);
  // Every scope, so the foreign token is refused by tenancy (404), not merely by a missing scope.
  t.bClient = await clientToken(
    await registerClient(s.bAdmin, b.slug, {
      scopes: [...ALL_SCOPES, "resident-services:read", "resident-services:write"],
    }),
    b.slug,
  );
  t.aProfileOnly = await clientToken(await registerClient(s.aAdmin, a.slug, { scopes: ["user:profile"] }), a.slug);
  const own = await registerClient(s.aAdmin, a.slug, { firstParty: true });
  t.aResident = (await passwordToken(own, a.emails.resident, PASSWORD, a.slug)).access_token;
  t.aManager = (await passwordToken(own, a.emails.manager, PASSWORD, a.slug)).access_token;
});

/** Issue 8 fixtures of world A (ids derived from the customer, so a foreign caller cannot guess more). */
async function ticketFixtures(now: number) {
  const c = a.customerId;
  Object.assign(fx, {
    ticketId: `ticket-${c}`,
    fileId: `file-${c}`,
    categoryId: `cat-${c}`,
    providerId: `prov-${c}`,
    documentId: `doc-${c}`,
  });
  const docFile = `docfile-${c}`;
  await env.DB_CH.batch([
    env.DB_CH.prepare(
      "INSERT INTO ticket_categories (id, customer_id, name, deadline_hours, created_at) VALUES (?, ?, 'Fixture', 48, ?)",
    ).bind(fx.categoryId, c, now),
    env.DB_CH.prepare(
      "INSERT INTO service_providers (id, customer_id, name, email, created_at) VALUES (?, ?, 'Fixture AG', 'fixture-ag@example.test', ?)",
    ).bind(fx.providerId, c, now),
    env.DB_CH.prepare(
      "INSERT INTO tickets (id, customer_id, building_id, unit_id, reporter_id, category_id, title, description, status, waiting_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'Fixture', 'Fixture', 'closed', NULL, ?, ?)",
    ).bind(fx.ticketId, c, a.buildingIds[0], a.unitIds[0], a.userIds.resident, fx.categoryId, now, now),
    env.DB_CH.prepare(
      "INSERT INTO files (id, customer_id, subject_id, uploaded_by, owner_type, owner_id, content_type, size, name, object_key, state, created_at) VALUES (?, ?, ?, ?, 'ticket', ?, 'image/png', 1, 'fixture.png', ?, 'attached', ?)",
    ).bind(fx.fileId, c, a.userIds.resident, a.userIds.resident, fx.ticketId, `files/${c}/fixture`, now),
    env.DB_CH.prepare(
      "INSERT INTO files (id, customer_id, uploaded_by, owner_type, owner_id, content_type, size, name, object_key, state, created_at) VALUES (?, ?, ?, 'document', ?, 'application/pdf', 1, 'lease.pdf', ?, 'attached', ?)",
    ).bind(docFile, c, a.userIds.manager, fx.documentId, `files/${c}/lease`, now),
    env.DB_CH.prepare(
      "INSERT INTO documents (id, customer_id, scope, category, title, file_id, unit_id, tenancy_id, created_by, created_at) VALUES (?, ?, 'unit', 'contract', 'Fixture lease', ?, ?, ?, ?, ?)",
    ).bind(fx.documentId, c, docFile, a.unitIds[0], a.tenancyIds[0], a.userIds.manager, now),
  ]);
  await env.FILES_CH.put(`files/${c}/fixture`, new Uint8Array([0x89, 0x50]));
  await env.FILES_CH.put(`files/${c}/lease`, new Uint8Array([0x25, 0x50]));
  SAMPLE_BODIES["POST /api/tickets"] = {
    buildingId: a.buildingIds[0],
    categoryId: fx.categoryId,
    title: "Matrix",
    description: "Matrix",
  };
  SAMPLE_BODIES["POST /api/documents"] = {
    category: "house-rules",
    title: "Matrix",
    fileId: fx.fileId,
    target: { type: "property", id: a.propertyId },
  };
}

function fill(path: string, w: World): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    switch (name) {
      case "buildingId":
        return w.buildingIds[0];
      case "unitId":
        return w.unitIds[0];
      case "appKey":
        return "pinboard";
      case "tenancyId":
        return w.tenancyIds[0];
      case "codeId":
        return fx.codeId;
      case "requestId":
        return fx.requestId;
      case "announcementId":
        return fx.announcementId;
      case "postId":
        return fx.postId;
      case "exportId":
        return fx.exportId;
      case "roleId":
        // makeWorld names role rows r-<role>-<suffix of the customer id>.
        return `r-manager-${w.customerId.slice("cus-".length)}`;
      case "userId":
        return w.userIds.neighbour;
      case "clientId":
        return fx.clientId;
      case "appId":
        return w.customerId;
      case "propertyId":
        return w.propertyId;
      case "groupId":
        return w.buildingIds[0];
      case "periodId":
        return w.tenancyIds[0];
      case "webhookId":
        // No such endpoint: whoever passes the guards gets 404; a foreign caller never more.
        return `hook-${w.customerId}`;
      case "resource":
        return "property";
      case "ticketId":
      case "conversationId":
        return fx.ticketId;
      case "fileId":
        return fx.fileId;
      case "categoryId":
        return fx.categoryId;
      case "providerId":
        return fx.providerId;
      case "documentId":
        return fx.documentId;
      case "token":
        return "A".repeat(43);
      case "invitationId":
        return fx.invitationId;
      default:
        throw new Error(`No fixture for path parameter :${name}; add one to the authorization matrix`);
    }
  });
}

async function call(route: { method: string; path: string }, opts: { app: string; session?: string; ids: World }) {
  const key = `${route.method} ${route.path}`;
  const body = SAMPLE_BODIES[key];
  const res = await api(fill(route.path, opts.ids), {
    app: opts.app,
    method: route.method,
    session: opts.session,
    ...(body === undefined ? {} : { json: body }),
  });
  return { status: res.status, text: await res.text() };
}

/** Strings that identify world A's data; none may appear in an answer to a foreign caller. */
function secretsOf(w: World) {
  return [
    w.customerId,
    ...w.buildingIds,
    ...w.unitIds,
    ...w.tenancyIds,
    ...Object.values(w.emails),
    w.propertyId,
    fx.code,
    "requester@example.test",
    "invitee@example.test",
  ];
}

function expectNoLeak(text: string, w: World) {
  for (const secret of secretsOf(w)) {
    // The id we asked for may be echoed in a 404 path; the app never echoes it, so check all.
    expect(text, `leaked ${secret}`).not.toContain(secret);
  }
}

describe("route table", () => {
  it("declares an access level for every route of the app", () => {
    const declared = new Map(routeTable.map((r) => [`${r.method} ${r.path}`, r.access]));
    const missing = appRoutes().filter((r) => !declared.has(`${r.method} ${r.path}`));
    expect(missing).toEqual([]);
  });

  it("lists every public route in the public allow-list and nothing else", () => {
    const publicRoutes = routeTable.filter((r) => r.access === "public").map((r) => `${r.method} ${r.path}`);
    expect(new Set(publicRoutes)).toEqual(PUBLIC);
  });

  it("has a sample body for every protected write route", () => {
    const writes = routeTable.filter((r) => r.method !== "GET" && r.access !== "public" && r.access !== "dev");
    for (const r of writes)
      expect(Object.hasOwn(SAMPLE_BODIES, `${r.method} ${r.path}`), `${r.method} ${r.path}`).toBe(true);
  });
});

describe("authorization matrix", () => {
  // Cookie-session routes; the bearer routes of /api/v1 have their own matrix below.
  const protectedRoutes = () =>
    routeTable.filter((r) => r.access !== "public" && r.access !== "dev" && r.access !== "api");
  const need = (access: Access, ...levels: Access[]) => levels.includes(access);

  it("answers 401 without identity on every protected route", async () => {
    for (const r of protectedRoutes()) {
      const res = await call(r, { app: a.slug, ids: a });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expectNoLeak(res.text, a);
    }
  });

  it("answers 401 to a foreign customer's session on our host", async () => {
    for (const r of protectedRoutes()) {
      const res = await call(r, { app: a.slug, session: s.bAdmin, ids: a });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expectNoLeak(res.text, a);
    }
  });

  it("never shows our data to a foreign manager asking for our ids on their host", async () => {
    // Routes that end the caller's session run last, so the foreign admin stays logged in until then.
    const ending = (r: { path: string }) => r.path.startsWith("/api/auth/");
    const ordered = [...protectedRoutes().filter((r) => !ending(r)), ...protectedRoutes().filter(ending)];
    for (const r of ordered) {
      const res = await call(r, { app: b.slug, session: s.bAdmin, ids: a });
      if (/:\w+/.test(r.path) && !r.path.startsWith("/api/customer/")) {
        expect([403, 404], `${r.method} ${r.path}`).toContain(res.status);
      } else {
        expect(res.status, `${r.method} ${r.path}`).toBeLessThan(500);
      }
      expectNoLeak(res.text, a);
    }
  });

  it("refuses a resident on staff and admin routes, and a manager on admin routes", async () => {
    for (const r of protectedRoutes()) {
      if (need(r.access, "staff", "admin")) {
        const res = await call(r, { app: a.slug, session: s.aResident, ids: a });
        expect(res.status, `resident ${r.method} ${r.path}`).toBe(403);
      }
      if (need(r.access, "admin")) {
        const res = await call(r, { app: a.slug, session: s.aManager, ids: a });
        expect(res.status, `manager ${r.method} ${r.path}`).toBe(403);
      }
    }
  });

  it("refuses a resident of another building on building- and unit-scoped routes", async () => {
    for (const r of protectedRoutes()) {
      if (
        !/:(buildingId|unitId|tenancyId|codeId|requestId|announcementId|postId|roleId|userId|exportId|ticketId|fileId|documentId|categoryId|providerId)/.test(
          r.path,
        )
      )
        continue;
      const res = await call(r, { app: a.slug, session: s.aOtherBuilding, ids: a });
      expect([403, 404], `${r.method} ${r.path}`).toContain(res.status);
      expect(res.text).not.toContain(a.unitIds[0]);
    }
  });

  it("changed nothing of world A through the refused writes", async () => {
    const tenancies = await env.DB_CH.prepare("SELECT count(*) AS n FROM tenancies WHERE customer_id = ?")
      .bind(a.customerId)
      .first<{ n: number }>();
    expect(tenancies?.n).toBe(2);
    const renamed = await env.DB_CH.prepare("SELECT count(*) AS n FROM users WHERE name = 'Changed By Matrix'").first<{
      n: number;
    }>();
    // Only B's own admin may have renamed themselves (on B's host, allowed); A's accounts are untouched.
    const aRenamed = await env.DB_CH.prepare(
      "SELECT count(*) AS n FROM users WHERE customer_id = ? AND name = 'Changed By Matrix'",
    )
      .bind(a.customerId)
      .first<{ n: number }>();
    expect(aRenamed?.n).toBe(0);
    expect(renamed?.n).toBeLessThanOrEqual(1);
    const code = await env.DB_CH.prepare("SELECT revoked_at, send_count FROM activation_codes WHERE id = ?")
      .bind(fx.codeId)
      .first();
    expect(code).toMatchObject({ revoked_at: null, send_count: 0 });
    const request = await env.DB_CH.prepare("SELECT status FROM access_requests WHERE id = ?")
      .bind(fx.requestId)
      .first();
    expect(request).toMatchObject({ status: "open" });
    const codes = await env.DB_CH.prepare("SELECT count(*) AS n FROM activation_codes WHERE customer_id = ?")
      .bind(a.customerId)
      .first<{ n: number }>();
    expect(codes?.n).toBe(1);
    const hijacked = await env.DB_CH.prepare(
      "SELECT count(*) AS n FROM micro_apps WHERE customer_id = ? AND custom_name = 'Hijacked'",
    )
      .bind(a.customerId)
      .first<{ n: number }>();
    expect(hijacked?.n).toBe(0);
    const overrides = await env.DB_CH.prepare(
      "SELECT count(*) AS n FROM micro_apps WHERE customer_id = ? AND property_id IS NOT NULL",
    )
      .bind(a.customerId)
      .first<{ n: number }>();
    expect(overrides?.n).toBe(0);
    const count = async (sql: string) =>
      (await env.DB_CH.prepare(sql).bind(a.customerId).first<{ n: number }>())?.n ?? -1;
    expect(await count("SELECT count(*) AS n FROM announcements WHERE customer_id = ? AND state = 'published'")).toBe(
      1,
    );
    expect(await count("SELECT count(*) AS n FROM announcements WHERE customer_id = ? AND title = 'Matrix'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM announcement_reads WHERE customer_id = ?")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM announcement_acks WHERE customer_id = ?")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM moderation_reports WHERE customer_id = ?")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM moderation_log WHERE customer_id = ?")).toBe(0);
    // Issue 8: the fixture ticket, category, provider and document are untouched, nothing was added.
    expect(await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ? AND title = 'Fixture'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM ticket_messages WHERE customer_id = ?")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM ticket_categories WHERE customer_id = ? AND name = 'Fixture'")).toBe(
      1,
    );
    expect(
      await count("SELECT count(*) AS n FROM service_providers WHERE customer_id = ? AND name = 'Fixture AG'"),
    ).toBe(1);
    expect(await count("SELECT count(*) AS n FROM documents WHERE customer_id = ? AND deleted_at IS NULL")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM work_order_links WHERE customer_id = ?")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM notification_preferences WHERE customer_id = ?")).toBe(0);
    // Decision 0039: A's invitation is neither resent nor revoked, and no invitation was added to A.
    expect(
      await count(
        "SELECT count(*) AS n FROM staff_invitations WHERE customer_id = ? AND revoked_at IS NULL AND send_count = 1",
      ),
    ).toBe(1);
    expect(await count("SELECT count(*) AS n FROM staff_invitations WHERE customer_id = ?")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM tenancies WHERE customer_id = ? AND ends_on IS NOT NULL")).toBe(0);
    expect(
      await count("SELECT count(*) AS n FROM role_assignments WHERE customer_id = ? AND ends_on IS NOT NULL"),
    ).toBe(0);
  });

  it("lets the right people in (the matrix is not passing because everything is refused)", async () => {
    expect(
      (await call({ method: "GET", path: "/api/buildings/:buildingId" }, { app: a.slug, session: s.aResident, ids: a }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(
          { method: "GET", path: "/api/buildings/:buildingId/units" },
          { app: a.slug, session: s.aManager, ids: a },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          { method: "GET", path: "/api/units/:unitId/tenancies" },
          { app: a.slug, session: s.aManager, ids: a },
        )
      ).status,
    ).toBe(200);
    expect(
      (await call({ method: "GET", path: "/api/properties" }, { app: a.slug, session: s.aAdmin, ids: a })).status,
    ).toBe(200);
    expect(
      (await call({ method: "GET", path: "/api/admin/micro-apps" }, { app: a.slug, session: s.aAdmin, ids: a })).status,
    ).toBe(200);
  });
});

describe("development-only routes", () => {
  it("do not exist when ENVIRONMENT is production", async () => {
    const prodEnv = { ...env, ENVIRONMENT: "production" } as unknown as Env;
    for (const r of routeTable.filter((x) => x.access === "dev")) {
      const ctx = createExecutionContext();
      const req = new Request(`http://x${r.path}`, { headers: { host: `${a.slug}.localhost:8787` } });
      const res = await app.fetch(req, prodEnv, ctx);
      await waitOnExecutionContext(ctx);
      // In production the bare host resolves no app, and a real app host has no dev routes.
      expect([404], `${r.method} ${r.path}`).toContain(res.status);
    }
  });
});

describe("integrator API matrix (/api/v1, bearer tokens, issue 7)", () => {
  const apiRoutes = () => routeTable.filter((r) => r.access === "api");
  async function callV1(route: { method: string; path: string }, token: string | undefined, ids: World) {
    // The matrix sends every v1 route in bursts with one client's tokens: a full bucket per call keeps
    // the per-client rate limit (tested in oauth-tokens.test.ts) out of the access answers.
    resetApiRateLimits();
    const body = SAMPLE_BODIES[`${route.method} ${route.path}`];
    const res = await v1(fill(route.path, ids).slice("/api/v1".length), token, {
      app: a.slug,
      method: route.method,
      ...(body === undefined ? {} : { json: body }),
    });
    return { status: res.status, text: await res.text() };
  }

  it("declares a scope for every v1 route and exposes no v1 route without one", () => {
    expect(apiRoutes().length).toBeGreaterThan(25);
    for (const r of apiRoutes()) expect(r.api?.scope, `${r.method} ${r.path}`).toBeTruthy();
    expect(routeTable.filter((r) => r.path.startsWith("/api/v1/") && r.access !== "api")).toEqual([]);
  });

  it("answers 401 without a token and ignores a session cookie", async () => {
    for (const r of apiRoutes()) {
      const res = await callV1(r, undefined, a);
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expectNoLeak(res.text, a);
      const withCookie = await v1(fill(r.path, a).slice("/api/v1".length), undefined, {
        app: a.slug,
        method: r.method,
        headers: { cookie: `__Host-quartier_session=${s.aAdmin}` },
        ...(SAMPLE_BODIES[`${r.method} ${r.path}`] === undefined
          ? {}
          : { json: SAMPLE_BODIES[`${r.method} ${r.path}`] }),
      });
      expect(withCookie.status, `cookie ${r.method} ${r.path}`).toBe(401);
    }
  });

  it("never shows or changes our data for a foreign customer's token (403/404), even on our host", async () => {
    for (const r of apiRoutes()) {
      const res = await callV1(r, t.bClient, a);
      if (/:\w+/.test(r.path) && !r.path.startsWith("/api/v1/users/:userId/apps")) {
        expect([403, 404], `${r.method} ${r.path}`).toContain(res.status);
      } else {
        expect(res.status, `${r.method} ${r.path}`).toBeLessThan(500);
        expect(res.status, `${r.method} ${r.path}`).not.toBe(401);
      }
      expectNoLeak(res.text, a);
    }
  });

  it("answers 403 (never 401) to a token without the route's scope", async () => {
    for (const r of apiRoutes()) {
      if (r.api?.scope === "user:profile") continue;
      const res = await callV1(r, t.aProfileOnly, a);
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expectNoLeak(res.text, a);
    }
  });

  it("answers 403 to residents' and managers' password-grant tokens where a customer admin is required", async () => {
    for (const r of apiRoutes()) {
      if (!r.api?.staff) continue;
      for (const who of ["aResident", "aManager"]) {
        const res = await callV1(r, t[who], a);
        expect(res.status, `${who} ${r.method} ${r.path}`).toBe(403);
      }
    }
  });

  it("changed nothing of world A through the refused v1 calls", async () => {
    const count = async (sql: string) =>
      (await env.DB_CH.prepare(sql).bind(a.customerId).first<{ n: number }>())?.n ?? -1;
    expect(await count("SELECT count(*) AS n FROM properties WHERE customer_id = ?")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM buildings WHERE customer_id = ?")).toBe(2);
    expect(await count("SELECT count(*) AS n FROM units WHERE customer_id = ?")).toBe(2);
    expect(await count("SELECT count(*) AS n FROM tenancies WHERE customer_id = ?")).toBe(2);
    expect(await count("SELECT count(*) AS n FROM tenancy_members WHERE customer_id = ?")).toBe(3);
    expect(await count("SELECT count(*) AS n FROM users WHERE customer_id = ?")).toBe(5);
    expect(await count("SELECT count(*) AS n FROM activation_codes WHERE customer_id = ?")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM master_data_changes WHERE customer_id = ?")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM api_clients WHERE customer_id = ? AND revoked_at IS NOT NULL")).toBe(
      0,
    );
  });

  it("lets the right token in (the matrix is not passing because everything is refused)", async () => {
    for (const path of ["/api/v1/properties", "/api/v1/groups/:groupId", "/api/v1/utilisation-periods/:periodId"]) {
      expect((await callV1({ method: "GET", path }, t.aClient, a)).status, path).toBe(200);
    }
    expect((await callV1({ method: "GET", path: "/api/v1/me" }, t.aResident, a)).status).toBe(200);
  });
});
