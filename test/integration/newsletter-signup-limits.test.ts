import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { DAY, HOUR } from "../../src/lib/time";
import { CONFIRM_MAILS_PER_ADDRESS, SIGNUP_PER_IP } from "../../src/services/newsletter";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { addTopic, countRows, linkToken, outboxTo, signUp } from "../helpers/newsletter";
import { depsAt } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// R-P8 sign-up abuse (decision 0038): exact throttles in D1 (decision 0002) against mail bombing and
// flooding the outbox — per address at most CONFIRM_MAILS_PER_ADDRESS confirmation mails a day (then
// the same neutral answer and nothing sent), per client IP SIGNUP_PER_IP sign-ups an hour (then 429
// RATE_LIMITED with Retry-After). Counters hold hashes only and are purged after a day.

const confirmMails = (w: World, who: keyof World["emails"]) => outboxTo(w, w.emails[who], "newsletter-confirm");
const pendingRow = (w: World, userId: string) =>
  dbOf(w.jurisdiction)
    .prepare(
      "SELECT status, confirm_token_hash FROM newsletter_subscriptions WHERE user_id = ?1 AND status = 'pending'",
    )
    .bind(userId)
    .first<{ status: string; confirm_token_hash: string }>();
const throttleKey = (name: string, subject: string) => sha256Hex(`${name}:${subject}`);

describe("newsletter sign-up limits", () => {
  it("mails an address at most 3 confirmations a day; further sign-ups answer the same and send nothing", async () => {
    const w = await makeWorld();
    const topic = await addTopic(w, await sessionOf(w, "admin"), "Events");
    const session = await sessionOf(w, "resident");
    for (let i = 0; i < CONFIRM_MAILS_PER_ADDRESS.max; i++) {
      const res = await signUp(w, session, [topic], `198.51.100.${i + 1}`);
      expect(res.status).toBe(202);
    }
    const mails = await confirmMails(w, "resident");
    expect(mails).toHaveLength(3);
    const before = await pendingRow(w, w.userIds.resident);
    const outboxBefore = await countRows(w, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1", w.customerId);

    for (const ip of ["198.51.100.10", "198.51.100.11"]) {
      const res = await signUp(w, session, [topic], ip);
      // The same neutral answer as a sign-up that mailed.
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ status: "pending" });
    }
    expect(await confirmMails(w, "resident")).toHaveLength(3);
    expect(await countRows(w, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1", w.customerId)).toBe(
      outboxBefore,
    );
    // Nothing changed: the last mailed link is still the valid one, and it confirms.
    expect(await pendingRow(w, w.userIds.resident)).toEqual(before);
    const token = linkToken(mails.at(-1)?.body_text ?? "", "/newsletter/confirm");
    expect((await api("/api/newsletter/confirm", { app: w.slug, json: { token } })).status).toBe(204);

    // Another address of the same customer is not affected.
    const neighbour = await signUp(w, await sessionOf(w, "neighbour"), [topic], "198.51.100.20");
    expect(neighbour.status).toBe(202);
    expect(await confirmMails(w, "neighbour")).toHaveLength(1);

    // A day later the address may be mailed again.
    const later = depsAt(w.jurisdiction, new Date(Date.now() + DAY + HOUR));
    await purgeRegion(later);
    const key = await throttleKey(CONFIRM_MAILS_PER_ADDRESS.name, `${w.customerId}:${w.emails.resident}`);
    expect(await countRows(w, "SELECT count(*) AS n FROM throttles WHERE key = ?1", key)).toBe(0);
  });

  it("answers 429 RATE_LIMITED with Retry-After past 20 sign-ups an hour from one IP, without writing a mail", async () => {
    const w = await makeWorld();
    const topic = await addTopic(w, await sessionOf(w, "admin"), "Events");
    const ip = "192.0.2.77";
    const sessions = await Promise.all(
      (["resident", "neighbour", "otherBuilding", "manager"] as const).map((p) => sessionOf(w, p)),
    );
    for (let i = 0; i < SIGNUP_PER_IP.max; i++) {
      const res = await signUp(w, sessions[i % sessions.length] ?? "", [topic], ip);
      expect(res.status, `sign-up ${i + 1}`).toBe(202);
    }
    const outboxBefore = await countRows(w, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1", w.customerId);
    const limited = await signUp(w, sessions[0] ?? "", [topic], ip);
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await countRows(w, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1", w.customerId)).toBe(
      outboxBefore,
    );
    // Four addresses, at most three mails each: the IP limit came on top of the address limit.
    expect(outboxBefore).toBeLessThanOrEqual(4 * CONFIRM_MAILS_PER_ADDRESS.max);

    // Another IP is not affected (the admin signs up for the first time from elsewhere).
    const elsewhere = await signUp(w, await sessionOf(w, "admin"), [topic], "192.0.2.78");
    expect(elsewhere.status).toBe(202);
    expect(await confirmMails(w, "admin")).toHaveLength(1);

    // The counter holds a hash, never the IP; the purge removes it after a day.
    const { results } = await dbOf(w.jurisdiction).prepare("SELECT key FROM throttles").all<{ key: string }>();
    expect(JSON.stringify(results)).not.toContain(ip);
    const key = await throttleKey(SIGNUP_PER_IP.name, ip);
    expect(await countRows(w, "SELECT count(*) AS n FROM throttles WHERE key = ?1", key)).toBe(1);
    await purgeRegion(depsAt(w.jurisdiction, new Date(Date.now() + DAY + HOUR)));
    expect(await countRows(w, "SELECT count(*) AS n FROM throttles WHERE key = ?1", key)).toBe(0);
    expect((await signUp(w, sessions[0] ?? "", [topic], ip)).status).toBe(202);
  });
});
