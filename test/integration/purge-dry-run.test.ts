import { describe, expect, it } from "vitest";
import { DAY } from "../../src/lib/time";
import { purgeRegion } from "../../src/services/purge";
import { purgeDryRun } from "../../src/services/purge-dry-run";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { depsAt } from "../helpers/staff";
import { sessionOf } from "../helpers/ws";

// R-P14: `npm run ops -- purge --dry-run` reports what the retention purge would delete, as counts,
// and deletes nothing; its report is the real purge's report on the same data (no drift).

const TABLES = ["sessions", "outbox", "throttles", "newsletter_subscriptions", "newsletter_subscription_topics"];

async function counts(w: World) {
  const db = dbOf(w.jurisdiction);
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await db.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())?.n ?? 0;
  return out;
}

describe("purge --dry-run", () => {
  it("counts what would be purged, deletes nothing, and matches the real purge", async () => {
    const w = await makeWorld();
    const admin = await sessionOf(w, "admin");
    const topic = await api("/api/admin/newsletter/topics", { app: w.slug, session: admin, json: { name: "Events" } });
    const { id } = (await topic.json()) as { id: string };
    // An unconfirmed newsletter sign-up (with its mail) and a few sessions and throttles from logins.
    const signUp = await api("/api/me/newsletter", {
      app: w.slug,
      session: await sessionOf(w, "resident"),
      json: { topicIds: [id], textVersion: "v1" },
    });
    expect(signUp.status).toBe(202);

    // A year on, all of it is past its retention.
    const later = new Date(Date.now() + 365 * DAY);
    const before = await counts(w);
    const dry = await purgeDryRun(depsAt(w.jurisdiction, later));
    expect(dry.dryRun).toBe(true);
    expect(dry.sessions).toBeGreaterThanOrEqual(2);
    expect(dry.outbox).toBeGreaterThanOrEqual(1);
    expect(dry.newsletterUnconfirmed).toBeGreaterThanOrEqual(1);
    expect(await counts(w)).toEqual(before);
    // Nothing personal in the report: counts and the jurisdiction only.
    for (const [k, v] of Object.entries(dry)) {
      if (k !== "jurisdiction" && k !== "dryRun") expect(typeof v, k).toBe("number");
    }

    const real = await purgeRegion(depsAt(w.jurisdiction, later));
    const { dryRun: _, ...expected } = dry;
    expect(real).toEqual(expected);
    const after = await counts(w);
    expect(after.newsletter_subscriptions).toBe((before.newsletter_subscriptions ?? 0) - dry.newsletterUnconfirmed);
    expect(after.sessions).toBe((before.sessions ?? 0) - dry.sessions);

    // Run again: nothing left to count.
    const again = await purgeDryRun(depsAt(w.jurisdiction, later));
    expect(again.sessions).toBe(0);
    expect(again.newsletterUnconfirmed).toBe(0);
  });
});
