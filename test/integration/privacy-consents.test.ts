import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { hasConsent } from "../../src/services/consents";
import { dbOf, makeWorld } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { sessionOf } from "../helpers/ws";

// The consent ledger (R-P7): every decision kept with purpose, text version and time; withdrawal is
// the same call as giving and takes effect at once; restriction (R-P5) and the objection to marketing
// (R-P6) override a given consent.

interface Consents {
  current: { purpose: string; granted: boolean; textVersion: string; at: string }[];
  history: { purpose: string; granted: boolean; textVersion: string }[];
}

describe("/api/me/consents", () => {
  it("records giving and withdrawing, keeps the history, and hasConsent follows at once", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const db = createDb(dbOf(w.jurisdiction));
    const decide = (purpose: string, granted: boolean, textVersion = "2026-11") =>
      api("/api/me/consents", { app: w.slug, session, json: { purpose, granted, textVersion } });
    const may = (purpose: string) => hasConsent(db, w.customerId, w.userIds.resident, purpose);

    expect(await may("newsletter")).toBe(false);
    const given = await decide("newsletter", true);
    expect(given.status).toBe(201);
    expect(((await given.json()) as Consents).current).toEqual([
      expect.objectContaining({ purpose: "newsletter", granted: true, textVersion: "2026-11" }),
    ]);
    expect(await may("newsletter")).toBe(true);
    await decide("micro-app:parcel-lockers", true, "v2");
    expect(await may("micro-app:parcel-lockers")).toBe(true);

    // Withdrawal: the same call, effective at once; both decisions stay in the history.
    await decide("newsletter", false);
    expect(await may("newsletter")).toBe(false);
    const mine = (await (await api("/api/me/consents", { app: w.slug, session })).json()) as Consents;
    expect(mine.history.filter((c) => c.purpose === "newsletter").map((c) => c.granted)).toEqual([true, false]);
    expect(mine.current.map((c) => [c.purpose, c.granted])).toEqual([
      ["micro-app:parcel-lockers", true],
      ["newsletter", false],
    ]);

    // An objection to marketing overrides the newsletter consent; a restriction overrides every consent.
    await decide("newsletter", true);
    await api("/api/me/restrictions", { app: w.slug, session, json: { kind: "objection-marketing", active: true } });
    expect(await may("newsletter")).toBe(false);
    expect(await may("micro-app:parcel-lockers")).toBe(true);
    await api("/api/me/restrictions", { app: w.slug, session, json: { kind: "restriction", active: true } });
    expect(await may("micro-app:parcel-lockers")).toBe(false);

    // Another person's decisions are theirs alone.
    const other = (await (
      await api("/api/me/consents", { app: w.slug, session: await sessionOf(w, "neighbour") })
    ).json()) as Consents;
    expect(other.history).toEqual([]);
  });

  it("refuses unknown purposes and free-text versions with 400", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    for (const body of [
      { purpose: "everything", granted: true, textVersion: "v1" },
      { purpose: "newsletter", granted: true, textVersion: "I agree, Anna Muster" },
      { purpose: "newsletter", granted: "yes", textVersion: "v1" },
      { purpose: "newsletter", granted: true, textVersion: "v1", extra: 1 },
    ]) {
      const res = await api("/api/me/consents", { app: w.slug, session, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
  });
});
