import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeWorld } from "../helpers/factories";
import { cid, connectionStates, joinRoom, roomStub, sessionOf, write } from "../helpers/ws";

/** RPC from the Worker when access changes (tenancy shortened, role ended) while connections are open. */

const alarmOf = (stub: ReturnType<typeof roomStub>) =>
  runInDurableObject(stub, (_room, state) => state.storage.getAlarm());

describe("updateAccess", () => {
  it("closes the person's connections whose access has now ended, and only theirs", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const a1 = await joinRoom(w, "resident", { session });
    const a2 = await joinRoom(w, "resident", { session });
    const b = await joinRoom(w, "neighbour");
    const room = roomStub(w);
    expect((await room.connectedUserIds()).sort()).toEqual([w.userIds.neighbour, w.userIds.resident].sort());

    expect(await room.updateAccess(w.userIds.resident, Date.now() - 1_000)).toBe(2);
    for (const c of [a1, a2]) {
      expect(await c.next("error")).toMatchObject({ code: "ACCESS_ENDED" });
      expect((await c.closed).code).toBe(1008);
    }
    expect(await room.connectedUserIds()).toEqual([w.userIds.neighbour]);
    expect(await write(b, { type: "chat.send", clientId: cid(), body: "still here" })).toBe(1);
    expect(await room.updateAccess("nobody", null)).toBe(0);
  });

  it("moves a later end into the live connections and arms the alarm for it", async () => {
    const w = await makeWorld();
    await joinRoom(w, "resident");
    const room = roomStub(w);
    const until = Date.now() + 3 * 86_400_000;
    expect(await room.updateAccess(w.userIds.resident, until)).toBe(0);
    const states = await connectionStates(w);
    expect(states.map((s) => s.state?.accessUntil)).toEqual([until]);
    expect(await alarmOf(room)).toBe(until);
    // An earlier end re-arms earlier; open-ended again keeps the connection.
    expect(await room.updateAccess(w.userIds.resident, until - 1_000)).toBe(0);
    expect(await alarmOf(room)).toBe(until - 1_000);
    expect(await room.updateAccess(w.userIds.resident, null)).toBe(0);
    expect((await connectionStates(w)).map((s) => s.state?.accessUntil)).toEqual([null]);
  });
});
