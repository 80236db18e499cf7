import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MINUTE } from "../../src/lib/time";
import { MAX_ATTEMPTS } from "../../src/services/announcement-delivery";
import { FAN_OUT_CONCURRENCY, mapBounded } from "../../src/services/fan-out";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { ORIGIN_OF } from "../helpers/http";
import { type AnnouncementDetail, call, notifyMails, runMinuteCron, waitForMails } from "../helpers/staff";
import { joinRoom, roomStub, sessionOf } from "../helpers/ws";

// The fan-out of announcements (R-M2): scheduled publication by the minute cron (targets resolved
// then), delivery recorded per room, retries with backoff after a failing room, live delivery to
// connected residents and notification mails to the others.

let w: World;
let manager = "";

beforeAll(async () => {
  w = await makeWorld();
  manager = await sessionOf(w, "manager");
});

const detail = (id: string) => call<AnnouncementDetail>(w, manager, "GET", `/api/announcements/${id}`, 200);
const schedule = (title: string, publishAt: Date, target: unknown) =>
  call<AnnouncementDetail>(w, manager, "POST", "/api/announcements", 201, {
    title,
    body: "Details in the app.",
    target,
    publishAt: publishAt.toISOString(),
  });
const roomTitles = async (buildingId: string) => (await roomStub(w, buildingId).announcements()).map((a) => a.title);

/** The room namespace, except that one building's room fails every delivery. */
function withFailingRoom(buildingId: string): Env {
  const real = env.BUILDING_ROOM;
  const rooms = {
    getByName: (name: string) =>
      name === buildingId
        ? {
            deliverAnnouncement: async () => {
              throw new Error("room down");
            },
          }
        : real.getByName(name),
  } as unknown as Env["BUILDING_ROOM"];
  return { ...env, BUILDING_ROOM: rooms };
}

describe("scheduled announcements", () => {
  it("are published by the minute cron at their time, to the buildings the target has then", async () => {
    const at = new Date(Date.now() + 60 * MINUTE);
    const a = await schedule("Scheduled", at, { type: "property", id: w.propertyId });
    expect(a).toMatchObject({ state: "scheduled", publishedAt: null, deliveries: [] });
    // A building added to the property after scheduling is reached: targets are resolved at publication.
    const late = `b-late-${crypto.randomUUID().slice(0, 8)}`;
    await dbOf(w.jurisdiction)
      .prepare(
        "INSERT INTO buildings (id, customer_id, property_id, name, street, postal_code, city, country, created_at) VALUES (?, ?, ?, 'Late', 'S', '8000', 'Z', 'CH', ?)",
      )
      .bind(late, w.customerId, w.propertyId, Date.now())
      .run();

    await runMinuteCron(new Date(at.getTime() - 5 * MINUTE));
    expect((await detail(a.id)).state).toBe("scheduled");
    expect(await roomTitles(w.buildingIds[0])).not.toContain("Scheduled");

    await runMinuteCron(new Date(at.getTime() + 30_000));
    const published = await detail(a.id);
    expect(published.state).toBe("published");
    expect(published.deliveries.map((d) => [d.buildingId, d.state, d.attempts])).toEqual(
      [...w.buildingIds, late].sort().map((b) => [b, "delivered", 1]),
    );
    for (const b of [...w.buildingIds, late]) expect(await roomTitles(b)).toContain("Scheduled");

    // A second run changes nothing.
    await runMinuteCron(new Date(at.getTime() + 90_000));
    expect((await detail(a.id)).deliveries.map((d) => d.attempts)).toEqual([1, 1, 1]);
  });
});

describe("jurisdictions", () => {
  it("the cron publishes an eu customer's announcement in the eu database", async () => {
    const eu = await makeWorld({ jurisdiction: "eu" });
    const euManager = await sessionOf(eu, "manager");
    const at = new Date(Date.now() + 300 * MINUTE);
    const a = await call<AnnouncementDetail>(eu, euManager, "POST", "/api/announcements", 201, {
      title: "EU scheduled",
      body: "x",
      target: { type: "building", ids: [eu.buildingIds[0]] },
      publishAt: at.toISOString(),
    });
    expect(await env.DB_CH.prepare("SELECT 1 FROM announcements WHERE id = ?").bind(a.id).first()).toBeNull();
    await runMinuteCron(at);
    const row = await env.DB_EU.prepare("SELECT state FROM announcements WHERE id = ?")
      .bind(a.id)
      .first<{ state: string }>();
    expect(row?.state).toBe("published");
  });
});

describe("delivery retries", () => {
  it("record a failing room, retry it after the backoff, and deliver", async () => {
    const at = new Date(Date.now() + 120 * MINUTE);
    const [ok, down] = w.buildingIds;
    const a = await schedule("Retry me", at, { type: "building", ids: [ok, down] });

    await runMinuteCron(at, withFailingRoom(down));
    const first = await detail(a.id);
    expect(first.state).toBe("published");
    expect(first.deliveries.find((d) => d.buildingId === ok)).toMatchObject({ state: "delivered", attempts: 1 });
    expect(first.deliveries.find((d) => d.buildingId === down)).toMatchObject({
      state: "failed",
      attempts: 1,
      lastError: "Error",
      seq: null,
    });
    expect(await roomTitles(down)).not.toContain("Retry me");

    // Within the backoff (1 minute after the first failure) nothing is tried.
    await runMinuteCron(new Date(at.getTime() + 30_000));
    expect((await detail(a.id)).deliveries.find((d) => d.buildingId === down)?.attempts).toBe(1);

    await runMinuteCron(new Date(at.getTime() + 61_000));
    const second = await detail(a.id);
    expect(second.deliveries.find((d) => d.buildingId === down)).toMatchObject({
      state: "delivered",
      attempts: 2,
      lastError: null,
    });
    expect(await roomTitles(down)).toContain("Retry me");
    // The room that had it is not asked again.
    expect(second.deliveries.find((d) => d.buildingId === ok)?.attempts).toBe(1);
  });

  it("retry a withdrawal that a room missed", async () => {
    const at = new Date(Date.now() + 180 * MINUTE);
    const [ok, down] = w.buildingIds;
    const a = await schedule("Withdraw me", at, { type: "building", ids: [ok, down] });
    await runMinuteCron(at);
    const real = env.BUILDING_ROOM;
    const failing = {
      getByName: (name: string) =>
        name === down
          ? {
              withdrawAnnouncement: async () => {
                throw new TypeError("room down");
              },
            }
          : real.getByName(name),
    } as unknown as Env["BUILDING_ROOM"];
    // The request's own fan-out reaches the real rooms; make the first withdrawal miss one room by
    // resetting it as if that attempt had failed, then let the cron meet a failing room once more.
    await call(w, manager, "DELETE", `/api/announcements/${a.id}`, 200);
    await dbOf(w.jurisdiction)
      .prepare(
        "UPDATE announcement_targets SET delivery_state = 'pending', attempts = 0, next_attempt_at = ? WHERE announcement_id = ? AND building_id = ?",
      )
      .bind(at.getTime(), a.id, down)
      .run();
    await runMinuteCron(new Date(at.getTime() + MINUTE), { ...env, BUILDING_ROOM: failing });
    expect((await detail(a.id)).deliveries.find((d) => d.buildingId === down)).toMatchObject({
      state: "failed",
      lastError: "TypeError",
    });
    await runMinuteCron(new Date(at.getTime() + 3 * MINUTE));
    expect((await detail(a.id)).deliveries.every((d) => d.state === "delivered")).toBe(true);
    for (const b of w.buildingIds) expect(await roomTitles(b)).not.toContain("Withdraw me");
  });

  it("give up after the maximum number of attempts", async () => {
    const at = new Date(Date.now() + 240 * MINUTE);
    const down = w.buildingIds[1];
    const a = await schedule("Given up", at, { type: "building", ids: [down] });
    await runMinuteCron(at, withFailingRoom(down));
    await dbOf(w.jurisdiction)
      .prepare("UPDATE announcement_targets SET attempts = ? WHERE announcement_id = ?")
      .bind(MAX_ATTEMPTS, a.id)
      .run();
    await runMinuteCron(new Date(at.getTime() + 24 * 60 * MINUTE));
    expect((await detail(a.id)).deliveries[0]).toMatchObject({ state: "failed", attempts: MAX_ATTEMPTS });
    expect(await roomTitles(down)).not.toContain("Given up");
  });
});

describe("bounded fan-out", () => {
  it("keeps every outcome in order and never runs more than the limit at once", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapBounded([...Array(30).keys()], 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      inFlight--;
      if (i === 7) throw new Error("one fails");
      return i * 2;
    });
    expect(peak).toBe(4);
    expect(out.map((r) => (r.ok ? r.value : "failed"))).toEqual(
      [...Array(30).keys()].map((i) => (i === 7 ? "failed" : i * 2)),
    );
  });

  it("talks to at most FAN_OUT_CONCURRENCY rooms at once when an announcement reaches many buildings", async () => {
    const db = dbOf(w.jurisdiction);
    const u = crypto.randomUUID().slice(0, 8);
    const many = Array.from({ length: 20 }, (_, i) => `many-${u}-${String(i).padStart(2, "0")}`);
    await db.batch(
      many.map((id) =>
        db
          .prepare(
            "INSERT INTO buildings (id, customer_id, property_id, name, street, postal_code, city, country, created_at) VALUES (?, ?, ?, 'Many', 'S', '8000', 'Z', 'CH', ?)",
          )
          .bind(id, w.customerId, w.propertyId, Date.now()),
      ),
    );
    const at = new Date(Date.now() + 480 * MINUTE);
    const a = await schedule("Many rooms", at, { type: "property", id: w.propertyId });
    const real = env.BUILDING_ROOM;
    let inFlight = 0;
    let peak = 0;
    const counting = {
      getByName: (name: string) => {
        const room = real.getByName(name);
        return {
          deliverAnnouncement: async (copy: Parameters<typeof room.deliverAnnouncement>[0]) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            try {
              return await room.deliverAnnouncement(copy);
            } finally {
              inFlight--;
            }
          },
        };
      },
    } as unknown as Env["BUILDING_ROOM"];
    await runMinuteCron(at, { ...env, BUILDING_ROOM: counting });
    const done = await detail(a.id);
    expect(done.deliveries.length).toBeGreaterThanOrEqual(22);
    expect(done.deliveries.every((d) => d.state === "delivered")).toBe(true);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(FAN_OUT_CONCURRENCY);
  });
});

describe("live delivery and notification mails", () => {
  it("shows it live to connected residents and mails the others, never the author", { timeout: 30_000 }, async () => {
    // A world of its own: the scheduled tests above leave mails and coalescing windows at future times.
    const w = await makeWorld();
    const manager = await sessionOf(w, "manager");
    const resident = await joinRoom(w, "resident");
    const title = `Lift maintenance ${crypto.randomUUID().slice(0, 6)}`;
    const a = await call<AnnouncementDetail>(w, manager, "POST", "/api/announcements", 201, {
      title,
      body: "The lift is off on Monday.",
      target: { type: "building", ids: [w.buildingIds[0]] },
    });
    const live = await resident.take(
      (m): m is Extract<typeof m, { type: "event" }> =>
        m.type === "event" && m.event.kind === "announcement.published" && m.event.announcement.id === a.id,
    );
    expect(live.seq).toBe(a.deliveries[0]?.seq);
    resident.close();

    const mails = await waitForMails(w.slug, w.emails.neighbour);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail?.template).toBe("notify-announcements");
    expect(mail?.body).toContain(title);
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/`);
    // The body of the announcement stays in the app.
    expect(mail?.body).not.toContain("The lift is off");
    // The same queue message covered everyone: the connected resident and the author got nothing.
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);
    expect(await notifyMails(w.slug, w.emails.manager)).toEqual([]);
    expect(await notifyMails(w.slug, w.emails.otherBuilding)).toEqual([]);
  });
});
