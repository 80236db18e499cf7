import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { roomPersonalDataStore } from "../../src/privacy/stores";
import { regionStores } from "../../src/region";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { connectRoom, type RoomClient } from "../helpers/ws";

async function joined(buildingId: string, app: string, session: string): Promise<RoomClient> {
  const c = await connectRoom(buildingId, { app, session });
  await c.next("welcome");
  c.send({ type: "resume", lastSeq: 0 });
  return c;
}

async function roomDump(buildingId: string): Promise<string> {
  const rooms = regionStores(env, "ch").rooms();
  return runInDurableObject(rooms.getByName(buildingId), (_: BuildingRoom, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray();
    return JSON.stringify(tables.map((t) => state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()));
  });
}

describe("the room as a personal-data store", () => {
  it("exports what the person wrote and erases it to tombstones that connected clients receive", async () => {
    const w = await makeWorld();
    const b = w.buildingIds[0];
    const canary = `canary-${crypto.randomUUID()}`;
    const author = await joined(b, w.slug, await login(w.emails.resident, PASSWORD, w.slug));
    const other = await joined(b, w.slug, await login(w.emails.neighbour, PASSWORD, w.slug));
    author.send({ type: "post.create", clientId: "privacy-post-1", body: `post ${canary}` });
    const { seq: postSeq } = await author.next("ack");
    const posted = (await other.next("event")).event;
    const postId = posted.kind === "post.created" ? posted.post.id : "";
    author.send({ type: "chat.send", clientId: "privacy-chat-1", body: `chat ${canary}` });
    await author.next("ack");
    other.send({ type: "reaction.toggle", clientId: "privacy-react-1", postId, emoji: "👍" });
    await other.next("ack");

    const store = roomPersonalDataStore(regionStores(env, "ch").rooms(), b);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: "ch" as const };
    const exported = JSON.stringify(await store.exportPerson(subject));
    expect(exported).toContain(`post ${canary}`);
    expect(exported).toContain(`chat ${canary}`);
    expect(exported).toContain(w.userIds.resident);

    expect(postSeq).toBeGreaterThan(0);
    const erased = await store.erasePerson(subject);
    expect(erased.rowsAnonymised).toBe(2);
    const kinds: string[] = [];
    for (let i = 0; i < 5 && kinds.length < 2; i++) {
      const e = (await other.next("event")).event;
      if (e.kind === "post.deleted" || e.kind === "chat.deleted") kinds.push(e.kind);
    }
    expect(kinds.sort()).toEqual(["chat.deleted", "post.deleted"]);
    expect((await author.closed).code).toBe(1008);
    expect(await roomDump(b)).not.toContain(canary);
    expect(await roomDump(b)).not.toContain(`Person resident`);

    // Again: nothing left to remove, nothing breaks.
    expect((await store.erasePerson(subject)).rowsAnonymised).toBe(0);
    // A client catching up from the start sees tombstones, never the erased text.
    const late = await joined(b, w.slug, await login(w.emails.neighbour, PASSWORD, w.slug));
    await late.next("event");
    expect(JSON.stringify(late.received)).not.toContain(canary);
  });
});

describe("ending sessions closes room connections", () => {
  it("closes only this session's connection at logout, and every connection at logout everywhere", async () => {
    const w = await makeWorld();
    const b = w.buildingIds[0];
    const s1 = await login(w.emails.resident, PASSWORD, w.slug);
    const s2 = await login(w.emails.resident, PASSWORD, w.slug);
    const c1 = await joined(b, w.slug, s1);
    const c2 = await joined(b, w.slug, s2);
    expect((await api("/api/auth/logout", { app: w.slug, method: "POST", session: s1 })).status).toBe(204);
    expect((await c1.closed).code).toBe(1008);
    c2.send({ type: "chat.send", clientId: "still-here-1", body: "still connected" });
    expect((await c2.next("ack")).seq).toBeGreaterThan(0);
    expect((await api("/api/auth/logout-all", { app: w.slug, method: "POST", session: s2 })).status).toBe(204);
    expect((await c2.closed).code).toBe(1008);
  });

  it("closes the person's connections when the password changes", async () => {
    const w = await makeWorld();
    const s = await login(w.emails.resident, PASSWORD, w.slug);
    const c = await joined(w.buildingIds[0], w.slug, s);
    const res = await api("/api/auth/password-change", {
      app: w.slug,
      session: s,
      json: { currentPassword: PASSWORD, newPassword: "a brand new passphrase" },
    });
    expect(res.status).toBe(204);
    expect((await c.closed).code).toBe(1008);
  });
});

describe("direct messages and profiles as personal data", () => {
  it("exports sent and received messages and the profile; erasure deletes them with tombstones to both", async () => {
    const w = await makeWorld();
    const b = w.buildingIds[0];
    const canary = `dm-canary-${crypto.randomUUID()}`;
    const erased = await joined(b, w.slug, await login(w.emails.resident, PASSWORD, w.slug));
    const other = await joined(b, w.slug, await login(w.emails.neighbour, PASSWORD, w.slug));
    erased.send({ type: "dm.send", clientId: "privacy-dm-1", toUserId: w.userIds.neighbour, body: `sent ${canary}` });
    await erased.next("ack");
    other.send({ type: "dm.send", clientId: "privacy-dm-2", toUserId: w.userIds.resident, body: `got ${canary}` });
    await other.next("ack");
    erased.send({ type: "profile.set", clientId: "privacy-profile", visible: true, about: canary, showPresence: true });
    await erased.next("ack");

    const store = roomPersonalDataStore(regionStores(env, "ch").rooms(), b);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: "ch" as const };
    const exported = (await store.exportPerson(subject)).tables;
    expect(exported.dms?.map((r) => r.body).sort()).toEqual([`got ${canary}`, `sent ${canary}`]);
    expect(exported.profiles).toMatchObject([{ about: canary, visible: 1 }]);
    // The neighbour's own export has the conversation too, but not the resident's profile.
    const theirs = (await store.exportPerson({ ...subject, userId: w.userIds.neighbour })).tables;
    expect(theirs.dms).toHaveLength(2);
    expect(theirs.profiles).toEqual([]);

    await store.erasePerson(subject);
    const tombstones = [];
    for (let i = 0; i < 6 && tombstones.length < 2; i++) {
      const e = (await other.next("event")).event;
      if (e.kind === "dm.deleted") tombstones.push(e);
    }
    expect(tombstones).toHaveLength(2);
    expect(await roomDump(b)).not.toContain(canary);
    expect((await store.exportPerson({ ...subject, userId: w.userIds.neighbour })).tables.dms).toEqual([]);
  });
});
