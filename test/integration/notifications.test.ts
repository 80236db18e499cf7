import { describe, expect, it } from "vitest";
import type { Locale } from "../../src/db/schema/customers";
import { MINUTE } from "../../src/lib/time";
import { envelopeOf } from "../helpers/envelope";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import { call, consumeNotify, intent, notifyMails, runMinuteCron } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// Notifications (R-A5): preferences per category, the notify-queue consumer turning room intents into
// mails in the outbox (in the recipient's language, without content, with a link back into the app),
// coalescing of immediate mails, and who never gets one.

type Prefs = { announcements: string; messages: string; pinboard: string };
const sql = (w: World, q: string, ...binds: unknown[]) =>
  dbOf(w.jurisdiction)
    .prepare(q)
    .bind(...binds)
    .run();

describe("GET/PUT /api/me/notifications", () => {
  it("starts with the defaults of decision 0011 and keeps what the person chooses", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    expect(await call<Prefs>(w, session, "GET", "/api/me/notifications", 200)).toEqual({
      announcements: "immediately",
      messages: "immediately",
      pinboard: "weekly",
    });
    const chosen = { announcements: "daily", messages: "never", pinboard: "immediately" };
    expect(await call<Prefs>(w, session, "PUT", "/api/me/notifications", 200, chosen)).toEqual(chosen);
    expect(await call<Prefs>(w, session, "GET", "/api/me/notifications", 200)).toEqual(chosen);
    // Someone else's settings are their own.
    const neighbour = await sessionOf(w, "neighbour");
    expect((await call<Prefs>(w, neighbour, "GET", "/api/me/notifications", 200)).messages).toBe("immediately");
  });

  it("refuses incomplete, unknown and invalid settings with VALIDATION_FAILED, and anonymous calls with 401", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    for (const json of [
      { announcements: "hourly", messages: "never", pinboard: "never" },
      { announcements: "never" },
      { announcements: "never", messages: "never", pinboard: "never", marketing: "daily" },
    ]) {
      const res = await api("/api/me/notifications", { app: w.slug, session, method: "PUT", json });
      expect(await envelopeOf(res), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
    expect(await envelopeOf(await api("/api/me/notifications", { app: w.slug }))).toBe("UNAUTHENTICATED");
  });
});

describe("the notify-queue consumer", () => {
  it("mails a direct message's recipient at once: counts and building, a link, no content", async () => {
    const w = await makeWorld();
    const result = await consumeNotify(w.jurisdiction, [intent(w)]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    const [mail, ...rest] = await notifyMails(w.slug, w.emails.resident);
    expect(rest).toEqual([]);
    expect(mail?.template).toBe("notify-messages");
    expect(mail?.subject).toBe(`New messages on Customer ${w.customerId.slice(4)}`);
    expect(mail?.body).toContain(`New direct messages in Building 1 ${w.customerId.slice(4)}: 1`);
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/`);
    // The author and anyone not addressed hear nothing.
    expect(await notifyMails(w.slug, w.emails.neighbour)).toEqual([]);
    expect(await notifyMails(w.slug, w.emails.otherBuilding)).toEqual([]);
    // The same intent again (queues deliver at least once) sends nothing more.
    const again = intent(w);
    await consumeNotify(w.jurisdiction, [again, again]);
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(1);
  });

  it("sends at most one immediate mail per category in 10 minutes; the rest goes out together", async () => {
    const w = await makeWorld();
    await consumeNotify(w.jurisdiction, [intent(w)]);
    await consumeNotify(w.jurisdiction, [intent(w), intent(w)]);
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(1);
    // Another category has its own window.
    await call(w, await sessionOf(w, "resident"), "PUT", "/api/me/notifications", 200, {
      announcements: "immediately",
      messages: "immediately",
      pinboard: "immediately",
    });
    await consumeNotify(w.jurisdiction, [
      intent(w, { category: "pinboard", ref: { type: "post", id: `p-${crypto.randomUUID()}` }, recipientIds: null }),
    ]);
    expect((await notifyMails(w.slug, w.emails.resident)).map((m) => m.template).sort()).toEqual([
      "notify-messages",
      "notify-pinboard",
    ]);

    await runMinuteCron(new Date(Date.now() + 5 * MINUTE));
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(2);
    await runMinuteCron(new Date(Date.now() + 11 * MINUTE));
    const mails = await notifyMails(w.slug, w.emails.resident);
    expect(mails).toHaveLength(3);
    expect(mails[0]?.template).toBe("notify-messages");
    expect(mails[0]?.body).toContain(": 2");
  });

  it("writes in the recipient's language", async () => {
    const expected: Record<Locale, string> = {
      de: "Neue Nachrichten bei",
      fr: "Nouveaux messages sur",
      it: "Nuovi messaggi su",
      en: "New messages on",
    };
    for (const locale of ["de", "fr", "it", "en"] as const) {
      const w = await makeWorld();
      await sql(w, "UPDATE users SET locale = ? WHERE id = ?", locale, w.userIds.resident);
      await consumeNotify(w.jurisdiction, [intent(w)]);
      const [mail] = await notifyMails(w.slug, w.emails.resident);
      expect(mail?.subject, locale).toContain(expected[locale]);
    }
  });

  it("never mails the connected, the author, former residents, unverified or erased accounts, or 'never'", async () => {
    const w = await makeWorld();
    const post = (over = {}) =>
      intent(w, {
        category: "pinboard",
        ref: { type: "post", id: `p-${crypto.randomUUID()}` },
        authorId: w.userIds.admin,
        recipientIds: null,
        ...over,
      });
    for (const who of ["resident", "neighbour"] as const) {
      await call(w, await sessionOf(w, who), "PUT", "/api/me/notifications", 200, {
        announcements: "immediately",
        messages: "immediately",
        pinboard: "immediately",
      });
    }
    // Live in the room: already seen.
    await consumeNotify(w.jurisdiction, [post({ connectedUserIds: [w.userIds.resident, w.userIds.neighbour] })]);
    // The author of a post is never told about it.
    await consumeNotify(w.jurisdiction, [
      post({ authorId: w.userIds.resident, connectedUserIds: [w.userIds.neighbour] }),
    ]);
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);
    expect(await notifyMails(w.slug, w.emails.neighbour)).toEqual([]);

    await sql(w, "UPDATE users SET email_verified_at = NULL WHERE id = ?", w.userIds.neighbour);
    await consumeNotify(w.jurisdiction, [post()]);
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(1);
    expect(await notifyMails(w.slug, w.emails.neighbour)).toEqual([]);

    // The building-2 resident never hears of building 1, whatever a message claims.
    await consumeNotify(w.jurisdiction, [intent(w, { recipientIds: [w.userIds.otherBuilding] })]);
    expect(await notifyMails(w.slug, w.emails.otherBuilding)).toEqual([]);

    await sql(w, "UPDATE users SET status = 'erased' WHERE id = ?", w.userIds.resident);
    await consumeNotify(w.jurisdiction, [intent(w)]);
    await sql(w, "UPDATE users SET status = 'active' WHERE id = ?", w.userIds.resident);
    await sql(w, "UPDATE tenancies SET ends_on = '2021-01-01' WHERE id = ?", w.tenancyIds[0]);
    await consumeNotify(w.jurisdiction, [intent(w, { ref: { type: "dm", id: `dm-${crypto.randomUUID()}` } })]);
    await runMinuteCron(new Date(Date.now() + 20 * MINUTE));
    expect(await notifyMails(w.slug, w.emails.resident)).toHaveLength(1);

    const other = await makeWorld();
    await call(other, await sessionOf(other, "resident"), "PUT", "/api/me/notifications", 200, {
      announcements: "never",
      messages: "never",
      pinboard: "never",
    });
    await consumeNotify(other.jurisdiction, [intent(other)]);
    expect(await notifyMails(other.slug, other.emails.resident)).toEqual([]);
  });

  it("acknowledges and drops invalid messages, and a building of another customer reaches nobody", async () => {
    const w = await makeWorld();
    const foreign = await makeWorld();
    const result = await consumeNotify(w.jurisdiction, [
      { kind: "nope" },
      "text",
      { ...intent(w), authorId: 42 },
      intent(w, { customerId: foreign.customerId }),
    ]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(4);
    expect(await notifyMails(w.slug, w.emails.resident)).toEqual([]);
  });
});
