import { beforeAll, describe, expect, it } from "vitest";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { addProperty } from "../helpers/staff";
import { addFlat, PDF, PNG, type Sessions, send, sessionsOf, upload } from "../helpers/tickets";

/** Information (R-M4) and My Apartment (R-M5): who sees which document, and for how long. */

type Doc = { id: string; title: string; file: { id: string } | null; tenancyId: string | null };

let w: World;
let s: Sessions;
beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
});

const download = (session: string, fileId: string) => api(`/api/files/${fileId}/content`, { app: w.slug, session });
const titles = (docs: Doc[]) => docs.map((d) => d.title);

describe("building documents", () => {
  it("are seen by residents of the buildings they were published to, and nobody else", async () => {
    const f = await upload(w, s.manager, PDF, "house-rules.pdf");
    const d = await send<Doc>(w, s.manager, "POST", "/api/documents", 201, {
      category: "house-rules",
      title: "House rules 2027",
      fileId: f.id,
      target: { type: "building", ids: [w.buildingIds[0]] },
    });
    const row = await dbOf(w.jurisdiction)
      .prepare("SELECT subject_id, state FROM files WHERE id = ?")
      .bind(f.id)
      .first();
    // A document the manager publishes is the customer's, not the manager's personal data.
    expect(row).toMatchObject({ subject_id: null, state: "attached" });
    const seen = await send<Doc[]>(w, s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/documents`, 200);
    expect(titles(seen)).toEqual(["House rules 2027"]);
    expect((await download(s.resident, f.id)).status).toBe(200);
    await send(w, s.otherBuilding, "GET", `/api/buildings/${w.buildingIds[0]}/documents`, 404);
    expect((await download(s.otherBuilding, f.id)).status).toBe(404);
    const own = await send<Doc[]>(w, s.otherBuilding, "GET", `/api/buildings/${w.buildingIds[1]}/documents`, 200);
    expect(own).toEqual([]);
    // Deleted: gone for residents at once.
    await send(w, s.manager, "DELETE", `/api/documents/${d.id}`, 204);
    expect(await send<Doc[]>(w, s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/documents`, 200)).toEqual([]);
    expect((await download(s.resident, f.id)).status).toBe(404);
  });

  it("go to every building of a property, and only a manager of those buildings publishes", async () => {
    const f = await upload(w, s.manager, PNG, "plan.png");
    await send(w, s.manager, "POST", "/api/documents", 201, {
      category: "cleaning-plan",
      title: "Cleaning plan",
      fileId: f.id,
      target: { type: "property", id: w.propertyId },
    });
    for (const [who, b] of [
      [s.resident, w.buildingIds[0]],
      [s.otherBuilding, w.buildingIds[1]],
    ] as const) {
      expect(titles(await send<Doc[]>(w, who, "GET", `/api/buildings/${b}/documents`, 200))).toContain("Cleaning plan");
    }
    const second = await addProperty(w);
    const otherManager = await api("/api/auth/login", {
      app: w.slug,
      json: { email: second.managerEmail, password: "correct horse battery staple" },
    });
    const cookie = otherManager.headers.getSetCookie()[0]?.split(";")[0]?.split("=")[1] ?? "";
    const g = await upload(w, cookie, PDF);
    await send(w, cookie, "POST", "/api/documents", 404, {
      category: "appointment",
      title: "Not yours",
      fileId: g.id,
      target: { type: "building", ids: [w.buildingIds[0]] },
    });
    await send(w, s.resident, "POST", "/api/documents", 403, {
      category: "appointment",
      title: "x",
      fileId: g.id,
      target: { type: "building", ids: [w.buildingIds[0]] },
    });
  });
});

describe("unit documents", () => {
  it("belong to the tenancy: flatmates see them, other flats and buildings do not", async () => {
    const f = await upload(w, s.manager, PDF, "contract.pdf");
    const d = await send<Doc>(w, s.manager, "POST", `/api/units/${w.unitIds[0]}/documents`, 201, {
      category: "contract",
      title: "Lease",
      fileId: f.id,
    });
    expect(d.tenancyId).toBe(w.tenancyIds[0]);
    for (const who of [s.resident, s.neighbour, s.manager]) {
      expect(titles(await send<Doc[]>(w, who, "GET", `/api/units/${w.unitIds[0]}/documents`, 200))).toContain("Lease");
      expect((await download(who, f.id)).status).toBe(200);
    }
    const flat = await addFlat(w);
    for (const who of [s.otherBuilding, flat.session]) {
      await send(w, who, "GET", `/api/units/${w.unitIds[0]}/documents`, 404);
      expect((await download(who, f.id)).status).toBe(404);
    }
    const other = await makeWorld();
    const os = await sessionsOf(other);
    expect((await api(`/api/units/${w.unitIds[0]}/documents`, { app: other.slug, session: os.admin })).status).toBe(
      404,
    );
    expect((await api(`/api/files/${f.id}/content`, { app: other.slug, session: os.admin })).status).toBe(404);
  });

  it("are gone for a resident who moved out, and never shown to the next tenant", async () => {
    const m = await makeWorld();
    const ms = await sessionsOf(m);
    const f = await upload(m, ms.manager, PDF, "handover.pdf");
    await send(m, ms.manager, "POST", `/api/units/${m.unitIds[0]}/documents`, 201, {
      category: "protocol",
      title: "Move-in protocol",
      fileId: f.id,
    });
    expect((await api(`/api/files/${f.id}/content`, { app: m.slug, session: ms.resident })).status).toBe(200);
    // The tenancy ended yesterday; a new tenant moved in today.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    await dbOf(m.jurisdiction)
      .prepare("UPDATE tenancies SET ends_on = ? WHERE id = ?")
      .bind(yesterday, m.tenancyIds[0])
      .run();
    const next = await addFlat(m, { unitId: m.unitIds[0], startsOn: today });
    await send(m, ms.resident, "GET", `/api/units/${m.unitIds[0]}/documents`, 404);
    expect((await api(`/api/files/${f.id}/content`, { app: m.slug, session: ms.resident })).status).toBe(404);
    expect(await send<Doc[]>(m, next.session, "GET", `/api/units/${m.unitIds[0]}/documents`, 200)).toEqual([]);
    expect((await api(`/api/files/${f.id}/content`, { app: m.slug, session: next.session })).status).toBe(404);
    // The manager still has the record of the old tenancy, and gives the new tenant their own.
    expect(titles(await send<Doc[]>(m, ms.manager, "GET", `/api/units/${m.unitIds[0]}/documents`, 200))).toEqual([
      "Move-in protocol",
    ]);
    const g = await upload(m, ms.manager, PDF, "lease.pdf");
    await send(m, ms.manager, "POST", `/api/units/${m.unitIds[0]}/documents`, 201, {
      category: "contract",
      title: "New lease",
      fileId: g.id,
    });
    expect(titles(await send<Doc[]>(m, next.session, "GET", `/api/units/${m.unitIds[0]}/documents`, 200))).toEqual([
      "New lease",
    ]);
  });
});
