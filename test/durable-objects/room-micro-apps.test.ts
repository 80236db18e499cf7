import { beforeAll, describe, expect, it } from "vitest";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  cid,
  connectionStates,
  errorFor,
  eventWithSeq,
  headSeqOf,
  joinRoom,
  logged,
  pause,
  type RoomClient,
  roomStub,
  sessionOf,
  write,
} from "../helpers/ws";

/**
 * R-T3 in the building room (decisions 0035, 0037): the door resolves which of the room's micro-apps
 * are off where the building is (the property's row wins over the customer-wide one; no row: on) and
 * sends them with the connection's identity; the room refuses writes of a switched-off app with
 * MICRO_APP_DISABLED, stores nothing, and sends that connection none of the app's events, catch-up,
 * typing, roster or presence. Staff (the manager of the property, the admin) keep every app; another
 * property of the same customer is unaffected.
 */

let w: World;
const PROPERTY_2 = () => `${w.propertyId}-two`;

async function setRow(propertyId: string | null, key: string, enabled: boolean) {
  const db = dbOf(w.jurisdiction);
  await db
    .prepare("DELETE FROM micro_apps WHERE customer_id = ?1 AND property_id IS ?2 AND app_key = ?3")
    .bind(w.customerId, propertyId, key)
    .run();
  await db
    .prepare(
      "INSERT INTO micro_apps (id, customer_id, property_id, app_key, enabled, custom_name) VALUES (?, ?, ?, ?, ?, NULL)",
    )
    .bind(crypto.randomUUID(), w.customerId, propertyId, key, enabled ? 1 : 0)
    .run();
}

const clearRows = () =>
  dbOf(w.jurisdiction).prepare("DELETE FROM micro_apps WHERE customer_id = ?").bind(w.customerId).run();

/** Sends a write and expects it refused as switched off (answering the write's client id). */
async function expectOff(c: RoomClient, msg: Parameters<RoomClient["send"]>[0] & { clientId: string }) {
  c.send(msg);
  expect(await errorFor(c, msg.clientId)).toMatchObject({ code: "MICRO_APP_DISABLED", clientId: msg.clientId });
}

beforeAll(async () => {
  w = await makeWorld();
  // Building 2 moves to a second property of the same customer (the manager manages property 1 only).
  const db = dbOf(w.jurisdiction);
  await db.batch([
    db
      .prepare("INSERT INTO properties (id, customer_id, name, external_id, created_at) VALUES (?, ?, 'Two', NULL, ?)")
      .bind(PROPERTY_2(), w.customerId, Date.now()),
    db.prepare("UPDATE buildings SET property_id = ? WHERE id = ?").bind(PROPERTY_2(), w.buildingIds[1]),
  ]);
});

describe("pinboard switched off for one property (R-T3)", () => {
  it("a resident cannot post through the socket and gets no pinboard events; the manager still can", async () => {
    await clearRows();
    await setRow(null, "pinboard", true);
    await setRow(w.propertyId, "pinboard", false); // the property's row wins over the customer-wide one
    const resident = await joinRoom(w, "resident");
    const manager = await joinRoom(w, "manager");
    const states = await connectionStates(w);
    expect(states.find((s) => s.state?.userId === w.userIds.resident)?.state?.off).toEqual(["pinboard"]);
    expect(states.find((s) => s.state?.userId === w.userIds.manager)?.state?.off).toEqual([]);

    const head = await headSeqOf(w);
    await expectOff(resident, { type: "post.create", clientId: cid("p"), body: "Bike for sale" });
    await expectOff(resident, { type: "comment.create", clientId: cid("c"), postId: "any", body: "Hi" });
    await expectOff(resident, { type: "reaction.toggle", clientId: cid("r"), postId: "any", emoji: "👍" });
    expect(await headSeqOf(w)).toBe(head); // nothing stored

    // Staff keep the pinboard (administration); the resident sees none of it, live or on catch-up.
    const postSeq = await write(manager, { type: "post.create", clientId: cid("m"), body: "Staircase cleaning" });
    expect((await eventWithSeq(manager, postSeq)).event.kind).toBe("post.created");
    // The building chat (My Neighbours, still on) does reach the resident: nothing was held back.
    const chatSeq = await write(manager, { type: "chat.send", clientId: cid("ch"), body: "Hello" });
    expect((await eventWithSeq(resident, chatSeq)).event.kind).toBe("chat.posted");
    expect(logged(resident, "event").some((e) => e.seq === postSeq)).toBe(false);

    const again = await joinRoom(w, "resident", { lastSeq: head });
    const caughtUp = await eventWithSeq(again, chatSeq);
    expect(caughtUp.event.kind).toBe("chat.posted");
    expect(logged(again, "event").map((e) => e.event.kind)).not.toContain("post.created");
    for (const c of [resident, manager, again]) c.close();
  });

  it("another property of the same customer is unaffected", async () => {
    await clearRows();
    await setRow(w.propertyId, "pinboard", false);
    const other = await joinRoom(w, "otherBuilding", { buildingId: w.buildingIds[1] });
    const seq = await write(other, { type: "post.create", clientId: cid("o"), body: "Plants to give away" });
    expect((await eventWithSeq(other, seq)).event.kind).toBe("post.created");
    other.close();
  });

  it("a property's row switching the app on wins over the customer-wide off", async () => {
    await clearRows();
    await setRow(null, "pinboard", false);
    await setRow(PROPERTY_2(), "pinboard", true);
    const off = await joinRoom(w, "resident");
    await expectOff(off, { type: "post.create", clientId: cid("p"), body: "Nope" });
    const on = await joinRoom(w, "otherBuilding", { buildingId: w.buildingIds[1] });
    const seq = await write(on, { type: "post.create", clientId: cid("o"), body: "Yes" });
    expect(seq).toBeGreaterThan(0);
    for (const c of [off, on]) c.close();
  });
});

describe("my neighbours switched off (R-T3)", () => {
  it("residents get no chat, direct messages, typing, roster or presence; announcements stay; staff keep it", async () => {
    await clearRows();
    await setRow(null, "my-neighbours", false);
    const resident = await joinRoom(w, "resident");
    const neighbour = await joinRoom(w, "neighbour");
    const manager = await joinRoom(w, "manager");
    const head = await headSeqOf(w);
    await expectOff(resident, { type: "chat.send", clientId: cid("c"), body: "Anyone home?" });
    await expectOff(resident, { type: "dm.send", clientId: cid("d"), toUserId: w.userIds.neighbour, body: "Hi" });
    await expectOff(resident, {
      type: "profile.set",
      clientId: cid("pr"),
      visible: true,
      displayName: "R",
      showPresence: true,
    });
    resident.send({ type: "typing", scope: "chat" });
    expect(await resident.next("error")).toMatchObject({ code: "MICRO_APP_DISABLED" });
    expect(await headSeqOf(w)).toBe(head);

    // The manager still chats; residents of this building do not receive it, but do get the pinboard.
    const chatSeq = await write(manager, { type: "chat.send", clientId: cid("m"), body: "Water off at 10" });
    const postSeq = await write(manager, { type: "post.create", clientId: cid("p"), body: "Courtyard party" });
    expect((await eventWithSeq(neighbour, postSeq)).event.kind).toBe("post.created");
    const ann = { id: crypto.randomUUID(), title: "Lift", body: "Serviced", authorName: "M", ackRequired: false };
    const { seq: annSeq } = await roomStub(w).deliverAnnouncement({ ...ann, publishedAt: Date.now() });
    expect((await eventWithSeq(resident, annSeq)).event.kind).toBe("announcement.published");
    await pause(1_200); // one presence interval
    for (const c of [resident, neighbour]) {
      expect(c.log.some((m) => m.type === "event" && m.seq === chatSeq)).toBe(false);
      expect(c.log.filter((m) => m.type === "roster" || m.type === "presence" || m.type === "typing")).toEqual([]);
    }
    for (const c of [resident, neighbour, manager]) c.close();
  });

  it("takes effect at the next connect (a live connection keeps what its door decided)", async () => {
    await clearRows();
    const before = await joinRoom(w, "resident", { session: await sessionOf(w, "resident") });
    await setRow(null, "my-neighbours", false);
    const seq = await write(before, { type: "chat.send", clientId: cid("b"), body: "still allowed" });
    expect(seq).toBeGreaterThan(0);
    const after = await joinRoom(w, "resident");
    await expectOff(after, { type: "chat.send", clientId: cid("a"), body: "now refused" });
    for (const c of [before, after]) c.close();
  });

  it("a switch made through the admin API reaches live rooms at once: residents reconnect (1012), staff stay", async () => {
    await clearRows();
    const resident = await joinRoom(w, "resident");
    const manager = await joinRoom(w, "manager");
    const other = await joinRoom(w, "otherBuilding", { buildingId: w.buildingIds[1] });
    const admin = await sessionOf(w, "admin");
    const res = await api(`/api/admin/properties/${w.propertyId}/micro-apps/pinboard`, {
      app: w.slug,
      session: admin,
      method: "PUT",
      json: { enabled: false, name: null },
    });
    expect(res.status).toBe(200);
    expect((await resident.closed).code).toBe(1012);
    // The manager of the property and a resident of the other property keep their connections.
    expect(await write(manager, { type: "post.create", clientId: cid("m"), body: "Still here" })).toBeGreaterThan(0);
    expect(await write(other, { type: "post.create", clientId: cid("o"), body: "Other property" })).toBeGreaterThan(0);
    const again = await joinRoom(w, "resident");
    await expectOff(again, { type: "post.create", clientId: cid("p"), body: "now refused" });
    // Clearing the override brings the pinboard back, again at once.
    const cleared = await api(`/api/admin/properties/${w.propertyId}/micro-apps/pinboard`, {
      app: w.slug,
      session: admin,
      method: "DELETE",
    });
    expect(cleared.status).toBe(200);
    expect((await again.closed).code).toBe(1012);
    const back = await joinRoom(w, "resident");
    expect(await write(back, { type: "post.create", clientId: cid("b"), body: "allowed again" })).toBeGreaterThan(0);
    for (const c of [manager, other, back]) c.close();
  });
});
