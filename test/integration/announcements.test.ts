import { beforeAll, describe, expect, it } from "vitest";
import { loginAs } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  type AnnouncementDetail,
  addProperty,
  call,
  type ManagerAnnouncement,
  type ResidentAnnouncement,
  type SecondProperty,
} from "../helpers/staff";
import { roomStub, sessionOf } from "../helpers/ws";

// Announcements (R-M2) as D1 records: created by managers in scope, delivered to every targeted room
// and only those, listed for residents of the targeted buildings, read and acknowledged per unit.

let w: World;
let p2: SecondProperty;
const s = { admin: "", manager: "", resident: "", neighbour: "", other: "", manager2: "" };

beforeAll(async () => {
  w = await makeWorld();
  p2 = await addProperty(w);
  s.admin = await sessionOf(w, "admin");
  s.manager = await sessionOf(w, "manager");
  s.resident = await sessionOf(w, "resident");
  s.neighbour = await sessionOf(w, "neighbour");
  s.other = await sessionOf(w, "otherBuilding");
  s.manager2 = await loginAs(w.slug, p2.managerEmail, PASSWORD);
});

const send = (session: string, body: Record<string, unknown>, status = 201) =>
  call<AnnouncementDetail>(w, session, "POST", "/api/announcements", status, {
    title: "Water off",
    body: "On Tuesday from 9 to 11.",
    ...body,
  });
const roomTitles = async (buildingId: string) => (await roomStub(w, buildingId).announcements()).map((a) => a.title);

describe("POST /api/announcements", () => {
  it("delivers to every targeted room and only those, and records the delivery per room", async () => {
    const title = `Two buildings ${crypto.randomUUID().slice(0, 6)}`;
    const a = await send(s.manager, { title, target: { type: "building", ids: [...w.buildingIds] } });
    expect(a.state).toBe("published");
    expect(a.deliveries.map((d) => [d.buildingId, d.state, d.attempts])).toEqual(
      [...w.buildingIds].sort().map((b) => [b, "delivered", 1]),
    );
    for (const d of a.deliveries) expect(d.seq).toBeGreaterThan(0);
    for (const b of w.buildingIds) expect(await roomTitles(b)).toContain(title);
    expect(await roomTitles(p2.buildingId)).not.toContain(title);
  });

  it("resolves a property to its buildings and the whole customer to all of them (admins only)", async () => {
    const prop = await send(s.manager, { title: "Property wide", target: { type: "property", id: w.propertyId } });
    expect(prop.deliveries.map((d) => d.buildingId)).toEqual([...w.buildingIds].sort());
    expect(await roomTitles(p2.buildingId)).not.toContain("Property wide");

    expect(
      await envelopeOf(
        await api("/api/announcements", {
          app: w.slug,
          session: s.manager,
          json: { title: "x", body: "y", target: { type: "customer" } },
        }),
      ),
    ).toBe("FORBIDDEN");
    const all = await send(s.admin, { title: "Everyone", target: { type: "customer" } });
    expect(all.deliveries.map((d) => d.buildingId).sort()).toEqual([...w.buildingIds, p2.buildingId].sort());
    expect(await roomTitles(p2.buildingId)).toContain("Everyone");
  });

  it("refuses targets outside the manager's scope with 404 and stores nothing", async () => {
    const before = (await call<ManagerAnnouncement[]>(w, s.admin, "GET", "/api/announcements", 200)).length;
    for (const target of [
      { type: "building", ids: [p2.buildingId] },
      { type: "building", ids: [w.buildingIds[0], p2.buildingId] },
      { type: "property", id: p2.propertyId },
      { type: "building", ids: ["no-such-building"] },
    ]) {
      const res = await api("/api/announcements", {
        app: w.slug,
        session: s.manager,
        json: { title: "x", body: "y", target },
      });
      expect(await envelopeOf(res), JSON.stringify(target)).toBe("NOT_FOUND");
    }
    expect((await call<ManagerAnnouncement[]>(w, s.admin, "GET", "/api/announcements", 200)).length).toBe(before);
  });

  it("answers invalid input with VALIDATION_FAILED", async () => {
    const bad = [
      { title: "", body: "y", target: { type: "customer" } },
      { title: "x", body: "y", target: { type: "building", ids: [] } },
      { title: "x", body: "y", target: { type: "planet" } },
      { title: "x", body: "y", target: { type: "customer" }, extra: true },
      { title: "x", body: "y", target: { type: "customer" }, publishAt: "tomorrow" },
      {
        title: "x",
        body: "y",
        target: { type: "customer" },
        publishAt: "2099-01-02T00:00:00Z",
        pinnedUntil: "2099-01-01T00:00:00Z",
      },
    ];
    for (const json of bad) {
      const res = await api("/api/announcements", { app: w.slug, session: s.admin, json });
      expect(await envelopeOf(res), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
  });
});

describe("residents", () => {
  it("see announcements of buildings where they live, pinned first; others get 404", async () => {
    const old = await send(s.manager, {
      title: "Old news",
      target: { type: "building", ids: [w.buildingIds[0]] },
      pinnedUntil: new Date(Date.now() + 1000).toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await send(s.manager, { title: "Fresh news", target: { type: "building", ids: [w.buildingIds[0]] } });
    const list = await call<ResidentAnnouncement[]>(
      w,
      s.resident,
      "GET",
      `/api/buildings/${w.buildingIds[0]}/announcements`,
      200,
    );
    const ids = list.map((a) => a.id);
    expect(ids.indexOf(fresh.id)).toBeLessThan(ids.indexOf(old.id));
    expect(list.find((a) => a.id === old.id)?.pinned).toBe(false);
    expect(list.find((a) => a.id === fresh.id)).toMatchObject({
      pinned: true,
      readAt: null,
      authorName: expect.any(String),
    });
    // Pinned ones come before every unpinned one.
    const firstUnpinned = list.findIndex((a) => !a.pinned);
    expect(list.slice(firstUnpinned).every((a) => !a.pinned)).toBe(true);

    const other = await api(`/api/buildings/${w.buildingIds[0]}/announcements`, { app: w.slug, session: s.other });
    expect(await envelopeOf(other)).toBe("NOT_FOUND");
    const read = await api(`/api/announcements/${fresh.id}/read`, { app: w.slug, session: s.other, method: "POST" });
    expect(await envelopeOf(read)).toBe("NOT_FOUND");
  });

  it("acknowledge once per unit (idempotent), and managers see the counts", async () => {
    const a = await send(s.manager, {
      title: "House rules",
      ackRequired: true,
      target: { type: "property", id: w.propertyId },
    });
    expect(a.counts).toEqual({ buildings: 2, units: 2, residents: 3, read: 0, unitsToAcknowledge: 2, acknowledged: 0 });

    await call(w, s.resident, "POST", `/api/announcements/${a.id}/read`, 204);
    await call(w, s.resident, "POST", `/api/announcements/${a.id}/read`, 204);
    const first = await call<{ acknowledgedUnitIds: string[] }>(
      w,
      s.resident,
      "POST",
      `/api/announcements/${a.id}/acknowledge`,
      200,
      {},
    );
    expect(first.acknowledgedUnitIds).toEqual([w.unitIds[0]]);
    // The flatmate's acknowledgement is the same unit's: nothing changes; repeating changes nothing.
    const again = await call<{ acknowledgedUnitIds: string[] }>(
      w,
      s.neighbour,
      "POST",
      `/api/announcements/${a.id}/acknowledge`,
      200,
      {
        unitId: w.unitIds[0],
      },
    );
    expect(again.acknowledgedUnitIds).toEqual([w.unitIds[0]]);
    await call(w, s.resident, "POST", `/api/announcements/${a.id}/acknowledge`, 200);
    const foreignUnit = await api(`/api/announcements/${a.id}/acknowledge`, {
      app: w.slug,
      session: s.resident,
      json: { unitId: w.unitIds[1] },
    });
    expect(await envelopeOf(foreignUnit)).toBe("NOT_FOUND");

    const view = await call<AnnouncementDetail>(w, s.manager, "GET", `/api/announcements/${a.id}`, 200);
    expect(view.counts).toEqual({
      buildings: 2,
      units: 2,
      residents: 3,
      read: 2,
      unitsToAcknowledge: 2,
      acknowledged: 1,
    });
    const listed = (await call<ManagerAnnouncement[]>(w, s.manager, "GET", "/api/announcements", 200)).find(
      (x) => x.id === a.id,
    );
    expect(listed?.counts).toEqual(view.counts);

    const mine = await call<ResidentAnnouncement[]>(
      w,
      s.resident,
      "GET",
      `/api/buildings/${w.buildingIds[0]}/announcements`,
      200,
    );
    expect(mine.find((x) => x.id === a.id)).toMatchObject({
      acknowledgedUnitIds: [w.unitIds[0]],
      unitsToAcknowledge: [],
    });
    const theirs = await call<ResidentAnnouncement[]>(
      w,
      s.other,
      "GET",
      `/api/buildings/${w.buildingIds[1]}/announcements`,
      200,
    );
    expect(theirs.find((x) => x.id === a.id)).toMatchObject({ pinned: true, unitsToAcknowledge: [w.unitIds[1]] });
  });

  it("cannot acknowledge an announcement that asks for no acknowledgement", async () => {
    const a = await send(s.manager, { target: { type: "building", ids: [w.buildingIds[0]] } });
    expect(a.counts).toMatchObject({ units: 1, unitsToAcknowledge: 0 });
    const res = await api(`/api/announcements/${a.id}/acknowledge`, { app: w.slug, session: s.resident, json: {} });
    expect(await envelopeOf(res)).toBe("ACK_NOT_REQUIRED");
  });
});

describe("DELETE /api/announcements/{id}", () => {
  it("withdraws from every room and from the residents' list; twice changes nothing", async () => {
    const a = await send(s.manager, { title: "Mistake", target: { type: "building", ids: [...w.buildingIds] } });
    const gone = await call<AnnouncementDetail>(w, s.manager, "DELETE", `/api/announcements/${a.id}`, 200);
    expect(gone.state).toBe("withdrawn");
    expect(gone.deliveries.every((d) => d.state === "delivered")).toBe(true);
    for (const b of w.buildingIds) expect(await roomTitles(b)).not.toContain("Mistake");
    const list = await call<ResidentAnnouncement[]>(
      w,
      s.resident,
      "GET",
      `/api/buildings/${w.buildingIds[0]}/announcements`,
      200,
    );
    expect(list.map((x) => x.id)).not.toContain(a.id);
    expect(
      await envelopeOf(
        await api(`/api/announcements/${a.id}/read`, { app: w.slug, session: s.resident, method: "POST" }),
      ),
    ).toBe("NOT_FOUND");
    expect((await call<AnnouncementDetail>(w, s.manager, "DELETE", `/api/announcements/${a.id}`, 200)).state).toBe(
      "withdrawn",
    );
  });
});

describe("OpenAPI", () => {
  it("documents the announcement, moderation and notification routes", async () => {
    const res = await api("/api/openapi.json", { app: w.slug });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    for (const path of [
      "/api/announcements",
      "/api/announcements/{announcementId}",
      "/api/announcements/{announcementId}/read",
      "/api/announcements/{announcementId}/acknowledge",
      "/api/buildings/{buildingId}/announcements",
      "/api/buildings/{buildingId}/posts/{postId}/reports",
      "/api/buildings/{buildingId}/posts/{postId}/visibility",
      "/api/moderation/reports",
      "/api/moderation/log",
      "/api/me/notifications",
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
  });
});

describe("scope", () => {
  it("hides announcements from managers of another property, another customer and another jurisdiction", async () => {
    const a = await send(s.manager, { target: { type: "building", ids: [w.buildingIds[0]] } });
    expect(
      (await call<ManagerAnnouncement[]>(w, s.manager2, "GET", "/api/announcements", 200)).map((x) => x.id),
    ).not.toContain(a.id);
    for (const method of ["GET", "DELETE"]) {
      const res = await api(`/api/announcements/${a.id}`, { app: w.slug, session: s.manager2, method });
      expect(await envelopeOf(res)).toBe("NOT_FOUND");
    }
    for (const jurisdiction of ["ch", "eu"] as const) {
      const other = await makeWorld({ jurisdiction });
      const admin = await sessionOf(other, "admin");
      for (const method of ["GET", "DELETE"]) {
        const res = await api(`/api/announcements/${a.id}`, { app: other.slug, session: admin, method });
        expect(await envelopeOf(res), `${jurisdiction} ${method}`).toBe("NOT_FOUND");
      }
      const res = await api("/api/announcements", {
        app: other.slug,
        session: admin,
        json: { title: "x", body: "y", target: { type: "building", ids: [w.buildingIds[0]] } },
      });
      expect(await envelopeOf(res)).toBe("NOT_FOUND");
    }
    const still = await call<AnnouncementDetail>(w, s.manager, "GET", `/api/announcements/${a.id}`, 200);
    expect(still.state).toBe("published");
  });
});
