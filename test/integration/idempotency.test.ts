import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { d1PersonalDataStore } from "../../src/privacy/stores";
import { countRows } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";

// R-I3: unsafe writes with an Idempotency-Key run once per (customer, caller, key) for 24 hours.
// Written through a real own-API route (tenancies of a unit); every claim is a row of idempotency_keys.

let a: World;
let b: World;
const s = { aAdmin: "", aManager: "", aResident: "", bAdmin: "" };

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld();
  s.aAdmin = await login(a.emails.admin, PASSWORD, a.slug);
  s.aManager = await login(a.emails.manager, PASSWORD, a.slug);
  s.aResident = await login(a.emails.resident, PASSWORD, a.slug);
  s.bAdmin = await login(b.emails.admin, PASSWORD, b.slug);
});

let day = 0;
/** A vacant period on a fresh start day (vacant periods may overlap, so only the key decides). */
function period() {
  day++;
  return { type: "vacant", startsOn: `2040-01-${String(day).padStart(2, "0")}` } as const;
}

function createTenancy(w: World, session: string | undefined, key: string | undefined, json: unknown, unit = 0) {
  return api(`/api/units/${w.unitIds[unit as 0 | 1]}/tenancies`, {
    app: w.slug,
    session,
    json,
    headers: key === undefined ? {} : { "idempotency-key": key },
  });
}

const tenanciesStarting = (w: World, startsOn: string) =>
  countRows(
    env.DB_CH,
    "SELECT count(*) AS n FROM tenancies WHERE customer_id = ? AND starts_on = ?",
    w.customerId,
    startsOn,
  );
const keyRows = (key: string) => countRows(env.DB_CH, "SELECT count(*) AS n FROM idempotency_keys WHERE key = ?", key);

describe("Idempotency-Key on own-API writes", () => {
  it("replays the stored status, headers and body; the write happens once", async () => {
    const key = crypto.randomUUID();
    const body = period();
    const first = await createTenancy(a, s.aAdmin, key, body);
    expect(first.status).toBe(201);
    const firstText = await first.text();
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await createTenancy(a, s.aAdmin, key, body);
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(firstText);
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("cache-control")).toBe("no-store");
    expect(await tenanciesStarting(a, body.startsOn)).toBe(1);
    expect(await keyRows(key)).toBe(1);
  });

  it("matches the same payload in another key order", async () => {
    const key = crypto.randomUUID();
    const body = period();
    expect((await createTenancy(a, s.aAdmin, key, { type: body.type, startsOn: body.startsOn })).status).toBe(201);
    const again = await createTenancy(a, s.aAdmin, key, { startsOn: body.startsOn, type: body.type });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await tenanciesStarting(a, body.startsOn)).toBe(1);
  });

  it("answers 422 IDEMPOTENCY_KEY_REUSED for the key with another body or path, and writes nothing", async () => {
    const key = crypto.randomUUID();
    const body = period();
    expect((await createTenancy(a, s.aAdmin, key, body)).status).toBe(201);
    const other = period();
    const res = await createTenancy(a, s.aAdmin, key, other);
    expect(await envelopeOf(res)).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await tenanciesStarting(a, other.startsOn)).toBe(0);
    const otherPath = await createTenancy(a, s.aAdmin, key, body, 1);
    expect(await envelopeOf(otherPath)).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await tenanciesStarting(a, body.startsOn)).toBe(1);
  });

  it("refuses malformed keys with 400 IDEMPOTENCY_KEY_INVALID before anything runs", async () => {
    for (const key of ["", "a".repeat(256), "has space", "del\u007fchar", "tab\tkey"]) {
      const body = period();
      const res = await api(`/api/units/${a.unitIds[0]}/tenancies`, {
        app: a.slug,
        session: s.aAdmin,
        json: body,
        headers: { "idempotency-key": key },
      });
      expect(await envelopeOf(res), JSON.stringify(key)).toBe("IDEMPOTENCY_KEY_INVALID");
      expect(await tenanciesStarting(a, body.startsOn)).toBe(0);
    }
    expect((await createTenancy(a, s.aAdmin, "a".repeat(255), period())).status).toBe(201);
  });

  it("leaves requests without the header alone (each one writes)", async () => {
    const body = period();
    expect((await createTenancy(a, s.aAdmin, undefined, body)).status).toBe(201);
    expect((await createTenancy(a, s.aAdmin, undefined, body)).status).toBe(201);
    expect(await tenanciesStarting(a, body.startsOn)).toBe(2);
  });

  it("replays other methods too: PATCH with its 200 body", async () => {
    const key = crypto.randomUUID();
    const path = `/api/tenancies/${a.tenancyIds[1]}`;
    const patch = (endsOn: string) =>
      api(path, {
        app: a.slug,
        session: s.aAdmin,
        method: "PATCH",
        json: { endsOn },
        headers: { "idempotency-key": key },
      });
    const first = await patch("2099-06-30");
    expect(first.status).toBe(200);
    const text = await first.text();
    const again = await patch("2099-06-30");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(text);
    expect(await envelopeOf(await patch("2099-07-31"))).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("outcomes that are stored and outcomes that are not", () => {
  it("stores a business 4xx (404 of a unit of another customer) and replays it with the first request id", async () => {
    const key = crypto.randomUUID();
    const body = period();
    const res = await api(`/api/units/${b.unitIds[0]}/tenancies`, {
      app: a.slug,
      session: s.aAdmin,
      json: body,
      headers: { "idempotency-key": key },
    });
    expect(res.status).toBe(404);
    const first = (await res.json()) as { requestId: string };
    const again = await api(`/api/units/${b.unitIds[0]}/tenancies`, {
      app: a.slug,
      session: s.aAdmin,
      json: body,
      headers: { "idempotency-key": key },
    });
    expect(again.status).toBe(404);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { requestId: string }).requestId).toBe(first.requestId);
  });

  it("does not store a 403: once the caller may, the same key runs", async () => {
    const key = crypto.randomUUID();
    const body = period();
    const refused = await createTenancy(a, s.aResident, key, body);
    expect(await envelopeOf(refused)).toBe("FORBIDDEN");
    expect(await keyRows(key)).toBe(0);
  });

  it("ignores the key on anonymous requests (there is no caller to scope it to)", async () => {
    const key = crypto.randomUUID();
    const res = await createTenancy(a, undefined, key, period());
    expect(await envelopeOf(res)).toBe("UNAUTHENTICATED");
    expect(await keyRows(key)).toBe(0);
  });
});

describe("concurrency", () => {
  it("runs parallel requests with one key once: the others get 409 or the replay, never a second write", async () => {
    const key = crypto.randomUUID();
    const body = period();
    const all = await Promise.all(Array.from({ length: 25 }, () => createTenancy(a, s.aAdmin, key, body)));
    const statuses = all.map((r) => r.status);
    expect(statuses.every((st) => st === 201 || st === 409)).toBe(true);
    const fresh = all.filter((r) => r.status === 201 && r.headers.get("idempotent-replayed") === null);
    expect(fresh).toHaveLength(1);
    for (const r of all.filter((x) => x.status === 409)) {
      expect(r.headers.get("retry-after")).toBe("1");
      expect(await envelopeOf(r)).toBe("IDEMPOTENCY_KEY_IN_FLIGHT");
    }
    expect(await tenanciesStarting(a, body.startsOn)).toBe(1);
  });

  it("answers 409 while the first request holds the key, and runs a retry once the holder is abandoned", async () => {
    const key = crypto.randomUUID();
    const body = period();
    expect((await createTenancy(a, s.aAdmin, key, body)).status).toBe(201);
    // Turn the finished claim back into a live one, as if the first request were still running.
    await env.DB_CH.prepare("UPDATE idempotency_keys SET state = 'in_flight', status = NULL WHERE key = ?")
      .bind(key)
      .run();
    expect(await envelopeOf(await createTenancy(a, s.aAdmin, key, body))).toBe("IDEMPOTENCY_KEY_IN_FLIGHT");
    // Another payload is still a mismatch, in flight or not.
    expect(await envelopeOf(await createTenancy(a, s.aAdmin, key, period()))).toBe("IDEMPOTENCY_KEY_REUSED");
    // Three minutes later the holder counts as dead (its isolate was killed): the retry runs.
    await env.DB_CH.prepare("UPDATE idempotency_keys SET created_at = created_at - 180000 WHERE key = ?")
      .bind(key)
      .run();
    const retry = await createTenancy(a, s.aAdmin, key, body);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await keyRows(key)).toBe(1);
  });
});

describe("expiry and isolation", () => {
  it("forgets a key after 24 hours: the same key then runs another request", async () => {
    const key = crypto.randomUUID();
    expect((await createTenancy(a, s.aAdmin, key, period())).status).toBe(201);
    await env.DB_CH.prepare(
      "UPDATE idempotency_keys SET created_at = created_at - 86400000, expires_at = expires_at - 86400000 WHERE key = ?",
    )
      .bind(key)
      .run();
    const next = period();
    const res = await createTenancy(a, s.aAdmin, key, next);
    expect(res.status).toBe(201);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await tenanciesStarting(a, next.startsOn)).toBe(1);
    expect(await keyRows(key)).toBe(1);
  });

  it("keeps keys of different users of one customer apart", async () => {
    const key = crypto.randomUUID();
    const one = period();
    const two = period();
    expect((await createTenancy(a, s.aAdmin, key, one)).status).toBe(201);
    const manager = await createTenancy(a, s.aManager, key, two);
    expect(manager.status).toBe(201);
    expect(manager.headers.get("idempotent-replayed")).toBeNull();
    expect(await tenanciesStarting(a, two.startsOn)).toBe(1);
    expect(await keyRows(key)).toBe(2);
  });

  it("keeps keys of different customers apart, and never replays another customer's answer", async () => {
    const key = crypto.randomUUID();
    const body = period();
    const mine = await createTenancy(a, s.aAdmin, key, body);
    expect(mine.status).toBe(201);
    const mineText = await mine.text();
    // Customer B's admin repeats the exact request (A's unit id, same key): B's own scope answers.
    const theirs = await api(`/api/units/${a.unitIds[0]}/tenancies`, {
      app: b.slug,
      session: s.bAdmin,
      json: body,
      headers: { "idempotency-key": key },
    });
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(await theirs.text()).not.toContain(a.unitIds[0]);
    expect(mineText).toContain(a.unitIds[0]);
    // And A's key in B's scope runs B's own write (another key, as B already used this one).
    const sharedKey = crypto.randomUUID();
    expect((await createTenancy(a, s.aAdmin, sharedKey, period())).status).toBe(201);
    const ownWrite = await createTenancy(b, s.bAdmin, sharedKey, body);
    expect(ownWrite.status).toBe(201);
    expect(ownWrite.headers.get("idempotent-replayed")).toBeNull();
    expect(await tenanciesStarting(b, body.startsOn)).toBe(1);
    expect(await tenanciesStarting(a, body.startsOn)).toBe(1);
  });

  it("puts no key, account or stored body into its error messages", async () => {
    const key = `secret-${crypto.randomUUID()}`;
    expect((await createTenancy(a, s.aAdmin, key, period())).status).toBe(201);
    const res = await createTenancy(a, s.aAdmin, key, period());
    const text = await res.text();
    expect(res.status).toBe(422);
    for (const leak of [key, a.userIds.admin, a.emails.admin, a.unitIds[0], a.customerId])
      expect(text).not.toContain(leak);
  });
});

describe("privacy of idempotency records", () => {
  it("exports a user's keys and deletes them on erasure (the principal is a data subject)", async () => {
    const key = crypto.randomUUID();
    expect((await createTenancy(a, s.aManager, key, period())).status).toBe(201);
    const store = d1PersonalDataStore(env.DB_CH, "ch");
    const subject = { customerId: a.customerId, userId: a.userIds.manager, jurisdiction: "ch" as const };
    const exported = await store.exportPerson(subject);
    const rows = exported.tables.idempotency_keys ?? [];
    expect(rows.some((r) => r.key === key)).toBe(true);
    await store.erasePerson(subject);
    expect(await keyRows(key)).toBe(0);
  });
});
