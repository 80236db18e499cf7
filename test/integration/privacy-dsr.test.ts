import { env } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { configFrom } from "../../src/lib/config";
import { MINUTE } from "../../src/lib/time";
import { processingRecord } from "../../src/privacy/datamap";
import { dsrDueAt } from "../../src/privacy/deadline";
import { hasObjected, isProcessingRestricted, restrictedUserIds } from "../../src/privacy/restriction";
import { regionStores } from "../../src/region";
import { NEEDS_PERSON_AFTER, openErasure, runErasures } from "../../src/services/erasure";
import { dbOf, makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, errorOf, login } from "../helpers/http";
import { scanD1 } from "../helpers/scan";
import { runMinuteCron } from "../helpers/staff";
import { joinRoom, sessionOf } from "../helpers/ws";

// Data subject requests (R-P15): tracked received → verified → done with a due date, an audit trail
// of ids and actions only, and the admins' queue for requests that need a person. Restriction (R-P5)
// and objection (R-P6) are requests too, effective at once through one marker.

interface Dsr {
  id: string;
  userId: string;
  kind: string;
  state: string;
  needsPerson: boolean;
  dueAt: string;
  receivedAt: string;
  steps: { total: number; done: number; failed: number; held: number };
}

/** Deps whose room namespace fails every erasure in `buildingId`, on a movable clock. */
function failingDeps(w: World, buildingId: string, clock: { now: Date }): Deps {
  const stores = regionStores(env, w.jurisdiction);
  const real = stores.rooms();
  const rooms = {
    getByName: (name: string) =>
      name === buildingId
        ? {
            erasePerson: async () => {
              throw new TypeError("room down");
            },
          }
        : real.getByName(name),
  } as unknown as Env["BUILDING_ROOM"];
  return {
    db: createDb(stores.db),
    stores: { ...stores, rooms: () => rooms },
    now: () => clock.now,
    config: configFrom(env),
  };
}

describe("the admins' queue of data subject requests", () => {
  it("flags a stuck erasure for a person, shows ids and states only, and completes it after a retry", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    // The resident used building 1's room (participation), so erasure visits it.
    (await joinRoom(w, "resident")).close();
    const clock = { now: new Date() };
    const deps = failingDeps(w, w.buildingIds[0], clock);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: w.jurisdiction };
    const requestId = await openErasure(deps, subject, { origin: "subject", actorId: w.userIds.resident });
    for (let i = 0; i < NEEDS_PERSON_AFTER; i++) {
      await runErasures(deps);
      clock.now = new Date(clock.now.getTime() + 61 * MINUTE);
    }

    const admin = await sessionOf(w, "admin");
    const res = await api("/api/dsr?open=true", { app: w.slug, session: admin });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { requests } = JSON.parse(text) as { requests: Dsr[] };
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      id: requestId,
      userId: w.userIds.resident,
      kind: "erasure",
      state: "verified",
      needsPerson: true,
      steps: { failed: 1, held: 0 },
    });
    // No more personal data than needed: no e-mail, no name.
    for (const v of [w.emails.resident, "Person resident"]) expect(text).not.toContain(v);
    // Another customer's admin sees none of it, and cannot act on it.
    const otherAdmin = await sessionOf(other, "admin");
    const theirs = (await (await api("/api/dsr", { app: other.slug, session: otherAdmin })).json()) as {
      requests: Dsr[];
    };
    expect(theirs.requests).toEqual([]);
    expect(
      (await api(`/api/dsr/${requestId}/retry`, { app: other.slug, method: "POST", session: otherAdmin })).status,
    ).toBe(404);
    expect((await api(`/api/dsr/${requestId}/events`, { app: other.slug, session: otherAdmin })).status).toBe(404);
    // A manager is not an admin.
    expect((await api("/api/dsr", { app: w.slug, session: await sessionOf(w, "manager") })).status).toBe(403);

    const retry = await api(`/api/dsr/${requestId}/retry`, { app: w.slug, method: "POST", session: admin });
    expect(await retry.json()).toEqual({ rearmed: 1 });
    await runMinuteCron(new Date(Date.now() + MINUTE));
    const done = (await (await api("/api/dsr", { app: w.slug, session: admin })).json()) as { requests: Dsr[] };
    expect(done.requests[0]).toMatchObject({ id: requestId, state: "done", needsPerson: false });
    expect((await api(`/api/dsr/${requestId}/retry`, { app: w.slug, method: "POST", session: admin })).status).toBe(
      409,
    );

    // The audit trail: ids and actions only.
    const ev = await api(`/api/dsr/${requestId}/events`, { app: w.slug, session: admin });
    const { events } = (await ev.json()) as {
      events: { action: string; store: string | null; actorId: string | null }[];
    };
    // Sorted: the failing attempts ran on a moved clock, so their times are after the retry.
    expect(events.map((e) => e.action).sort()).toEqual(
      [
        "received",
        "verified",
        "step-done", // ledger
        "step-done", // files
        ...Array(NEEDS_PERSON_AFTER).fill("step-failed"),
        "step-done", // database (the room failed; the database does not wait for rooms)
        "retry-requested",
        "step-done", // the room, by the cron
        "done",
      ].sort(),
    );
    expect(events.filter((e) => e.action === "step-failed").every((e) => e.store === `room:${w.buildingIds[0]}`)).toBe(
      true,
    );
  });
});

describe("restriction and objection", () => {
  it("takes effect at once through isProcessingRestricted and hasObjected, is a tracked request, and can be lifted", async () => {
    const w = await makeWorld({ jurisdiction: "eu" });
    const session = await sessionOf(w, "resident");
    const db = createDb(dbOf(w.jurisdiction));
    const restricted = () => isProcessingRestricted(db, w.customerId, w.userIds.resident);
    expect(await restricted()).toBe(false);

    const put = await api("/api/me/restrictions", {
      app: w.slug,
      session,
      json: { kind: "restriction", active: true },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { restrictions: { kind: string }[] }).restrictions.map((r) => r.kind)).toEqual([
      "restriction",
    ]);
    expect(await restricted()).toBe(true);
    expect(await restrictedUserIds(db, w.customerId, [w.userIds.resident, w.userIds.neighbour])).toEqual(
      new Set([w.userIds.resident]),
    );
    // Again: no second row, no second request.
    await api("/api/me/restrictions", { app: w.slug, session, json: { kind: "restriction", active: true } });
    const reqs = (await (await api("/api/me/privacy-requests", { app: w.slug, session })).json()) as {
      requests: { kind: string; state: string; receivedAt: string; dueAt: string }[];
    };
    expect(reqs.requests.map((r) => [r.kind, r.state])).toEqual([["restriction", "done"]]);
    const r0 = reqs.requests[0];
    // EU: due one calendar month after receipt.
    const due = new Date(r0?.receivedAt ?? "");
    expect(new Date(r0?.dueAt ?? "").getUTCMonth()).toBe((due.getUTCMonth() + 1) % 12);

    expect(await hasObjected(db, w.customerId, w.userIds.neighbour, "objection-marketing")).toBe(false);
    const neighbour = await sessionOf(w, "neighbour");
    await api("/api/me/restrictions", {
      app: w.slug,
      session: neighbour,
      json: { kind: "objection-marketing", active: true },
    });
    expect(await hasObjected(db, w.customerId, w.userIds.neighbour, "objection-marketing")).toBe(true);
    expect(await hasObjected(db, w.customerId, w.userIds.neighbour, "objection-legitimate-interest")).toBe(false);
    // An objection alone does not restrict everything.
    expect(await isProcessingRestricted(db, w.customerId, w.userIds.neighbour)).toBe(false);

    const del = await api("/api/me/restrictions", {
      app: w.slug,
      session,
      json: { kind: "restriction", active: false },
    });
    expect(((await del.json()) as { restrictions: unknown[] }).restrictions).toEqual([]);
    expect(await restricted()).toBe(false);

    const bad = await api("/api/me/restrictions", { app: w.slug, session, json: { kind: "everything", active: true } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("VALIDATION_FAILED");

    // The request records hold no personal values.
    const hits = await scanD1(dbOf(w.jurisdiction), [w.emails.resident, w.emails.neighbour, "Person resident"]);
    const trail = hits.filter((h) =>
      ["privacy_requests", "privacy_request_events", "processing_restrictions"].includes(h.where),
    );
    expect(trail).toEqual([]);
  });

  it("an export is a tracked request too", async () => {
    const w = await makeWorld();
    const session = await login(w.emails.resident, PASSWORD, w.slug);
    expect((await api("/api/me/exports", { app: w.slug, method: "POST", session })).status).toBe(201);
    const reqs = (await (await api("/api/me/privacy-requests", { app: w.slug, session })).json()) as {
      requests: { kind: string; state: string }[];
    };
    expect(reqs.requests.map((r) => [r.kind, r.state])).toEqual([["export", "done"]]);
  });
});

describe("GET /api/privacy/transparency", () => {
  it("names controller, authority by jurisdiction, processors, and every personal field of the data map", async () => {
    const ch = await makeWorld();
    const eu = await makeWorld({ jurisdiction: "eu" });
    const res = await api("/api/privacy/transparency", { app: ch.slug });
    expect(res.status).toBe(200);
    const t = (await res.json()) as {
      controller: { name: string; jurisdiction: string };
      supervisoryAuthority: { name: string };
      processors: { name: string }[];
      recordOfProcessing: { store: string; table: string; column: string; basis: string; retention: string }[];
    };
    expect(t.controller.jurisdiction).toBe("ch");
    expect(t.supervisoryAuthority.name).toMatch(/FDPIC/);
    expect(t.processors.map((p) => p.name)).toContain("Cloudflare, Inc.");
    const personal = processingRecord().filter((r) => r.personal);
    expect(t.recordOfProcessing).toHaveLength(personal.length);
    expect(t.recordOfProcessing).toContainEqual(
      expect.objectContaining({ store: "region", table: "users", column: "email", category: "contact" }),
    );
    expect(t.recordOfProcessing.every((r) => r.basis !== "none" && r.retention.length > 0)).toBe(true);
    const e = (await (await api("/api/privacy/transparency", { app: eu.slug })).json()) as typeof t;
    expect(e.supervisoryAuthority.name).toMatch(/GDPR Art\. 77/);
  });
});

// ---- requests that need a staff identity check (issue 5 item 9, decision 0036) ----------------------

interface StaffDsr extends Dsr {
  origin: string;
  channel: string | null;
  verificationMethod: string | null;
  rejectionReason: string | null;
}

const TRAIL_TABLES = ["privacy_requests", "privacy_request_events", "privacy_request_details"];

async function listOf(w: World, session: string): Promise<StaffDsr[]> {
  const res = await api("/api/dsr", { app: w.slug, session });
  expect(res.status).toBe(200);
  return ((await res.json()) as { requests: StaffDsr[] }).requests;
}

async function record(w: World, session: string, json: Record<string, unknown>) {
  return api("/api/dsr", { app: w.slug, session, json });
}

describe("requests staff take in and check the identity of (R-P15)", () => {
  it("records, verifies and fulfils an export by letter; another customer's admin can neither see nor act (404)", async () => {
    const w = await makeWorld({ jurisdiction: "eu" });
    const other = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const otherAdmin = await sessionOf(other, "admin");

    const res = await record(w, admin, { userId: w.userIds.resident, kind: "export", channel: "letter" });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; state: string; dueAt: string };
    expect(created.state).toBe("received");
    const id = created.id;
    const [row] = (await listOf(w, admin)).filter((r) => r.id === id);
    expect(row).toMatchObject({
      kind: "export",
      origin: "staff",
      state: "received",
      needsPerson: true,
      channel: "letter",
      verificationMethod: null,
    });
    // EU: one calendar month from receipt (src/privacy/deadline.ts).
    expect(created.dueAt).toBe(dsrDueAt(new Date(row?.receivedAt ?? ""), "eu").toISOString());

    // The state machine: nothing is done before the identity is verified.
    const early = await api(`/api/dsr/${id}/act`, { app: w.slug, session: admin, json: {} });
    expect(early.status).toBe(409);
    expect((await errorOf(early)).code).toBe("IDENTITY_NOT_VERIFIED");
    expect((await api(`/api/dsr/${id}/export`, { app: w.slug, session: admin })).status).toBe(404);

    // Isolation: the other customer's admin gets 404 on every door and sees nothing in the list.
    expect(
      (
        await api(`/api/dsr/${id}/identity`, {
          app: other.slug,
          session: otherAdmin,
          json: { verified: true, method: "id-document-seen" },
        })
      ).status,
    ).toBe(404);
    expect((await api(`/api/dsr/${id}/act`, { app: other.slug, session: otherAdmin, json: {} })).status).toBe(404);
    expect((await api(`/api/dsr/${id}/events`, { app: other.slug, session: otherAdmin })).status).toBe(404);
    expect((await api(`/api/dsr/${id}/export`, { app: other.slug, session: otherAdmin })).status).toBe(404);
    expect((await listOf(other, otherAdmin)).map((r) => r.id)).not.toContain(id);
    // …nor record one for an account of another customer.
    const foreign = await record(other, otherAdmin, { userId: w.userIds.resident, kind: "access", channel: "phone" });
    expect(foreign.status).toBe(404);
    // A manager is not an admin.
    const manager = await sessionOf(w, "manager");
    expect((await record(w, manager, { userId: w.userIds.resident, kind: "access", channel: "phone" })).status).toBe(
      403,
    );

    const verify = await api(`/api/dsr/${id}/identity`, {
      app: w.slug,
      session: admin,
      json: { verified: true, method: "id-document-seen" },
    });
    expect(verify.status).toBe(200);
    expect(await verify.json()).toEqual({ state: "verified" });
    const again = await api(`/api/dsr/${id}/identity`, {
      app: w.slug,
      session: admin,
      json: { verified: false, reason: "duplicate" },
    });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("ALREADY_DECIDED");

    const act = await api(`/api/dsr/${id}/act`, { app: w.slug, session: admin, json: {} });
    expect(act.status).toBe(200);
    const acted = (await act.json()) as { state: string; exportId: string };
    expect(acted.state).toBe("done");
    expect((await api(`/api/dsr/${id}/act`, { app: w.slug, session: admin, json: {} })).status).toBe(409);

    const zip = await api(`/api/dsr/${id}/export`, { app: w.slug, session: admin });
    expect(zip.status).toBe(200);
    expect(zip.headers.get("content-type")).toBe("application/zip");
    expect(zip.headers.get("cache-control")).toBe("no-store");
    const bytes = new Uint8Array(await zip.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x50, 0x4b]); // "PK"
    // The person's data, the same ZIP as the self-service export (R-P2).
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["manifest.json", "database.json"]));
    expect(strFromU8(files["database.json"] ?? new Uint8Array())).toContain(w.emails.resident);

    const done = (await listOf(w, admin)).find((r) => r.id === id);
    expect(done).toMatchObject({ state: "done", needsPerson: false, verificationMethod: "id-document-seen" });
    const { events } = (await (await api(`/api/dsr/${id}/events`, { app: w.slug, session: admin })).json()) as {
      events: { action: string; actorId: string | null }[];
    };
    // Events of one millisecond are ordered by id: compare as a set.
    expect(events.map((e) => e.action).sort()).toEqual(["done", "export-ready", "identity-verified", "received"]);
    expect(events.every((e) => e.actorId === w.userIds.admin)).toBe(true);
    // The person sees it among their requests.
    const mine = (await (
      await api("/api/me/privacy-requests", { app: w.slug, session: await sessionOf(w, "resident") })
    ).json()) as { requests: { id: string; state: string }[] };
    expect(mine.requests).toContainEqual(expect.objectContaining({ id, state: "done" }));

    // No personal value in the request, its trail or its details (R-P15): ids and codes only.
    const needles = [w.emails.resident, w.emails.admin, "Person resident", "Person admin"];
    const hits = await scanD1(dbOf(w.jurisdiction), needles);
    expect(hits.filter((h) => TRAIL_TABLES.includes(h.where))).toEqual([]);
  });

  it("refuses bad input with stable codes and writes nothing", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const before = (await listOf(w, admin)).length;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ userId: w.userIds.resident, kind: "everything", channel: "letter" }, 400, "VALIDATION_FAILED"],
      [{ userId: w.userIds.resident, kind: "access", channel: "app" }, 400, "VALIDATION_FAILED"],
      [{ userId: w.userIds.resident, kind: "access", channel: "letter", name: "Jane" }, 400, "VALIDATION_FAILED"],
      [
        { userId: w.userIds.resident, kind: "access", channel: "letter", receivedAt: "2999-01-01T00:00:00Z" },
        400,
        "VALIDATION_FAILED",
      ],
      [{ userId: "nobody-here", kind: "access", channel: "letter" }, 404, "NOT_FOUND"],
      [{ userId: w.userIds.admin, kind: "access", channel: "letter" }, 403, "FORBIDDEN"],
    ];
    for (const [json, status, code] of cases) {
      const res = await record(w, admin, json);
      expect([JSON.stringify(json), res.status]).toEqual([JSON.stringify(json), status]);
      expect((await errorOf(res)).code).toBe(code);
    }
    expect(await listOf(w, admin)).toHaveLength(before);

    const { id } = (await (
      await record(w, admin, { userId: w.userIds.resident, kind: "access", channel: "email" })
    ).json()) as { id: string };
    const badDecision = await api(`/api/dsr/${id}/identity`, {
      app: w.slug,
      session: admin,
      json: { verified: true, method: "looked-trustworthy" },
    });
    expect(badDecision.status).toBe(400);
    // Two admins deciding at once: one wins, the other gets 409, the trail has one decision.
    const decide = (json: Record<string, unknown>) =>
      api(`/api/dsr/${id}/identity`, { app: w.slug, session: admin, json });
    const both = await Promise.all([
      decide({ verified: true, method: "callback-known-number" }),
      decide({ verified: false, reason: "identity-not-confirmed" }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const { events } = (await (await api(`/api/dsr/${id}/events`, { app: w.slug, session: admin })).json()) as {
      events: { action: string }[];
    };
    expect(events.filter((e) => e.action.startsWith("identity-"))).toHaveLength(1);
  });

  it("a rejected request cannot be acted on and changes nothing", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const { id } = (await (
      await record(w, admin, { userId: w.userIds.resident, kind: "erasure", channel: "phone" })
    ).json()) as { id: string };
    const rej = await api(`/api/dsr/${id}/identity`, {
      app: w.slug,
      session: admin,
      json: { verified: false, reason: "identity-not-confirmed" },
    });
    expect(await rej.json()).toEqual({ state: "rejected" });
    const act = await api(`/api/dsr/${id}/act`, { app: w.slug, session: admin, json: {} });
    expect(act.status).toBe(409);
    expect((await errorOf(act)).code).toBe("ALREADY_DECIDED");
    expect((await listOf(w, admin)).find((r) => r.id === id)).toMatchObject({
      state: "rejected",
      needsPerson: false,
      rejectionReason: "identity-not-confirmed",
    });
    // The person can still log in: nothing was erased.
    expect(await login(w.emails.resident, PASSWORD, w.slug)).toBeTruthy();
  });

  it("fulfils erasure, rectification and objection through the same services", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const db = createDb(dbOf(w.jurisdiction));
    const take = async (userId: string, kind: string) => {
      const { id } = (await (await record(w, admin, { userId, kind, channel: "in-person" })).json()) as { id: string };
      const v = await api(`/api/dsr/${id}/identity`, {
        app: w.slug,
        session: admin,
        json: { verified: true, method: "in-person-known" },
      });
      expect(v.status).toBe(200);
      return id;
    };
    const act = (id: string, json: Record<string, unknown> = {}) =>
      api(`/api/dsr/${id}/act`, { app: w.slug, session: admin, json });

    // Objection: which one must be said.
    const obj = await take(w.userIds.neighbour, "objection");
    expect((await act(obj)).status).toBe(400);
    expect((await act(obj, { objection: "objection-marketing" })).status).toBe(200);
    expect(await hasObjected(db, w.customerId, w.userIds.neighbour, "objection-marketing")).toBe(true);

    // Rectification: the corrected fields as codes.
    const rect = await take(w.userIds.neighbour, "rectification");
    expect((await act(rect)).status).toBe(400);
    expect((await act(rect, { fields: ["email", "name", "email"] })).status).toBe(200);
    const mine = (await (
      await api("/api/me/privacy-requests", { app: w.slug, session: await sessionOf(w, "neighbour") })
    ).json()) as { requests: { id: string; kind: string; fields: string[] }[] };
    expect(mine.requests.find((r) => r.id === rect)?.fields).toEqual(["email", "name"]);

    // Erasure: this request becomes the erasure job (steps, same deadline), and completes.
    const era = await take(w.userIds.resident, "erasure");
    const before = (await listOf(w, admin)).find((r) => r.id === era);
    const res = await act(era);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ state: "done", erasure: { steps: 3, done: 3 } });
    const after = (await listOf(w, admin)).find((r) => r.id === era);
    expect(after).toMatchObject({ state: "done", origin: "staff", steps: { total: 3, done: 3, failed: 0 } });
    expect(after?.dueAt).toBe(before?.dueAt);
    const user = await db.query.users.findFirst({
      where: (u, { eq }) => eq(u.id, w.userIds.resident),
      columns: { status: true },
    });
    expect(user?.status).toBe("erased");
    expect((await act(era)).status).toBe(409);
    // Only one erasure request for the person: the staff one.
    const erasures = (await listOf(w, admin)).filter((r) => r.userId === w.userIds.resident && r.kind === "erasure");
    expect(erasures.map((r) => r.id)).toEqual([era]);
  });
});

describe("rectification tracking (R-P3)", () => {
  it("a correction in the app is a rectification request done at once, with field codes and no values", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const mine = async () =>
      (
        (await (await api("/api/me/privacy-requests", { app: w.slug, session })).json()) as {
          requests: { kind: string; state: string; fields: string[] }[];
        }
      ).requests;
    const me = (await (await api("/api/me", { app: w.slug, session })).json()) as { name: string; locale: string };

    const newName = `Corrected Name ${crypto.randomUUID().slice(0, 6)}`;
    const res = await api("/api/me", { app: w.slug, session, method: "PATCH", json: { name: newName } });
    expect(res.status).toBe(200);
    expect(await mine()).toEqual([expect.objectContaining({ kind: "rectification", state: "done", fields: ["name"] })]);

    // The same value again is no correction: no new request.
    await api("/api/me", { app: w.slug, session, method: "PATCH", json: { name: newName } });
    expect(await mine()).toHaveLength(1);

    const locale = me.locale === "fr" ? "it" : "fr";
    await api("/api/me", { app: w.slug, session, method: "PATCH", json: { name: `${newName} B`, locale } });
    const reqs = await mine();
    expect(reqs).toHaveLength(2);
    expect(reqs.map((r) => r.fields).sort()).toEqual([["locale", "name"], ["name"]]);

    // Neither the old nor the new value is in the request records.
    const hits = await scanD1(dbOf(w.jurisdiction), [me.name, newName]);
    expect(hits.filter((h) => TRAIL_TABLES.includes(h.where))).toEqual([]);
  });
});
