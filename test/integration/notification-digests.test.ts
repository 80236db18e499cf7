import { describe, expect, it } from "vitest";
import { DAY, MINUTE } from "../../src/lib/time";
import { d1PersonalDataStore } from "../../src/privacy/stores";
import { nextDigestAt } from "../../src/services/notification-mails";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import {
  type AnnouncementDetail,
  call,
  consumeNotify,
  depsAt,
  intent,
  notifyMails,
  runMinuteCron,
} from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// Digests (decision 0011): daily at 07:00 UTC, weekly on Mondays at 07:00 UTC, one mail per person
// and period; items that may no longer be sent are dropped at send time; items are purged after 30
// days; and the new personal tables follow the data map through export and erasure.

const count = async (w: World, table: string, where = "customer_id = ?", ...binds: unknown[]) =>
  (
    await dbOf(w.jurisdiction)
      .prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
      .bind(...(binds.length ? binds : [w.customerId]))
      .first<{ n: number }>()
  )?.n ?? 0;
const post = (w: World) =>
  intent(w, { category: "pinboard", ref: { type: "post", id: `p-${crypto.randomUUID()}` }, recipientIds: null });
const announcementNotice = (w: World, id: string) => ({
  kind: "announcement.delivered",
  customerId: w.customerId,
  buildingId: w.buildingIds[0],
  announcementId: id,
  authorId: w.userIds.manager,
  connectedUserIds: [],
  at: Date.now(),
});

describe("digests", () => {
  it("send one daily and one weekly mail at their times, with counts and announcement titles", async () => {
    const w = await makeWorld();
    const resident = await sessionOf(w, "resident");
    await call(w, resident, "PUT", "/api/me/notifications", 200, {
      announcements: "weekly",
      messages: "daily",
      pinboard: "daily",
    });
    const manager = await sessionOf(w, "manager");
    const send = (title: string) =>
      call<AnnouncementDetail>(w, manager, "POST", "/api/announcements", 201, {
        title,
        body: "Body stays in the app",
        target: { type: "building", ids: [w.buildingIds[0]] },
      });
    const kept = await send("Boiler service");
    const withdrawn = await send("Wrong date");
    await call(w, manager, "DELETE", `/api/announcements/${withdrawn.id}`, 200);
    await consumeNotify(w.jurisdiction, [intent(w), intent(w), post(w), announcementNotice(w, kept.id)]);
    // The fan-out's own notices arrive through the real queue (batch timeout): wait for both items.
    const announcementItems = () =>
      count(
        w,
        "notification_items",
        "customer_id = ? AND user_id = ? AND ref_type = 'announcement'",
        w.customerId,
        w.userIds.resident,
      );
    for (let i = 0; i < 60 && (await announcementItems()) < 2; i++) await new Promise((r) => setTimeout(r, 250));
    expect(await announcementItems()).toBe(2);
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);

    const now = new Date();
    const daily = nextDigestAt(now, "daily");
    const weekly = nextDigestAt(now, "weekly");
    expect(daily.getUTCHours()).toBe(7);
    expect(weekly.getUTCDay()).toBe(1);
    await runMinuteCron(new Date(daily.getTime() - MINUTE));
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);

    await runMinuteCron(daily);
    const [digest] = (await notifyMails(w.slug, w.emails.resident)).filter((m) => m.template === "notify-digest-daily");
    const building = `Building 1 ${w.customerId.slice(4)}`;
    expect(digest?.body).toContain(`New direct messages in ${building}: 2`);
    expect(digest?.body).toContain(`New pinboard posts in ${building}: 1`);
    expect(digest?.body).not.toContain("Boiler service");

    await runMinuteCron(weekly);
    const mails = await notifyMails(w.slug, w.emails.resident);
    const weeklyMail = mails.find((m) => m.template === "notify-digest-weekly");
    expect(weeklyMail?.body).toContain("“Boiler service”");
    expect(weeklyMail?.body).not.toContain("Wrong date");
    expect(weeklyMail?.body).not.toContain("Body stays in the app");
    expect(mails.filter((m) => m.template.startsWith("notify-digest-"))).toHaveLength(2);
    // Nothing is left pending; the withdrawn announcement's item was dropped, not sent.
    expect(await count(w, "notification_items", "customer_id = ? AND state = 'pending'", w.customerId)).toBe(0);
    expect(
      await count(
        w,
        "notification_items",
        "customer_id = ? AND ref_id = ? AND state = 'dropped'",
        w.customerId,
        withdrawn.id,
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it("drops items of someone who moved out before the digest, and purges items after 30 days", async () => {
    const w = await makeWorld();
    await call(w, await sessionOf(w, "resident"), "PUT", "/api/me/notifications", 200, {
      announcements: "daily",
      messages: "daily",
      pinboard: "daily",
    });
    await consumeNotify(w.jurisdiction, [intent(w)]);
    expect(await count(w, "notification_items")).toBe(1);
    await dbOf(w.jurisdiction)
      .prepare("UPDATE tenancies SET ends_on = ? WHERE id = ?")
      .bind(new Date(Date.now() - DAY).toISOString().slice(0, 10), w.tenancyIds[0])
      .run();
    await runMinuteCron(nextDigestAt(new Date(), "daily"));
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);
    expect(await count(w, "notification_items", "customer_id = ? AND state = 'dropped'", w.customerId)).toBe(1);

    await purgeRegion(depsAt(w.jurisdiction, new Date(Date.now() + 29 * DAY)));
    expect(await count(w, "notification_items")).toBe(1);
    const report = await purgeRegion(depsAt(w.jurisdiction, new Date(Date.now() + 31 * DAY)));
    expect(report.notificationItems).toBeGreaterThanOrEqual(1);
    expect(await count(w, "notification_items")).toBe(0);
  });
});

describe("export and erasure of the new personal tables", () => {
  it("exports preferences, items, reads, acknowledgements and reports; erasure keeps only the unit's acknowledgement", async () => {
    const w = await makeWorld();
    const resident = await sessionOf(w, "resident");
    await call(w, resident, "PUT", "/api/me/notifications", 200, {
      announcements: "weekly",
      messages: "weekly",
      pinboard: "weekly",
    });
    await consumeNotify(w.jurisdiction, [intent(w)]);
    const a = await call<AnnouncementDetail>(w, await sessionOf(w, "manager"), "POST", "/api/announcements", 201, {
      title: "Ack me",
      body: "Please",
      ackRequired: true,
      target: { type: "building", ids: [w.buildingIds[0]] },
    });
    await call(w, resident, "POST", `/api/announcements/${a.id}/acknowledge`, 200, {});
    const db = dbOf(w.jurisdiction);
    await db
      .prepare(
        "INSERT INTO moderation_reports (id, customer_id, building_id, post_id, reporter_id, reason, note, status, created_at) VALUES (?, ?, ?, 'p', ?, 'spam', 'my note', 'open', ?)",
      )
      .bind(`rep-${w.customerId}`, w.customerId, w.buildingIds[0], w.userIds.resident, Date.now())
      .run();

    const store = d1PersonalDataStore(db, w.jurisdiction);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: w.jurisdiction };
    const exported = await store.exportPerson(subject);
    expect(exported.tables.notification_preferences).toHaveLength(1);
    expect(exported.tables.notification_items?.length).toBeGreaterThanOrEqual(1);
    expect(exported.tables.announcement_reads).toHaveLength(1);
    expect(exported.tables.announcement_acks).toHaveLength(1);
    expect(exported.tables.moderation_reports).toEqual([expect.objectContaining({ note: "my note", reason: "spam" })]);

    await store.erasePerson(subject);
    const mine = (table: string, column = "user_id") =>
      count(w, table, `customer_id = ? AND ${column} = ?`, w.customerId, w.userIds.resident);
    expect(await mine("notification_preferences")).toBe(0);
    expect(await mine("notification_items")).toBe(0);
    expect(await mine("announcement_reads")).toBe(0);
    expect(await mine("moderation_reports", "reporter_id")).toBe(0);
    // The unit's acknowledgement is the customer's record; the account it names is anonymised.
    expect(await mine("announcement_acks")).toBe(1);
  });
});
