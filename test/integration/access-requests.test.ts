import { describe, expect, it } from "vitest";
import { PAGE_TEXTS } from "../../src/i18n/pages";
import { REQUESTS_PER_CLIENT } from "../../src/services/access-requests";
import { countRows, dbOfWorld, freshEmail, freshIp, mailsTo, tokenFromMail } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import { addProperty, addTenancy, codesOf, me, session, signUpAndLogIn } from "../helpers/onboarding";

/** Access requests of people without a code (R-A4): find the building, verify, the managers decide. */

interface QueueItem {
  id: string;
  buildingId: string;
  unit: string;
  name: string;
  email: string;
}

const search = (w: World, q: string) => api(`/api/onboarding/buildings?q=${encodeURIComponent(q)}`, { app: w.slug });

async function found(w: World, q: string): Promise<string[]> {
  const res = await search(w, q);
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }[]).map((b) => b.id);
}

const ask = (w: World, json: object, ip = freshIp()) =>
  api("/api/access-requests", { app: w.slug, json, headers: { "cf-connecting-ip": ip } });

/** Sends a request for building 1 and confirms its address; returns the requester's address. */
async function verifiedRequest(w: World, buildingId = w.buildingIds[0]): Promise<string> {
  const email = freshEmail("requester");
  expect((await ask(w, { buildingId, unit: "3rd floor left", name: "Rita Request", email })).status).toBe(202);
  const token = await tokenFromMail(w.slug, email, "access-request-verify");
  expect((await api("/api/access-requests/verify", { app: w.slug, json: { token } })).status).toBe(204);
  return email;
}

async function queueOf(w: World, staff: string): Promise<QueueItem[]> {
  const res = await api("/api/access-requests", { app: w.slug, session: staff });
  expect(res.status).toBe(200);
  return (await res.json()) as QueueItem[];
}

async function requestIdOf(w: World, staff: string, email: string): Promise<string> {
  const item = (await queueOf(w, staff)).find((r) => r.email === email);
  if (!item) throw new Error(`no open request of ${email}`);
  return item.id;
}

/** Moves every request of the world past its expiry (as if the purge had not run yet). */
const expireRequests = (w: World) =>
  dbOfWorld(w)
    .prepare("UPDATE access_requests SET expires_at = ?1 WHERE customer_id = ?2")
    .bind(Date.now() - 1000, w.customerId)
    .run();

const decide = (w: World, staff: string, id: string, how: "approve" | "reject", json: object) =>
  api(`/api/access-requests/${id}/${how}`, { app: w.slug, session: staff, json });

describe("GET /api/onboarding/buildings", () => {
  it("finds the customer's buildings by street, city or postal code", async () => {
    const w = await makeWorld();
    expect(await found(w, "street 1")).toEqual([w.buildingIds[0]]);
    expect((await found(w, "Zürich")).sort()).toEqual([...w.buildingIds].sort());
    expect((await found(w, "8000")).sort()).toEqual([...w.buildingIds].sort());
    expect(await found(w, "Nowhere Lane")).toEqual([]);
  });

  it("never finds another customer's buildings, and takes % and _ literally", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const ids = await found(w, "Street");
    expect(ids.sort()).toEqual([...w.buildingIds].sort());
    for (const id of other.buildingIds) expect(ids).not.toContain(id);
    expect(await found(w, "%%%")).toEqual([]);
    expect(await found(w, "___")).toEqual([]);
  });

  it("refuses fewer than 3 characters with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    for (const q of ["St", "  S  ", ""]) expect(await envelopeOf(await search(w, q)), q).toBe("VALIDATION_FAILED");
    expect(await envelopeOf(await api("/api/onboarding/buildings", { app: w.slug }))).toBe("VALIDATION_FAILED");
  });
});

describe("POST /api/access-requests", () => {
  it("reaches the managers' queue only after the requester confirmed the address", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const email = freshEmail("requester");
    const res = await ask(w, { buildingId: w.buildingIds[0], unit: "3rd floor left", name: "Rita Request", email });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "accepted" });
    const [mail] = await mailsTo(w.slug, email);
    expect(mail?.template).toBe("access-request-verify");
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/access-request?token=`);
    expect(await queueOf(w, manager)).toEqual([]);

    const token = await tokenFromMail(w.slug, email, "access-request-verify");
    expect((await api("/api/access-requests/verify", { app: w.slug, json: { token } })).status).toBe(204);
    expect(await queueOf(w, manager)).toEqual([
      expect.objectContaining({ buildingId: w.buildingIds[0], unit: "3rd floor left", name: "Rita Request", email }),
    ]);
    const again = await api("/api/access-requests/verify", { app: w.slug, json: { token } });
    expect(await envelopeOf(again)).toBe("TOKEN_INVALID");
  });

  it("answers a building of another customer like an unknown one, with 404, and mails nothing", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const email = freshEmail();
    for (const buildingId of [other.buildingIds[0], "no-such-building"]) {
      const res = await ask(w, { buildingId, unit: "1", name: "Rita", email });
      expect(await envelopeOf(res), buildingId).toBe("NOT_FOUND");
    }
    expect(await mailsTo(w.slug, email)).toEqual([]);
  });

  it("refuses incomplete forms with 400 VALIDATION_FAILED and made-up tokens with 400 TOKEN_INVALID", async () => {
    const w = await makeWorld();
    const ok = { buildingId: w.buildingIds[0], unit: "1", name: "Rita", email: freshEmail() };
    for (const json of [
      { ...ok, unit: "" },
      { ...ok, email: "x" },
      { ...ok, name: " " },
      { ...ok, admin: true },
    ]) {
      expect(await envelopeOf(await ask(w, json)), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
    const madeUp = await api("/api/access-requests/verify", { app: w.slug, json: { token: "m".repeat(43) } });
    expect(await envelopeOf(madeUp)).toBe("TOKEN_INVALID");
    expect(
      await countRows(dbOfWorld(w), "SELECT count(*) AS n FROM access_requests WHERE customer_id = ?1", w.customerId),
    ).toBe(0);
  });

  it("refuses a confirmation link past its 24 hours with 400 TOKEN_INVALID, even before the purge ran", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await ask(w, { buildingId: w.buildingIds[0], unit: "1", name: "Rita", email });
    const token = await tokenFromMail(w.slug, email, "access-request-verify");
    await expireRequests(w);
    const res = await api("/api/access-requests/verify", { app: w.slug, json: { token } });
    expect(await envelopeOf(res)).toBe("TOKEN_INVALID");
    expect(await queueOf(w, await session.manager(w))).toEqual([]);
  });

  it("answers the 11th request of a client within an hour with 429 RATE_LIMITED", async () => {
    const w = await makeWorld();
    const ip = freshIp();
    const form = () => ({ buildingId: w.buildingIds[0], unit: "1", name: "Rita", email: freshEmail() });
    for (let i = 0; i < REQUESTS_PER_CLIENT.max; i++) expect((await ask(w, form(), ip)).status).toBe(202);
    expect(await envelopeOf(await ask(w, form(), ip))).toBe("RATE_LIMITED");
  });
});

describe("deciding access requests", () => {
  it("approves into the chosen tenancy: the requester gets a code and signs up into that unit", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const email = await verifiedRequest(w);
    const id = await requestIdOf(w, manager, email);

    const res = await decide(w, manager, id, "approve", { tenancyId: w.tenancyIds[0] });
    expect(res.status).toBe(200);
    const { codeId } = (await res.json()) as { requestId: string; codeId: string };
    expect(await queueOf(w, manager)).toEqual([]);
    const code = (await codesOf(w, manager, w.buildingIds[0])).find((c) => c.id === codeId);
    expect(code).toMatchObject({ source: "access-request", recipientEmail: email, permanent: false, status: "unused" });

    const [mail] = await mailsTo(w.slug, email);
    expect(mail?.template).toBe("access-request-approved");
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/signup?code=${code?.code}`);
    const { session: requester } = await signUpAndLogIn(w.slug, code?.code ?? "", email);
    expect((await me(w.slug, requester)).memberships.map((m) => m.tenancyId)).toEqual([w.tenancyIds[0]]);
  });

  it("rejects with a reason that the requester reads in the mail", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const email = await verifiedRequest(w);
    const id = await requestIdOf(w, manager, email);
    const reason = "We could not find you in our tenant list.";
    expect((await decide(w, manager, id, "reject", { reason })).status).toBe(204);
    expect(await queueOf(w, manager)).toEqual([]);
    const [mail] = await mailsTo(w.slug, email);
    expect(mail?.template).toBe("access-request-rejected");
    expect(mail?.body).toContain(reason);
    const empty = await decide(w, manager, id, "reject", { reason: "" });
    expect(await envelopeOf(empty)).toBe("VALIDATION_FAILED");
  });

  it("answers a second decision with 409 ALREADY_DECIDED and mails nothing more", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const approved = await verifiedRequest(w);
    const rejected = await verifiedRequest(w);
    const a = await requestIdOf(w, manager, approved);
    const r = await requestIdOf(w, manager, rejected);
    await decide(w, manager, a, "approve", { tenancyId: w.tenancyIds[0] });
    await decide(w, manager, r, "reject", { reason: "Unknown" });
    const codesBefore = (await codesOf(w, manager, w.buildingIds[0])).length;

    for (const [id, how, json] of [
      [a, "approve", { tenancyId: w.tenancyIds[0] }],
      [a, "reject", { reason: "Changed my mind" }],
      [r, "approve", { tenancyId: w.tenancyIds[0] }],
      [r, "reject", { reason: "Again" }],
    ] as const) {
      expect(await envelopeOf(await decide(w, manager, id, how, json)), `${how} ${id}`).toBe("ALREADY_DECIDED");
    }
    expect(await mailsTo(w.slug, approved)).toHaveLength(2);
    expect(await mailsTo(w.slug, rejected)).toHaveLength(2);
    expect(await codesOf(w, manager, w.buildingIds[0])).toHaveLength(codesBefore);
  });

  it("drops a request nobody handled within its 30 days from the queue, before the purge deletes it", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const id = await requestIdOf(w, manager, await verifiedRequest(w));
    await expireRequests(w);
    expect(await queueOf(w, manager)).toEqual([]);
    const res = await decide(w, manager, id, "approve", { tenancyId: w.tenancyIds[0] });
    expect(await envelopeOf(res)).toBe("NOT_FOUND");
    expect(await codesOf(w, manager, w.buildingIds[0])).toEqual([]);
  });

  it("hides a request from a manager of another property: not in the queue, 404 for decisions", async () => {
    const w = await makeWorld();
    const far = await addProperty(w);
    const stranger = await far.login();
    const email = await verifiedRequest(w);
    const id = await requestIdOf(w, await session.manager(w), email);

    expect(await queueOf(w, stranger)).toEqual([]);
    expect(await envelopeOf(await decide(w, stranger, id, "approve", { tenancyId: far.tenancyId }))).toBe("NOT_FOUND");
    expect(await envelopeOf(await decide(w, stranger, id, "reject", { reason: "No" }))).toBe("NOT_FOUND");
    expect((await queueOf(w, await session.manager(w))).map((r) => r.id)).toEqual([id]);
    expect(await mailsTo(w.slug, email)).toHaveLength(1);
  });

  it("refuses a tenancy outside the manager's buildings with 404 and a vacancy with 409 NO_TENANCY", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const far = await addProperty(w);
    const vacant = await addTenancy(w, { type: "vacant" });
    const manager = await session.manager(w);
    const id = await requestIdOf(w, manager, await verifiedRequest(w));
    for (const tenancyId of [far.tenancyId, other.tenancyIds[0], "no-such-tenancy"]) {
      expect(await envelopeOf(await decide(w, manager, id, "approve", { tenancyId })), tenancyId).toBe("NOT_FOUND");
    }
    expect(await envelopeOf(await decide(w, manager, id, "approve", { tenancyId: vacant.tenancyId }))).toBe(
      "NO_TENANCY",
    );
    expect((await queueOf(w, manager)).map((r) => r.id)).toEqual([id]);
  });

  it("answers an unverified or unknown request with 404, a resident with 403 and a visitor with 401", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    await ask(w, { buildingId: w.buildingIds[0], unit: "1", name: "Una Verified", email: freshEmail() });
    const unverified = await dbOfWorld(w)
      .prepare("SELECT id FROM access_requests WHERE customer_id = ?1")
      .bind(w.customerId)
      .first<{ id: string }>();
    for (const id of [unverified?.id ?? "", "no-such-request"]) {
      expect(await envelopeOf(await decide(w, manager, id, "reject", { reason: "No" })), id).toBe("NOT_FOUND");
    }
    const resident = await session.resident(w);
    expect(await envelopeOf(await api("/api/access-requests", { app: w.slug, session: resident }))).toBe("FORBIDDEN");
    expect(await envelopeOf(await decide(w, resident, "x", "reject", { reason: "No" }))).toBe("FORBIDDEN");
    expect(await envelopeOf(await api("/api/access-requests", { app: w.slug }))).toBe("UNAUTHENTICATED");
  });
});

describe("access request pages", () => {
  it("lists the buildings found by street on /request-access, with the request form", async () => {
    const w = await makeWorld();
    const res = await api("/request-access?q=Street%201&lang=en", { app: w.slug });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`value="${w.buildingIds[0]}"`);
    expect(html).not.toContain(`value="${w.buildingIds[1]}"`);
    expect(html).toContain('data-endpoint="/api/access-requests"');
    const none = await (await api("/request-access?q=Nowhere%20Lane&lang=en", { app: w.slug })).text();
    expect(none).toContain(PAGE_TEXTS.en.noResults);
    const short = await (await api("/request-access?q=St&lang=en", { app: w.slug })).text();
    expect(short).not.toContain('data-endpoint="/api/access-requests"');
  });

  it("offers the confirmation of the mailed link on /access-request", async () => {
    const w = await makeWorld();
    const res = await api("/access-request?token=abc%22def&lang=en", { app: w.slug });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-endpoint="/api/access-requests/verify"');
    expect(html).toContain('name="token" value="abc&quot;def"');
  });
});
