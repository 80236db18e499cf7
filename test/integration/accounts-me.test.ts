import { describe, expect, it } from "vitest";
import { addDays, isoDay } from "../../src/lib/time";
import { dbOfWorld, loginAs } from "../helpers/accounts";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";

/** GET and PATCH /api/me; memberships are read fresh on every request (R-A6, R-A7). */

interface Me {
  id: string;
  name: string;
  locale: string;
  memberships: { buildingId: string; unitId: string; tenancyId: string; endsOn: string | null }[];
}

const today = () => isoDay(new Date());
const meOf = async (slug: string, session: string) => {
  const res = await api("/api/me", { app: slug, session });
  expect(res.status).toBe(200);
  return (await res.json()) as Me;
};
const patchMe = (slug: string, session: string, json: unknown) =>
  api("/api/me", { app: slug, session, method: "PATCH", json });

describe("memberships", () => {
  it("end on the next request once the tenancy has ended, without logging in again", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    expect((await meOf(w.slug, session)).memberships.map((m) => m.tenancyId)).toEqual([w.tenancyIds[0]]);
    expect((await api(`/api/buildings/${w.buildingIds[0]}`, { app: w.slug, session })).status).toBe(200);

    await dbOfWorld(w)
      .prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2")
      .bind(addDays(today(), -1), w.tenancyIds[0])
      .run();

    expect((await meOf(w.slug, session)).memberships).toEqual([]);
    const building = await api(`/api/buildings/${w.buildingIds[0]}`, { app: w.slug, session });
    expect(building.status).toBe(404);
    expect((await errorOf(building)).code).toBe("NOT_FOUND");
  });

  it("still count on the tenancy's last day, with its end date shown", async () => {
    const w = await makeWorld();
    await dbOfWorld(w).prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2").bind(today(), w.tenancyIds[0]).run();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);

    const me = await meOf(w.slug, session);
    expect(me.memberships).toEqual([
      { buildingId: w.buildingIds[0], unitId: w.unitIds[0], tenancyId: w.tenancyIds[0], endsOn: today() },
    ]);
  });

  it("do not exist yet for a tenancy that starts tomorrow", async () => {
    const w = await makeWorld({ tenancy: { startsOn: addDays(today(), 1), endsOn: null } });
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);

    expect((await meOf(w.slug, session)).memberships).toEqual([]);
    expect((await api(`/api/buildings/${w.buildingIds[0]}`, { app: w.slug, session })).status).toBe(404);
  });

  it("end a session's access when the account is disabled", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    await dbOfWorld(w).prepare("UPDATE users SET status = 'disabled' WHERE id = ?1").bind(w.userIds.resident).run();

    const res = await api("/api/me", { app: w.slug, session });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
  });
});

describe("PATCH /api/me", () => {
  it("corrects the name and the language", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);

    const res = await patchMe(w.slug, session, { name: "  Renée Muster  ", locale: "fr" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: w.userIds.resident, name: "Renée Muster", locale: "fr" });
    expect(await meOf(w.slug, session)).toMatchObject({ name: "Renée Muster", locale: "fr" });
  });

  it("changes only the field sent", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const before = await meOf(w.slug, session);

    expect((await patchMe(w.slug, session, { locale: "it" })).status).toBe(200);
    expect(await meOf(w.slug, session)).toMatchObject({ name: before.name, locale: "it" });
  });

  it("refuses an empty object with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const res = await patchMe(w.slug, session, {});
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
  });

  it("refuses fields it does not correct (e-mail, status) with 400 and changes nothing", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const before = await meOf(w.slug, session);

    for (const body of [{ name: "Mallory", email: "mallory@example.test" }, { status: "active" }, { id: "x" }]) {
      const res = await patchMe(w.slug, session, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
    expect(await meOf(w.slug, session)).toEqual(before);
  });

  it("refuses a blank name, an unknown language and an unpaired surrogate with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    for (const body of [{ name: "   " }, { locale: "xx" }, { name: "a\ud800b" }, { name: "x".repeat(121) }]) {
      const res = await patchMe(w.slug, session, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
  });

  it("answers 401 UNAUTHENTICATED without a session", async () => {
    const w = await makeWorld();
    const res = await api("/api/me", { app: w.slug, method: "PATCH", json: { name: "Nobody" } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
  });
});
