import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { customers } from "../../src/db/schema/customers";
import { activationCodes } from "../../src/db/schema/onboarding";
import { PAGE_TEXTS } from "../../src/i18n/pages";
import { configFrom } from "../../src/lib/config";
import { regionStores } from "../../src/region";
import { CODE_FAILURES_PER_CLIENT } from "../../src/services/code-attempts";
import { signUpWithCode } from "../../src/services/signup";
import {
  countRows,
  dbOfWorld,
  freshEmail,
  freshIp,
  kdfRunsOf,
  loginRequest,
  mailsTo,
  register,
  tokenFromMail,
  verifyEmail,
} from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, type World } from "../helpers/factories";
import { api, ORIGIN_OF, sessionFrom } from "../helpers/http";
import {
  buildingsOf,
  checkCode,
  codeRow,
  createCode,
  me,
  NEW_PASSWORD,
  redeem,
  session,
  signUpAndLogIn,
  signup,
  statusOf,
} from "../helpers/onboarding";

/** Signing up or adding a home with a code (R-A1, R-A2), and the personal sign-up page. */

const codeFor = async (w: World, tenancy: 0 | 1 = 0, body: object = {}) =>
  createCode(w, await session.manager(w), w.tenancyIds[tenancy], body);

/** Service dependencies as the Worker builds them, optionally with a frozen clock. */
async function serviceDeps(w: World, frozen?: Date) {
  const db = createDb(dbOfWorld(w));
  const customer = await db.query.customers.findFirst({ where: eq(customers.id, w.customerId) });
  if (!customer) throw new Error("no customer");
  const now = () => frozen ?? new Date();
  const deps: Deps = { db, stores: regionStores(env, w.jurisdiction), now, config: configFrom(env) };
  return { db, deps, customer };
}

const usersWithEmail = (w: World, email: string) =>
  countRows(dbOfWorld(w), "SELECT count(*) AS n FROM users WHERE customer_id = ?1 AND email = ?2", w.customerId, email);
const membersOf = (w: World, tenancyId: string) =>
  countRows(dbOfWorld(w), "SELECT count(*) AS n FROM tenancy_members WHERE tenancy_id = ?1", tenancyId);

describe("POST /api/onboarding/signup", () => {
  it("creates a pending account that, once confirmed with its password, lives in the code's unit", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const email = freshEmail();
    const res = await signup(w.slug, { code: code.code.toLowerCase(), email });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "accepted" });

    expect(await envelopeOf(await loginRequest(w.slug, email, NEW_PASSWORD))).toBe("EMAIL_NOT_VERIFIED");
    const [mail] = await mailsTo(w.slug, email);
    expect(mail?.template).toBe("verify-email");
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/verify-email?token=`);
    const token = await tokenFromMail(w.slug, email, "verify-email");
    expect(await envelopeOf(await verifyEmail(w.slug, token, "not my password"))).toBe("INVALID_CREDENTIALS");
    expect((await verifyEmail(w.slug, token, NEW_PASSWORD)).status).toBe(204);

    const res2 = await loginRequest(w.slug, email, NEW_PASSWORD);
    expect(res2.status).toBe(200);
    const s = sessionFrom(res2) ?? "";
    expect((await me(w.slug, s)).memberships).toEqual([
      { buildingId: w.buildingIds[0], unitId: w.unitIds[0], tenancyId: w.tenancyIds[0], endsOn: null },
    ]);
    expect((await buildingsOf(w.slug, s)).map((b) => b.id)).toEqual([w.buildingIds[0]]);
    expect((await api(`/api/buildings/${w.buildingIds[0]}`, { app: w.slug, session: s })).status).toBe(200);
    expect(await envelopeOf(await api(`/api/buildings/${w.buildingIds[1]}`, { app: w.slug, session: s }))).toBe(
      "NOT_FOUND",
    );
    expect(await statusOf(w, await session.manager(w), w.buildingIds[0], code.id)).toBe("used");
  });

  it("gives the new resident the customer's enabled micro-apps, and only those", async () => {
    const w = await makeWorld();
    const admin = await session.admin(w);
    const put = await api("/api/customer/apps/announcements", {
      app: w.slug,
      session: admin,
      method: "PUT",
      json: { enabled: true, name: "News" },
    });
    expect(put.status).toBe(200);
    // A switched-off app is not given; an app without a row is on, as the server treats it (decision 0040).
    const off = await api("/api/customer/apps/marketplace", {
      app: w.slug,
      session: admin,
      method: "PUT",
      json: { enabled: false, name: null },
    });
    expect(off.status).toBe(200);
    const { session: s } = await signUpAndLogIn(w.slug, (await codeFor(w)).code);
    const apps = (await me(w.slug, s)).apps;
    expect(apps).toEqual([
      { key: "pinboard", name: "Board" },
      { key: "announcements", name: "News" },
      ...["service-center", "information", "my-apartment", "business-directory", "bookings", "my-neighbours"].map(
        (key) => ({ key, name: null }),
      ),
      { key: "sharing", name: null },
    ]);
  });

  it("answers an address with an account like a new one, keeps the code unused and mails a login hint", async () => {
    const w = await makeWorld();
    const code = await codeFor(w, 1);
    const known = await kdfRunsOf(() => signup(w.slug, { code: code.code, email: w.emails.resident.toUpperCase() }));
    const fresh = await kdfRunsOf(() => signup(w.slug, { code: code.code, email: freshEmail() }));

    expect(known.result.status).toBe(202);
    expect(await known.result.json()).toEqual(await fresh.result.json());
    expect(known.runs).toBe(fresh.runs);
    const [mail] = await mailsTo(w.slug, w.emails.resident);
    expect(mail?.template).toBe("code-account-exists");
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/signup?code=${code.code}`);
    // The known address changed nothing: same password, no new home; the code went to the new address.
    const resident = await session.resident(w);
    expect((await me(w.slug, resident)).memberships.map((m) => m.tenancyId)).toEqual([w.tenancyIds[0]]);
    expect((await codeRow(w, code.id))?.use_count).toBe(1);
  });

  it("does not spend the code on an address that already has an account", async () => {
    const w = await makeWorld();
    const code = await codeFor(w, 1);
    expect((await signup(w.slug, { code: code.code, email: w.emails.resident })).status).toBe(202);
    expect((await codeRow(w, code.id))?.use_count).toBe(0);
    expect(await statusOf(w, await session.manager(w), w.buildingIds[1], code.id)).toBe("unused");
  });

  it("refuses a single-use code a second time with 400 CODE_INVALID and creates no account", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    await signUpAndLogIn(w.slug, code.code);
    const late = freshEmail("late");
    expect(await envelopeOf(await signup(w.slug, { code: code.code, email: late }))).toBe("CODE_INVALID");
    expect(await envelopeOf(await redeem(w.slug, await session.otherBuilding(w), code.code))).toBe("CODE_INVALID");
    expect(await usersWithEmail(w, late)).toBe(0);
    expect(await membersOf(w, w.tenancyIds[0])).toBe(3);
  });

  it("checks exactly one of two simultaneous sign-ups in with one single-use code, leaving no trace of the other", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const emails = [freshEmail("a"), freshEmail("b")];
    const results = await Promise.all(emails.map((email) => signup(w.slug, { code: code.code, email })));

    expect(results.map((r) => r.status).sort()).toEqual([202, 400]);
    const loser = results.find((r) => r.status === 400);
    expect(loser && (await envelopeOf(loser))).toBe("CODE_INVALID");
    const counts = [await usersWithEmail(w, emails[0] ?? ""), await usersWithEmail(w, emails[1] ?? "")];
    expect(counts.sort()).toEqual([0, 1]);
    expect(await membersOf(w, w.tenancyIds[0])).toBe(3);
    const db = dbOfWorld(w);
    expect(await countRows(db, "SELECT count(*) AS n FROM auth_tokens WHERE customer_id = ?1", w.customerId)).toBe(1);
    expect(await countRows(db, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1", w.customerId)).toBe(1);
    expect((await codeRow(w, code.id))?.use_count).toBe(1);
  });

  it("lets only one of two simultaneous logged-in redemptions of a single-use code through", async () => {
    const w = await makeWorld();
    const code = await codeFor(w, 1);
    const sessions = [await session.resident(w), await session.admin(w)];
    const results = await Promise.all(sessions.map((s) => redeem(w.slug, s, code.code)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(await membersOf(w, w.tenancyIds[1])).toBe(2);
    expect((await codeRow(w, code.id))?.use_count).toBe(1);
  });

  it("takes over a pending registration of the address: the earlier link dies, the code's password counts", async () => {
    const w = await makeWorld();
    const email = freshEmail("pending");
    await register(w.slug, { email, password: "someone else's passphrase" });
    const earlier = await tokenFromMail(w.slug, email, "verify-email");
    expect((await signup(w.slug, { code: (await codeFor(w)).code, email })).status).toBe(202);
    const latest = await tokenFromMail(w.slug, email, "verify-email");

    expect(latest).not.toBe(earlier);
    expect(await envelopeOf(await verifyEmail(w.slug, earlier, "someone else's passphrase"))).toBe("TOKEN_INVALID");
    expect((await verifyEmail(w.slug, latest, NEW_PASSWORD)).status).toBe(204);
    expect(await envelopeOf(await loginRequest(w.slug, email, "someone else's passphrase"))).toBe(
      "INVALID_CREDENTIALS",
    );
    expect(await usersWithEmail(w, email)).toBe(1);
  });

  it("refuses incomplete or malformed forms with 400 VALIDATION_FAILED and keeps the code unused", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const ok = { code: code.code, name: "Nina", email: freshEmail(), password: NEW_PASSWORD };
    const bad = [
      { ...ok, password: "short" },
      { ...ok, email: "not-an-address" },
      { ...ok, name: "" },
      { ...ok, locale: "xx" },
      { ...ok, role: "customer_admin" },
      { code: code.code, email: ok.email, password: ok.password },
    ];
    for (const json of bad) {
      const res = await api("/api/onboarding/signup", {
        app: w.slug,
        json,
        headers: { "cf-connecting-ip": freshIp() },
      });
      expect(await envelopeOf(res), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
    expect((await codeRow(w, code.id))?.use_count).toBe(0);
    expect(await usersWithEmail(w, ok.email)).toBe(0);
  });
});

describe("signup.signUpWithCode", () => {
  it("leaves no account behind when it loses the code to a sign-up of the same millisecond", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const { deps, customer, db } = await serviceDeps(w, new Date());
    const before = await db.query.activationCodes.findFirst({ where: eq(activationCodes.id, code.id) });
    if (!before) throw new Error("no code");
    const form = (email: string) => ({ code: code.code, name: "Nina", email, password: NEW_PASSWORD });
    await signUpWithCode(deps, customer, ORIGIN_OF(w.slug), freshIp(), form(freshEmail("first")));

    // The second request read the code before the first one's batch ran (two isolates at once).
    const staleCodes = Object.assign(Object.create(db.query.activationCodes), { findFirst: async () => before });
    const racing: Deps = {
      ...deps,
      db: Object.assign(Object.create(db), { query: { ...db.query, activationCodes: staleCodes } }),
    };
    const second = freshEmail("second");
    await expect(signUpWithCode(racing, customer, ORIGIN_OF(w.slug), freshIp(), form(second))).rejects.toMatchObject({
      code: "CODE_INVALID",
    });
    expect(await usersWithEmail(w, second)).toBe(0);
    expect(await membersOf(w, w.tenancyIds[0])).toBe(3);
    expect((await codeRow(w, code.id))?.use_count).toBe(1);
  });

  it("treats losing the race for the address like signing up with a known one, not as a server error", async () => {
    const w = await makeWorld();
    const code = await codeFor(w, 0, { permanent: true });
    const { deps, customer } = await serviceDeps(w);
    const email = freshEmail("twice");
    const form = { code: code.code, name: "Nina", email, password: NEW_PASSWORD };
    await signUpWithCode(deps, customer, ORIGIN_OF(w.slug), freshIp(), form);

    // The second request looked before the first one's row existed (two isolates at once).
    const blindUsers = Object.assign(Object.create(deps.db.query.users), { findFirst: async () => undefined });
    const racing: Deps = {
      ...deps,
      db: Object.assign(Object.create(deps.db), { query: { ...deps.db.query, users: blindUsers } }),
    };
    await expect(signUpWithCode(racing, customer, ORIGIN_OF(w.slug), freshIp(), form)).resolves.toBeUndefined();
    expect(await usersWithEmail(w, email)).toBe(1);
    expect((await codeRow(w, code.id))?.use_count).toBe(1);
  });
});

describe("POST /api/onboarding/redeem", () => {
  it("adds the code's home to a logged-in account", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const other = await session.otherBuilding(w);
    const res = await redeem(w.slug, other, ` ${code.code.toLowerCase()} `);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { memberships: { tenancyId: string }[] };
    expect(body.memberships.map((m) => m.tenancyId).sort()).toEqual([...w.tenancyIds].sort());
    expect((await buildingsOf(w.slug, other)).map((b) => b.id).sort()).toEqual([...w.buildingIds].sort());
  });

  it("refuses a wrong code with 400 CODE_INVALID and a visitor with 401 UNAUTHENTICATED", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    expect(await envelopeOf(await redeem(w.slug, await session.otherBuilding(w), "ABCD-EFGH-JKMN"))).toBe(
      "CODE_INVALID",
    );
    const visitor = await api("/api/onboarding/redeem", { app: w.slug, json: { code: code.code } });
    expect(await envelopeOf(visitor)).toBe("UNAUTHENTICATED");
    expect((await codeRow(w, code.id))?.use_count).toBe(0);
  });
});

describe("GET /signup", () => {
  it("shows the building and unit a valid code leads to", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const res = await api(`/signup?code=${encodeURIComponent(code.code)}&lang=en`, { app: w.slug });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain(PAGE_TEXTS.en.joining);
    expect(html).toMatch(/Building 1 [^<]*, 8000 Zürich · 1\.1/);
    expect(html).toContain(`value="${code.code}"`);
    expect(html).toContain('data-endpoint="/api/onboarding/signup"');
  });

  it("explains an invalid code in the page's language instead of failing", async () => {
    const w = await makeWorld();
    for (const lang of ["de", "fr"] as const) {
      const res = await api(`/signup?code=ZZZZ-ZZZZ-ZZZZ&lang=${lang}`, {
        app: w.slug,
        headers: { "cf-connecting-ip": freshIp() },
      });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(`role="alert">${PAGE_TEXTS[lang].codeInvalid.replaceAll("'", "&#39;")}`);
      expect(html).not.toContain(PAGE_TEXTS[lang].joining);
    }
  });

  it("explains the attempt limit instead of failing", async () => {
    const w = await makeWorld();
    const ip = freshIp();
    for (let i = 0; i < CODE_FAILURES_PER_CLIENT.max; i++) await checkCode(w.slug, `QQQQ-QQQQ-QQ${i}`, ip);
    const res = await api("/signup?code=QQQQ-QQQQ-QQQQ&lang=en", { app: w.slug, headers: { "cf-connecting-ip": ip } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(PAGE_TEXTS.en.tooManyAttempts);
  });

  it("offers a logged-in resident to add the home to the account", async () => {
    const w = await makeWorld();
    const code = await codeFor(w);
    const res = await api(`/signup?code=${code.code}`, { app: w.slug, session: await session.otherBuilding(w) });
    const html = await res.text();
    expect(html).toContain('data-endpoint="/api/onboarding/redeem"');
    expect(html).not.toContain('data-endpoint="/api/onboarding/signup"');
  });
});
