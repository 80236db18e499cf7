import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { configFrom } from "../../src/lib/config";
import { MINUTE } from "../../src/lib/time";
import { processingRecord } from "../../src/privacy/datamap";
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
