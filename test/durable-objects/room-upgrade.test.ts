import { describe, expect, it } from "vitest";
import { addDays, isoDay } from "../../src/lib/time";
import { dbOfWorld } from "../helpers/accounts";
import { makeWorld, type World } from "../helpers/factories";
import { api, errorOf, ORIGIN_OF } from "../helpers/http";
import { connectRoom, type RoomClient, sessionOf } from "../helpers/ws";

/** The WebSocket door (GET /rooms/:buildingId): who gets a 101 and who gets which refusal. */

const today = () => isoDay(new Date());

async function expectRefused(c: RoomClient, status: number, code: string) {
  expect(c.status).toBe(status);
  expect(c.response.webSocket).toBeNull();
  expect((await errorOf(c.response)).code).toBe(code);
}

const door = (w: World, o: { session?: string; origin?: string | null; buildingId?: string; app?: string } = {}) =>
  connectRoom(o.buildingId ?? w.buildingIds[0], {
    app: o.app ?? w.slug,
    ...(o.session === undefined ? {} : { session: o.session }),
    ...(o.origin === undefined ? {} : { origin: o.origin }),
  });

describe("who may connect", () => {
  it("admits the building's residents, its manager and the customer admin", async () => {
    const w = await makeWorld();
    for (const who of ["resident", "neighbour", "manager", "admin"] as const) {
      const c = await door(w, { session: await sessionOf(w, who) });
      expect(c.status).toBe(101);
      expect(await c.next("welcome")).toMatchObject({ you: { userId: w.userIds[who] } });
      c.close();
    }
    const other = await door(w, { session: await sessionOf(w, "otherBuilding"), buildingId: w.buildingIds[1] });
    expect(other.status).toBe(101);
  });

  it("refuses a request without a session (401)", async () => {
    const w = await makeWorld();
    await expectRefused(await door(w), 401, "UNAUTHENTICATED");
    await expectRefused(await door(w, { session: "not-a-real-session-token" }), 401, "UNAUTHENTICATED");
  });

  it("refuses a resident of another building, and unknown buildings (404)", async () => {
    const w = await makeWorld();
    const s = await sessionOf(w, "otherBuilding");
    await expectRefused(await door(w, { session: s }), 404, "NOT_FOUND");
    await expectRefused(await door(w, { session: s, buildingId: "no-such-building" }), 404, "NOT_FOUND");
    const resident = await sessionOf(w, "resident");
    await expectRefused(await door(w, { session: resident, buildingId: w.buildingIds[1] }), 404, "NOT_FOUND");
  });

  it("refuses another customer's session on our host (401), and our session on theirs (401)", async () => {
    const w = await makeWorld();
    const foreign = await makeWorld();
    await expectRefused(await door(w, { session: await sessionOf(foreign, "admin") }), 401, "UNAUTHENTICATED");
    const ours = await sessionOf(w, "resident");
    await expectRefused(await door(w, { session: ours, app: foreign.slug }), 401, "UNAUTHENTICATED");
  });

  it("refuses a foreign customer's staff asking for our building on their own host (404)", async () => {
    const w = await makeWorld();
    const foreign = await makeWorld();
    for (const who of ["admin", "manager"] as const) {
      const c = await door(w, { session: await sessionOf(foreign, who), app: foreign.slug });
      await expectRefused(c, 404, "NOT_FOUND");
    }
  });

  it("refuses a resident whose tenancy ended yesterday (404), though it was admitted before", async () => {
    const w = await makeWorld();
    const s = await sessionOf(w, "resident");
    const before = await door(w, { session: s });
    expect(before.status).toBe(101);
    before.close();
    await dbOfWorld(w)
      .prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2")
      .bind(addDays(today(), -1), w.tenancyIds[0])
      .run();
    await expectRefused(await door(w, { session: s }), 404, "NOT_FOUND");
  });

  it("refuses a resident whose tenancy starts tomorrow (404)", async () => {
    const w = await makeWorld({ tenancy: { startsOn: addDays(today(), 1), endsOn: null } });
    await expectRefused(await door(w, { session: await sessionOf(w, "resident") }), 404, "NOT_FOUND");
  });

  it("admits a resident whose tenancy ends today", async () => {
    const w = await makeWorld({ tenancy: { startsOn: "2020-01-01", endsOn: today() } });
    expect((await door(w, { session: await sessionOf(w, "resident") })).status).toBe(101);
  });
});

describe("origin and upgrade", () => {
  it("refuses members connecting from any origin but the app's own, exactly (403)", async () => {
    const w = await makeWorld();
    const foreign = await makeWorld();
    const s = await sessionOf(w, "resident");
    const own = ORIGIN_OF(w.slug);
    const host = new URL(own).host;
    const origins: (string | null)[] = [
      null,
      "null",
      "https://evil.example",
      `${own}.evil.tld`,
      `http://${host}.evil.tld:8787`,
      `http://evil${host}`,
      `https://${host}`,
      `http://${host.replace(":8787", ":8788")}`,
      `${own}/`,
      own.toUpperCase(),
      ORIGIN_OF(foreign.slug),
      `${own}, https://evil.example`,
    ];
    for (const origin of origins) {
      const c = await door(w, { session: s, origin });
      expect(c.status, `origin ${origin}`).toBe(403);
      await expectRefused(c, 403, "FORBIDDEN");
    }
    // A building the person may not enter answers 404 whatever else is wrong.
    await expectRefused(await door(w, { session: s, origin: null, buildingId: w.buildingIds[1] }), 404, "NOT_FOUND");
  });

  it("refuses a request that is not a WebSocket upgrade (400)", async () => {
    const w = await makeWorld();
    const s = await sessionOf(w, "resident");
    const origin = ORIGIN_OF(w.slug);
    const plain = await api(`/rooms/${w.buildingIds[0]}`, { app: w.slug, session: s, headers: { origin } });
    expect(plain.status).toBe(400);
    expect((await errorOf(plain)).code).toBe("VALIDATION_FAILED");
    const h2c = await connectRoom(w.buildingIds[0], { app: w.slug, session: s, headers: { upgrade: "h2c" } });
    await expectRefused(h2c, 400, "VALIDATION_FAILED");
  });
});
