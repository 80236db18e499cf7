import { describe, expect, it } from "vitest";
import { DEFAULT_CODE_VALIDITY_DAYS } from "../../src/services/codes";
import { MAIL_PER_ACCOUNT } from "../../src/services/throttle";
import { freshEmail, mailsTo } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import {
  addProperty,
  addTenancy,
  type CodeDto,
  checkCode,
  codeRow,
  codesOf,
  createCode,
  dayFrom,
  expireCode,
  session,
  signUpAndLogIn,
  statusOf,
} from "../helpers/onboarding";

/** Activation codes as managers handle them (R-A1): creation, status, sending, revocation, scope. */

const DAY_MS = 86_400_000;

describe("POST /api/tenancies/{tenancyId}/codes", () => {
  it("creates an unused single-use code for 90 days, listed with its unit", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);

    expect(code).toMatchObject({ status: "unused", permanent: false, source: "manager", sendCount: 0, useCount: 0 });
    expect(code.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const days = (Date.parse(code.expiresAt) - Date.now()) / DAY_MS;
    expect(days).toBeGreaterThan(DEFAULT_CODE_VALIDITY_DAYS - 0.01);
    expect(days).toBeLessThanOrEqual(DEFAULT_CODE_VALIDITY_DAYS);
    const [listed] = await codesOf(w, manager, w.buildingIds[0]);
    expect(listed).toMatchObject({ id: code.id, tenancyId: w.tenancyIds[0], unitId: w.unitIds[0], unitName: "1.1" });
  });

  it("creates a permanent code with the expiry the manager chose", async () => {
    const w = await makeWorld();
    const expiresAt = new Date(Date.now() + 10 * DAY_MS).toISOString();
    const code = await createCode(w, await session.manager(w), w.tenancyIds[0], { permanent: true, expiresAt });
    expect(code.permanent).toBe(true);
    expect(code.expiresAt).toBe(expiresAt);
  });

  it("refuses an expiry in the past, a malformed one and unknown fields with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const post = (json: object) =>
      api(`/api/tenancies/${w.tenancyIds[0]}/codes`, { app: w.slug, session: manager, json });
    const past = await post({ expiresAt: new Date(Date.now() - DAY_MS).toISOString() });
    expect(past.status).toBe(400);
    const body = (await past.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.map((d) => d.path)).toEqual(["expiresAt"]);
    for (const json of [{ expiresAt: "next week" }, { permanent: "yes" }, { code: "MYOWN-CODE" }]) {
      expect(await envelopeOf(await post(json)), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
    expect(await codesOf(w, manager, w.buildingIds[0])).toEqual([]);
  });

  it("refuses a vacancy with 409 NO_TENANCY", async () => {
    const w = await makeWorld();
    const vacant = await addTenancy(w, { type: "vacant" });
    const res = await api(`/api/tenancies/${vacant.tenancyId}/codes`, {
      app: w.slug,
      session: await session.manager(w),
      json: {},
    });
    expect(await envelopeOf(res)).toBe("NO_TENANCY");
  });

  it("answers an unknown tenancy and one of another customer alike, with 404 NOT_FOUND", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const manager = await session.manager(w);
    for (const id of ["no-such-tenancy", other.tenancyIds[0]]) {
      const res = await api(`/api/tenancies/${id}/codes`, { app: w.slug, session: manager, json: {} });
      expect(await envelopeOf(res), id).toBe("NOT_FOUND");
    }
  });
});

describe("POST /api/buildings/{buildingId}/codes", () => {
  it("creates one code per current or future tenancy without a redeemable code, and none when run again", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const future = await addTenancy(w, { startsOn: dayFrom(30) });
    const ended = await addTenancy(w, { startsOn: "2020-01-01", endsOn: dayFrom(-1) });
    const endsToday = await addTenancy(w, { startsOn: "2020-01-01", endsOn: dayFrom(0) });
    const vacant = await addTenancy(w, { type: "vacant" });
    const owner = await addTenancy(w, { type: "ownership" });
    const covered = await addTenancy(w);
    const lapsed = await addTenancy(w);
    await createCode(w, manager, covered.tenancyId);
    await expireCode(w, (await createCode(w, manager, lapsed.tenancyId)).id);

    const run = () => api(`/api/buildings/${w.buildingIds[0]}/codes`, { app: w.slug, session: manager, json: {} });
    const first = await run();
    expect(first.status).toBe(201);
    const created = (await first.json()) as CodeDto[];
    const byId = new Map((await codesOf(w, manager, w.buildingIds[0])).map((c) => [c.id, c.tenancyId]));
    expect(created.map((c) => byId.get(c.id)).sort()).toEqual(
      [w.tenancyIds[0], future.tenancyId, endsToday.tenancyId, owner.tenancyId, lapsed.tenancyId].sort(),
    );
    expect(created.map((c) => byId.get(c.id))).not.toContain(ended.tenancyId);
    expect(created.map((c) => byId.get(c.id))).not.toContain(vacant.tenancyId);

    const second = await run();
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual([]);
    // The other building of the property was not touched.
    expect(await codesOf(w, manager, w.buildingIds[1])).toEqual([]);
  });

  it("answers a building of another customer with 404 NOT_FOUND", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const res = await api(`/api/buildings/${other.buildingIds[0]}/codes`, {
      app: w.slug,
      session: await session.manager(w),
      json: {},
    });
    expect(await envelopeOf(res)).toBe("NOT_FOUND");
  });
});

describe("GET /api/buildings/{buildingId}/codes", () => {
  it("shows each code as unused, sent, used, expired or revoked", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const make = () => createCode(w, manager, w.tenancyIds[0]);
    const [unused, sent, used, expired, revoked] = [
      await make(),
      await make(),
      await make(),
      await make(),
      await make(),
    ];
    const send = await api(`/api/codes/${sent.id}/send`, {
      app: w.slug,
      session: manager,
      json: { email: freshEmail() },
    });
    expect(send.status).toBe(200);
    await signUpAndLogIn(w.slug, used.code);
    await expireCode(w, expired.id);
    expect((await api(`/api/codes/${revoked.id}`, { app: w.slug, session: manager, method: "DELETE" })).status).toBe(
      204,
    );

    const status = new Map((await codesOf(w, manager, w.buildingIds[0])).map((c) => [c.id, c.status]));
    expect(Object.fromEntries([unused, sent, used, expired, revoked].map((c) => [c.id, status.get(c.id)]))).toEqual({
      [unused.id]: "unused",
      [sent.id]: "sent",
      [used.id]: "used",
      [expired.id]: "expired",
      [revoked.id]: "revoked",
    });
  });
});

describe("POST /api/codes/{codeId}/send", () => {
  it("mails the personal link and the code, and counts every resend", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    const to = freshEmail("tenant");
    const send = (json: object) => api(`/api/codes/${code.id}/send`, { app: w.slug, session: manager, json });

    const first = await send({ email: to, name: "Tina Tenant" });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      status: "sent",
      sendCount: 1,
      recipientEmail: to,
      recipientName: "Tina Tenant",
    });
    const resent = await send({});
    expect(await resent.json()).toMatchObject({ status: "sent", sendCount: 2, recipientEmail: to });

    const mails = await mailsTo(w.slug, to);
    expect(mails.map((m) => m.template)).toEqual(["code-invitation", "code-invitation"]);
    expect(mails[0]?.body).toContain(`${ORIGIN_OF(w.slug)}/signup?code=${code.code}`);
    expect(mails[0]?.body).toContain(code.code);
    expect(mails[0]?.body).toContain("Tina Tenant");
    expect(mails[0]?.subject).toContain("Building 1");
    expect((await codeRow(w, code.id))?.send_count).toBe(2);
  });

  it("asks for an address when the code has none yet, with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    const res = await api(`/api/codes/${code.id}/send`, { app: w.slug, session: manager, json: {} });
    expect(await envelopeOf(res)).toBe("VALIDATION_FAILED");
    const bad = await api(`/api/codes/${code.id}/send`, { app: w.slug, session: manager, json: { email: "nope" } });
    expect(await envelopeOf(bad)).toBe("VALIDATION_FAILED");
    expect(await statusOf(w, manager, w.buildingIds[0], code.id)).toBe("unused");
  });

  it("refuses a revoked, used or expired code with 400 CODE_INVALID and mails nothing", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const [revoked, used, expired] = [
      await createCode(w, manager, w.tenancyIds[0]),
      await createCode(w, manager, w.tenancyIds[0]),
      await createCode(w, manager, w.tenancyIds[0]),
    ];
    await api(`/api/codes/${revoked.id}`, { app: w.slug, session: manager, method: "DELETE" });
    await signUpAndLogIn(w.slug, used.code);
    await expireCode(w, expired.id);
    const to = freshEmail();
    for (const c of [revoked, used, expired]) {
      const res = await api(`/api/codes/${c.id}/send`, { app: w.slug, session: manager, json: { email: to } });
      expect(await envelopeOf(res), c.id).toBe("CODE_INVALID");
    }
    expect(await mailsTo(w.slug, to)).toEqual([]);
  });

  it("sends one code at most 5 times an hour, then answers 429 RATE_LIMITED", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    const to = freshEmail();
    const send = () => api(`/api/codes/${code.id}/send`, { app: w.slug, session: manager, json: { email: to } });
    for (let i = 0; i < MAIL_PER_ACCOUNT.max; i++) expect((await send()).status).toBe(200);
    expect(await envelopeOf(await send())).toBe("RATE_LIMITED");
    expect(await mailsTo(w.slug, to)).toHaveLength(MAIL_PER_ACCOUNT.max);
  });
});

describe("DELETE /api/codes/{codeId}", () => {
  it("revokes a code: it no longer checks anyone in", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    expect((await checkCode(w.slug, code.code)).status).toBe(200);

    expect((await api(`/api/codes/${code.id}`, { app: w.slug, session: manager, method: "DELETE" })).status).toBe(204);
    expect(await envelopeOf(await checkCode(w.slug, code.code))).toBe("CODE_INVALID");
    expect(await statusOf(w, manager, w.buildingIds[0], code.id)).toBe("revoked");
    // Revoking again changes nothing.
    expect((await api(`/api/codes/${code.id}`, { app: w.slug, session: manager, method: "DELETE" })).status).toBe(204);
  });
});

describe("code management scope", () => {
  /** Every manager operation on the world's building 1, its tenancy and one of its codes. */
  function operations(w: Awaited<ReturnType<typeof makeWorld>>, codeId: string) {
    return [
      ["create for tenancy", { path: `/api/tenancies/${w.tenancyIds[0]}/codes`, json: {} }],
      ["create for building", { path: `/api/buildings/${w.buildingIds[0]}/codes`, json: {} }],
      ["list", { path: `/api/buildings/${w.buildingIds[0]}/codes` }],
      ["send", { path: `/api/codes/${codeId}/send`, json: { email: "x@example.test" } }],
      ["revoke", { path: `/api/codes/${codeId}`, method: "DELETE" }],
      ["print code", { path: `/print/codes/${codeId}` }],
      ["print building", { path: `/print/buildings/${w.buildingIds[0]}` }],
    ] as const;
  }

  it("refuses a manager of another property of the same customer with 404 NOT_FOUND", async () => {
    const w = await makeWorld();
    const code = await createCode(w, await session.manager(w), w.tenancyIds[0]);
    const far = await addProperty(w);
    const stranger = await far.login();
    for (const [label, op] of operations(w, code.id)) {
      const res = await api(op.path, { app: w.slug, session: stranger, ...op });
      expect(await envelopeOf(res), label).toBe("NOT_FOUND");
    }
    // Their own property works, and the world's code is untouched.
    expect((await createCode(w, stranger, far.tenancyId)).status).toBe("unused");
    const row = await codeRow(w, code.id);
    expect(row?.revoked_at).toBeNull();
    expect(row?.send_count).toBe(0);
  });

  it("refuses a resident with 403 FORBIDDEN and a visitor with 401 UNAUTHENTICATED", async () => {
    const w = await makeWorld();
    const code = await createCode(w, await session.manager(w), w.tenancyIds[0]);
    const resident = await session.resident(w);
    for (const [label, op] of operations(w, code.id)) {
      expect(await envelopeOf(await api(op.path, { app: w.slug, session: resident, ...op })), label).toBe("FORBIDDEN");
      expect(await envelopeOf(await api(op.path, { app: w.slug, ...op })), label).toBe("UNAUTHENTICATED");
    }
    expect((await codeRow(w, code.id))?.revoked_at).toBeNull();
  });

  it("lets the customer admin manage codes of every property", async () => {
    const w = await makeWorld();
    const far = await addProperty(w);
    const admin = await session.admin(w);
    const code = await createCode(w, admin, far.tenancyId);
    expect((await codesOf(w, admin, far.buildingId)).map((c) => c.id)).toEqual([code.id]);
  });
});

describe("the onboarding API in the OpenAPI document", () => {
  it("documents every onboarding operation with who may call it", async () => {
    const w = await makeWorld();
    const doc = (await (await api("/api/openapi.json", { app: w.slug })).json()) as {
      paths: Record<string, Record<string, { "x-access"?: string }>>;
    };
    const expected: [string, string, string][] = [
      ["post", "/api/onboarding/code", "public"],
      ["post", "/api/onboarding/signup", "public"],
      ["post", "/api/onboarding/redeem", "session"],
      ["get", "/api/onboarding/buildings", "public"],
      ["post", "/api/access-requests", "public"],
      ["post", "/api/access-requests/verify", "public"],
      ["get", "/api/access-requests", "staff"],
      ["post", "/api/access-requests/{requestId}/approve", "staff"],
      ["post", "/api/access-requests/{requestId}/reject", "staff"],
      ["post", "/api/tenancies/{tenancyId}/codes", "staff"],
      ["post", "/api/buildings/{buildingId}/codes", "staff"],
      ["get", "/api/buildings/{buildingId}/codes", "staff"],
      ["post", "/api/codes/{codeId}/send", "staff"],
      ["delete", "/api/codes/{codeId}", "staff"],
      ["post", "/api/invitations", "session"],
      ["get", "/api/invitations", "session"],
      ["delete", "/api/invitations/{codeId}", "session"],
    ];
    for (const [method, path, access] of expected) {
      expect(doc.paths[path]?.[method]?.["x-access"], `${method} ${path}`).toBe(access);
    }
  });
});
