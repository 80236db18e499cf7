import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { makeWorld } from "../helpers/factories";
import {
  cid,
  connectionStates,
  connectRoom,
  identityFor,
  joinDirect,
  pause,
  type RoomClient,
  roomStub,
  sessionOf,
  write,
} from "../helpers/ws";

/** Socket caps per person and per room, and closing a connection that keeps flooding (security). */

describe("connection caps", () => {
  it("admits five live connections per person and answers the sixth with 429 RATE_LIMITED", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const open: RoomClient[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await connectRoom(w.buildingIds[0], { app: w.slug, session });
      expect(c.status).toBe(101);
      open.push(c);
    }
    const sixth = await connectRoom(w.buildingIds[0], { app: w.slug, session });
    expect(sixth.status).toBe(429);
    expect(await sixth.response.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    // Someone else is not affected, and closing one frees a place.
    expect(
      (await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "neighbour") })).status,
    ).toBe(101);
    open[0]?.close();
    await open[0]?.closed;
    let again = 0;
    for (let i = 0; i < 20 && again !== 101; i++) {
      await pause(50);
      again = (await connectRoom(w.buildingIds[0], { app: w.slug, session })).status;
    }
    expect(again).toBe(101);
  });

  it("refuses upgrades beyond the room's cap, also at the room's own door", async () => {
    const w = await makeWorld();
    const first = await joinDirect(w, identityFor(w, "cap-1"));
    await runInDurableObject(roomStub(w), (room: BuildingRoom) => {
      room.caps = { perPerson: 5, perRoom: 2 };
    });
    await joinDirect(w, identityFor(w, "cap-2"));
    const over = await connectRoom(w.buildingIds[0], { app: w.slug, session: await sessionOf(w, "resident") });
    expect(over.status).toBe(429);
    expect(await over.response.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    expect(await connectionStates(w)).toHaveLength(2);
    first.close();
  });

  it("refuses an identity for another customer than the building's (defence in depth)", async () => {
    const w = await makeWorld();
    await joinDirect(w, identityFor(w, "owner-1"));
    const res = await roomStub(w).fetch(
      new Request("https://room.internal/x?_pk=foreign", {
        headers: {
          upgrade: "websocket",
          "x-quartier-identity": encodeURIComponent(
            JSON.stringify(identityFor(w, "intruder", { customerId: "cus-someone-else" })),
          ),
        },
      }),
    );
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
  });
});

describe("flood", () => {
  it("closes a connection that keeps sending after RATE_LIMITED (1008 flood)", async () => {
    const w = await makeWorld();
    const c = await joinDirect(w, identityFor(w, "flooder"));
    const calm = await joinDirect(w, identityFor(w, "calm"));
    for (let i = 0; i < 60; i++) c.send("x");
    expect(await c.closed).toEqual({ code: 1008, reason: "flood" });
    const refused = c.log.filter((m) => m.type === "error" && m.code === "RATE_LIMITED").length;
    expect(refused).toBe(29);
    // Others go on.
    expect(await write(calm, { type: "chat.send", clientId: cid(), body: "still fine" })).toBe(1);
  });
});
