import { beforeAll, describe, expect, it } from "vitest";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { category, errorCode, report, type Sessions, send, sessionsOf } from "../helpers/tickets";

/**
 * R-T3: micro-apps per customer, overridable per property, enforced by the server (decision 0035). A
 * switched-off app's resident APIs answer 403 MICRO_APP_DISABLED; staff keep access for administration.
 */

let w: World;
let s: Sessions;
let cat: string;
const PROPERTY_2 = () => `${w.propertyId}-two`;

beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
  cat = (await category(w, s.admin)).id;
  // Building 2 moves to a second property of the same customer (the manager manages property 1 only).
  const db = dbOf(w.jurisdiction);
  await db.batch([
    db
      .prepare("INSERT INTO properties (id, customer_id, name, external_id, created_at) VALUES (?, ?, 'Two', NULL, ?)")
      .bind(PROPERTY_2(), w.customerId, Date.now()),
    db.prepare("UPDATE buildings SET property_id = ? WHERE id = ?").bind(PROPERTY_2(), w.buildingIds[1]),
  ]);
});

const setApp = (world: World, admin: string, key: string, enabled: boolean) =>
  send(world, admin, "PUT", `/api/customer/apps/${key}`, 200, { enabled, name: null });

async function setOverride(propertyId: string, key: string, enabled: boolean | null) {
  const db = dbOf(w.jurisdiction);
  await db
    .prepare("DELETE FROM micro_apps WHERE customer_id = ? AND property_id = ? AND app_key = ?")
    .bind(w.customerId, propertyId, key)
    .run();
  if (enabled === null) return;
  await db
    .prepare(
      "INSERT INTO micro_apps (id, customer_id, property_id, app_key, enabled, custom_name) VALUES (?, ?, ?, ?, ?, NULL)",
    )
    .bind(crypto.randomUUID(), w.customerId, propertyId, key, enabled ? 1 : 0)
    .run();
}

async function expectDisabled(session: string, method: string, path: string, json?: unknown) {
  const res = await api(path, { app: w.slug, session, method, ...(json === undefined ? {} : { json }) });
  expect(res.status, `${method} ${path}`).toBe(403);
  expect(await errorCode(res)).toBe("MICRO_APP_DISABLED");
}

const ticketBody = (buildingId: string, unitId: string) => ({
  buildingId,
  unitId,
  categoryId: cat,
  title: "Leaking tap",
  description: "Drips",
});

describe("Service Center switched off", () => {
  it("for the customer: residents get 403 on every resident ticket API; staff keep working the ticket", async () => {
    const before = await report(w, s.resident, cat);
    await setApp(w, s.admin, "service-center", false);
    await expectDisabled(s.resident, "POST", "/api/tickets", ticketBody(w.buildingIds[0], w.unitIds[0]));
    await expectDisabled(s.resident, "GET", "/api/tickets");
    await expectDisabled(s.resident, "GET", `/api/tickets/${before.id}`);
    await expectDisabled(s.resident, "POST", `/api/tickets/${before.id}/messages`, { body: "Still dripping" });
    await expectDisabled(s.resident, "POST", `/api/tickets/${before.id}/feedback`, { rating: 5 });
    await expectDisabled(s.otherBuilding, "POST", "/api/tickets", ticketBody(w.buildingIds[1], w.unitIds[1]));
    // Staff: the queue, the ticket and a reply still work (administration of what exists).
    await send(w, s.manager, "GET", "/api/ticket-queue", 200);
    await send(w, s.manager, "GET", `/api/tickets/${before.id}`, 200);
    await send(w, s.manager, "POST", `/api/tickets/${before.id}/messages`, 201, { body: "We are on it" });
    await send(w, s.admin, "GET", `/api/tickets/${before.id}`, 200);
  });

  it("a property override switches it on for that property only", async () => {
    await setOverride(PROPERTY_2(), "service-center", true);
    await send(w, s.otherBuilding, "POST", "/api/tickets", 201, ticketBody(w.buildingIds[1], w.unitIds[1]));
    await send(w, s.otherBuilding, "GET", "/api/tickets", 200);
    await expectDisabled(s.resident, "POST", "/api/tickets", ticketBody(w.buildingIds[0], w.unitIds[0]));
    await expectDisabled(s.resident, "GET", "/api/tickets");
  });

  it("and off for one property while the customer has it on", async () => {
    await setOverride(PROPERTY_2(), "service-center", null);
    await setApp(w, s.admin, "service-center", true);
    await setOverride(w.propertyId, "service-center", false);
    await expectDisabled(s.resident, "POST", "/api/tickets", ticketBody(w.buildingIds[0], w.unitIds[0]));
    await send(w, s.otherBuilding, "POST", "/api/tickets", 201, ticketBody(w.buildingIds[1], w.unitIds[1]));
    await setOverride(w.propertyId, "service-center", null);
    await send(w, s.resident, "POST", "/api/tickets", 201, ticketBody(w.buildingIds[0], w.unitIds[0]));
  });

  it("another customer switching it off changes nothing here", async () => {
    const other = await makeWorld();
    const os = await sessionsOf(other);
    await setApp(other, os.admin, "service-center", false);
    await send(w, s.resident, "GET", "/api/tickets", 200);
    await send(w, s.resident, "POST", "/api/tickets", 201, ticketBody(w.buildingIds[0], w.unitIds[0]));
    const theirs = await api("/api/tickets", { app: other.slug, session: os.resident });
    expect(theirs.status).toBe(403);
    expect(await errorCode(theirs)).toBe("MICRO_APP_DISABLED");
  });
});

describe("other micro-apps", () => {
  it("Information and My Apartment documents", async () => {
    await setApp(w, s.admin, "information", false);
    await expectDisabled(s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/documents`);
    await send(w, s.manager, "GET", `/api/buildings/${w.buildingIds[0]}/documents`, 200);
    await setApp(w, s.admin, "my-apartment", false);
    await expectDisabled(s.resident, "GET", `/api/units/${w.unitIds[0]}/documents`);
    await send(w, s.manager, "GET", `/api/units/${w.unitIds[0]}/documents`, 200);
    await setApp(w, s.admin, "information", true);
    await send(w, s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/documents`, 200);
  });

  it("Announcements", async () => {
    await setApp(w, s.admin, "announcements", false);
    await expectDisabled(s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/announcements`);
    await send(w, s.manager, "GET", "/api/announcements", 200);
    await setApp(w, s.admin, "announcements", true);
    await send(w, s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/announcements`, 200);
  });

  it("Pinboard (posts) and My Neighbours (chat, direct messages) history", async () => {
    await setApp(w, s.admin, "pinboard", false);
    await expectDisabled(s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/posts`);
    await setApp(w, s.admin, "my-neighbours", false);
    await expectDisabled(s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/chat`);
    await expectDisabled(s.resident, "GET", `/api/buildings/${w.buildingIds[0]}/dms/${w.userIds.neighbour}`);
  });
});
