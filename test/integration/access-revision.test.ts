import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { addDays, isoDay } from "../../src/lib/time";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { connectionStates, joinRoom, roomStub, sessionOf } from "../helpers/ws";

/** Live connections follow tenancy and role changes at once (issue 4, item 1). */

const today = () => isoDay(new Date());
const roleId = (w: World, who: "admin" | "manager") => `r-${who}-${w.customerId.slice(4)}`;
const patchTenancy = (w: World, session: string, tenancyId: string, endsOn: string | null) =>
  api(`/api/tenancies/${tenancyId}`, { app: w.slug, session, method: "PATCH", json: { endsOn } });
const patchRole = (w: World, session: string, id: string, endsOn: string | null) =>
  api(`/api/roles/${id}`, { app: w.slug, session, method: "PATCH", json: { endsOn } });

describe("a tenancy shortened by the manager", () => {
  it("closes the resident's live connection at once when it has already ended, and the door stays shut", async () => {
    const w = await makeWorld();
    const residentSession = await sessionOf(w, "resident");
    const resident = await joinRoom(w, "resident", { session: residentSession });
    const elsewhere = await joinRoom(w, "otherBuilding", { buildingId: w.buildingIds[1] });
    const manager = await sessionOf(w, "manager");

    const res = await patchTenancy(w, manager, w.tenancyIds[0], addDays(today(), -1));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: w.tenancyIds[0], endsOn: addDays(today(), -1) });

    expect(await resident.next("error")).toMatchObject({ code: "ACCESS_ENDED" });
    expect((await resident.closed).code).toBe(1008);
    // Another building's resident is not touched.
    expect(await connectionStates(w, w.buildingIds[1])).toHaveLength(1);
    elsewhere.close();
    const again = await api(`/api/buildings/${w.buildingIds[0]}`, { app: w.slug, session: residentSession });
    expect(await envelopeOf(again)).toBe("NOT_FOUND");
  });

  it("moves the connection's access end (and the room's alarm) when the new last day is still ahead", async () => {
    const w = await makeWorld();
    const resident = await joinRoom(w, "resident");
    const lastDay = addDays(today(), 3);
    expect((await patchTenancy(w, await sessionOf(w, "manager"), w.tenancyIds[0], lastDay)).status).toBe(200);

    const until = Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000;
    const states = await connectionStates(w);
    expect(states.map((s) => s.state?.accessUntil)).toEqual([until]);
    const alarm = await runInDurableObject(roomStub(w), (_room: BuildingRoom, state) => state.storage.getAlarm());
    expect(alarm).toBe(until);
    resident.close();
  });

  it("refuses an end before the start (400), an overlap (409), residents (403) and foreign tenancies (404)", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const manager = await sessionOf(w, "manager");
    expect(await envelopeOf(await patchTenancy(w, manager, w.tenancyIds[0], "2019-12-31"))).toBe("VALIDATION_FAILED");
    expect(await envelopeOf(await patchTenancy(w, manager, w.tenancyIds[0], "31.12.2030"))).toBe("VALIDATION_FAILED");
    expect(await envelopeOf(await patchTenancy(w, await sessionOf(w, "resident"), w.tenancyIds[0], null))).toBe(
      "FORBIDDEN",
    );
    expect(await envelopeOf(await patchTenancy(w, manager, other.tenancyIds[0], null))).toBe("NOT_FOUND");
    expect(await envelopeOf(await patchTenancy(w, manager, "no-such-tenancy", null))).toBe("NOT_FOUND");

    // Shortened, a second tenant period after it, then the first one extended into it: 409, unchanged.
    expect((await patchTenancy(w, manager, w.tenancyIds[0], addDays(today(), 5))).status).toBe(200);
    const later = await api(`/api/units/${w.unitIds[0]}/tenancies`, {
      app: w.slug,
      session: manager,
      json: { type: "tenant", startsOn: addDays(today(), 10) },
    });
    expect(later.status).toBe(201);
    expect(await envelopeOf(await patchTenancy(w, manager, w.tenancyIds[0], null))).toBe("TENANCY_OVERLAP");
    const list = await api(`/api/units/${w.unitIds[0]}/tenancies`, { app: w.slug, session: manager });
    const rows = (await list.json()) as { id: string; endsOn: string | null }[];
    expect(rows.find((t) => t.id === w.tenancyIds[0])?.endsOn).toBe(addDays(today(), 5));
  });
});

describe("a staff role that ends", () => {
  it("closes the manager's live connections; the manager can no longer open the room or manage", async () => {
    const w = await makeWorld();
    const managerSession = await sessionOf(w, "manager");
    const manager = await joinRoom(w, "manager", { session: managerSession });
    const resident = await joinRoom(w, "resident");
    const admin = await sessionOf(w, "admin");

    const res = await patchRole(w, admin, roleId(w, "manager"), addDays(today(), -1));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: roleId(w, "manager"), endsOn: addDays(today(), -1) });
    expect((await manager.closed).code).toBe(1008);
    // Residents stay connected.
    expect((await connectionStates(w)).map((s) => s.state?.userId)).toEqual([w.userIds.resident]);
    resident.close();

    expect(await envelopeOf(await api("/api/properties", { app: w.slug, session: managerSession }))).toBe("FORBIDDEN");
    const door = await api(`/rooms/${w.buildingIds[0]}`, {
      app: w.slug,
      session: managerSession,
      headers: { upgrade: "websocket", origin: `http://${w.slug}.localhost:8787` },
    });
    expect(await envelopeOf(door)).toBe("NOT_FOUND");
  });

  it("keeps at least one active customer admin (409 LAST_ADMIN) and is for admins of the same customer only", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const admin = await sessionOf(w, "admin");
    expect(await envelopeOf(await patchRole(w, admin, roleId(w, "admin"), addDays(today(), -1)))).toBe("LAST_ADMIN");
    // Ending it later (or today, its last day) is fine.
    expect((await patchRole(w, admin, roleId(w, "admin"), addDays(today(), 30))).status).toBe(200);
    expect(await envelopeOf(await patchRole(w, admin, roleId(other, "manager"), null))).toBe("NOT_FOUND");
    expect(await envelopeOf(await patchRole(w, await sessionOf(w, "manager"), roleId(w, "manager"), null))).toBe(
      "FORBIDDEN",
    );
    expect(await envelopeOf(await patchRole(w, admin, roleId(w, "manager"), "2019-01-01"))).toBe("VALIDATION_FAILED");

    const list = await api("/api/roles", { app: w.slug, session: admin });
    const roles = (await list.json()) as { id: string; userId: string }[];
    expect(roles.map((r) => r.id).sort()).toEqual([roleId(w, "admin"), roleId(w, "manager")].sort());
  });
});
