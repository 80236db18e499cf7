import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { type Access, routeTable } from "../../src/routes/define";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";

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
  // The web app's shell: static HTML and script, no data; the data comes from the guarded API.
  "GET /app",
  "GET /app/*",
]);

/** A valid body per write route, so the object-level checks (not only validation) are reached. */
const SAMPLE_BODIES: Record<string, unknown> = {
  "POST /api/auth/logout": undefined,
  "POST /api/auth/logout-all": undefined,
  "POST /api/auth/password-change": { currentPassword: PASSWORD, newPassword: "another long password" },
  "PATCH /api/me": { name: "Changed By Matrix" },
  "POST /api/units/:unitId/tenancies": { type: "tenant", startsOn: "2099-01-01", endsOn: "2099-12-31" },
  "PUT /api/customer/apps/:appKey": { enabled: false, name: "Hijacked" },
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
  "POST /api/me/exports": undefined,
  "PUT /api/me/notifications": { announcements: "never", messages: "never", pinboard: "never" },
};

let a: World;
let b: World;
const s: Record<string, string> = {};
/** World A's code (for the resident's own invitations too) and open access request. */
const fx = { codeId: "", code: "MTRX2345ABCD", requestId: "", announcementId: "", postId: "", exportId: "" };

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
  ]);
  SAMPLE_BODIES["POST /api/announcements"] = {
    title: "Matrix",
    body: "Matrix",
    target: { type: "building", ids: [a.buildingIds[0]] },
  };
  SAMPLE_BODIES["POST /api/access-requests/:requestId/approve"] = { tenancyId: a.tenancyIds[0] };
});

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
  const protectedRoutes = () => routeTable.filter((r) => r.access !== "public" && r.access !== "dev");
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
      if (!/:(buildingId|unitId|tenancyId|codeId|requestId|announcementId|postId|roleId|userId|exportId)/.test(r.path))
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
    expect(await count("SELECT count(*) AS n FROM notification_preferences WHERE customer_id = ?")).toBe(0);
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
