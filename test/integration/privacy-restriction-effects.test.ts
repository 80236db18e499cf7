import { describe, expect, it } from "vitest";
import { MINUTE } from "../../src/lib/time";
import { nextDigestAt } from "../../src/services/notification-mails";
import { mailsTo } from "../helpers/accounts";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { call, consumeNotify, intent, notifyMails, runMinuteCron } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// Restriction of processing (R-P5): a restricted person's data is kept but used for nothing else —
// no notification mails, no digests — while mails about their account's security still reach them.
// Objection to direct marketing (R-P6): notification mails are not marketing (the person's own
// building, by their settings), so an objection alone changes nothing about them.

const setRestriction = async (w: World, session: string, kind: string, active: boolean) => {
  const res = await api("/api/me/restrictions", { app: w.slug, session, json: { kind, active } });
  expect(res.status).toBe(200);
};
const everything = { announcements: "immediately", messages: "immediately", pinboard: "immediately" };
const post = (w: World) =>
  intent(w, {
    category: "pinboard",
    ref: { type: "post", id: `p-${crypto.randomUUID()}` },
    authorId: w.userIds.admin,
    recipientIds: null,
  });
const items = async (w: World, userId: string, state: string) =>
  (
    await dbOf(w.jurisdiction)
      .prepare("SELECT count(*) AS n FROM notification_items WHERE user_id = ? AND state = ?")
      .bind(userId, state)
      .first<{ n: number }>()
  )?.n ?? 0;

describe("restriction of processing and notification mails (R-P5)", () => {
  it("a restricted person gets no immediate mail while a neighbour still does; lifting restores mails", async () => {
    const w = await makeWorld();
    const resident = await sessionOf(w, "resident");
    const neighbour = await sessionOf(w, "neighbour");
    for (const s of [resident, neighbour]) await call(w, s, "PUT", "/api/me/notifications", 200, everything);
    await setRestriction(w, resident, "restriction", true);

    await consumeNotify(w.jurisdiction, [intent(w), post(w)]);
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);
    // No item is even recorded for the restricted person: their data is not used to plan mails.
    expect(await items(w, w.userIds.resident, "pending")).toBe(0);
    // The rest of the building is not affected (the bulk condition picks out only the restricted).
    expect((await notifyMails(w.slug, w.emails.neighbour)).map((m) => m.template)).toEqual(["notify-pinboard"]);

    await setRestriction(w, resident, "restriction", false);
    await consumeNotify(w.jurisdiction, [intent(w)]);
    expect((await notifyMails(w.slug, w.emails.resident)).map((m) => m.template)).toEqual(["notify-messages"]);
  });

  it("drops a digest's items when the restriction starts after they were recorded", async () => {
    const w = await makeWorld();
    const resident = await sessionOf(w, "resident");
    const neighbour = await sessionOf(w, "neighbour");
    const daily = { announcements: "daily", messages: "daily", pinboard: "daily" };
    for (const s of [resident, neighbour]) await call(w, s, "PUT", "/api/me/notifications", 200, daily);
    await consumeNotify(w.jurisdiction, [intent(w), post(w)]);
    expect(await items(w, w.userIds.resident, "pending")).toBe(2);

    await setRestriction(w, resident, "restriction", true);
    await runMinuteCron(new Date(nextDigestAt(new Date(), "daily").getTime() + MINUTE));
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);
    expect(await items(w, w.userIds.resident, "pending")).toBe(0);
    expect(await items(w, w.userIds.resident, "dropped")).toBe(2);
    // Same run, same building: the unrestricted neighbour gets their digest.
    expect((await notifyMails(w.slug, w.emails.neighbour)).map((m) => m.template)).toEqual(["notify-digest-daily"]);
  });

  it("drops an immediate mail waiting in the coalescing window when the restriction starts meanwhile", async () => {
    const w = await makeWorld();
    await consumeNotify(w.jurisdiction, [intent(w)]);
    await consumeNotify(w.jurisdiction, [intent(w)]);
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(1);
    expect(await items(w, w.userIds.resident, "pending")).toBe(1);

    await setRestriction(w, await sessionOf(w, "resident"), "restriction", true);
    await runMinuteCron(new Date(Date.now() + 11 * MINUTE));
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(1);
    expect(await items(w, w.userIds.resident, "dropped")).toBe(1);
  });

  it("still sends mails about the account itself (a password reset) to a restricted person", async () => {
    const w = await makeWorld();
    await setRestriction(w, await sessionOf(w, "resident"), "restriction", true);
    const res = await api("/api/auth/password-reset", { app: w.slug, json: { email: w.emails.resident } });
    expect(res.status).toBe(202);
    expect((await mailsTo(w.slug, w.emails.resident)).map((m) => m.template)).toContain("reset-password");
  });
});

describe("objection to direct marketing (R-P6)", () => {
  it("does not stop notification mails: they are not marketing", async () => {
    const w = await makeWorld();
    await setRestriction(w, await sessionOf(w, "resident"), "objection-marketing", true);
    await consumeNotify(w.jurisdiction, [intent(w)]);
    expect((await notifyMails(w.slug, w.emails.resident)).map((m) => m.template)).toEqual(["notify-messages"]);
  });
});
