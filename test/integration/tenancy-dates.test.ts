import { describe, expect, it } from "vitest";
import { freshEmail } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { addTenancy, buildingsOf, createCode, dayFrom, me, session, signUpAndLogIn } from "../helpers/onboarding";

/** Access starts and ends with the tenancy's dates and the role assignment's dates (issue 3, item 4). */

const setTenancyDates = (w: World, tenancyId: string, startsOn: string, endsOn: string | null) =>
  dbOf(w.jurisdiction)
    .prepare("UPDATE tenancies SET starts_on = ?1, ends_on = ?2 WHERE id = ?3")
    .bind(startsOn, endsOn, tenancyId)
    .run();

const setRoleDates = (w: World, userId: string, startsOn: string, endsOn: string | null) =>
  dbOf(w.jurisdiction)
    .prepare("UPDATE role_assignments SET starts_on = ?1, ends_on = ?2 WHERE user_id = ?3")
    .bind(startsOn, endsOn, userId)
    .run();

const building = (w: World, s: string, i: 0 | 1 = 0) =>
  api(`/api/buildings/${w.buildingIds[i]}`, { app: w.slug, session: s });

describe("a tenancy that starts tomorrow", () => {
  it("gives the resident who signed up with its code no access today", async () => {
    const w = await makeWorld();
    const future = await addTenancy(w, { startsOn: dayFrom(1) });
    const code = await createCode(w, await session.manager(w), future.tenancyId);
    const { session: s } = await signUpAndLogIn(w.slug, code.code);

    expect(await buildingsOf(w.slug, s)).toEqual([]);
    expect(await envelopeOf(await building(w, s))).toBe("NOT_FOUND");
    expect((await me(w.slug, s)).memberships).toEqual([]);
    expect(
      await envelopeOf(await api("/api/invitations", { app: w.slug, session: s, json: { email: freshEmail() } })),
    ).toBe("NO_TENANCY");

    // The day it starts, the same session has the building.
    await setTenancyDates(w, future.tenancyId, dayFrom(0), null);
    expect((await buildingsOf(w.slug, s)).map((b) => b.id)).toEqual([w.buildingIds[0]]);
    expect((await building(w, s)).status).toBe(200);
  });
});

describe("a tenancy that ended", () => {
  it("keeps access through its last day and loses it on the next request once it ended yesterday", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    expect((await building(w, resident)).status).toBe(200);

    await setTenancyDates(w, w.tenancyIds[0], "2020-01-01", dayFrom(0));
    expect((await building(w, resident)).status).toBe(200);
    expect((await me(w.slug, resident)).memberships).toEqual([
      expect.objectContaining({ tenancyId: w.tenancyIds[0], endsOn: dayFrom(0) }),
    ]);

    await setTenancyDates(w, w.tenancyIds[0], "2020-01-01", dayFrom(-1));
    expect(await envelopeOf(await building(w, resident))).toBe("NOT_FOUND");
    expect(await buildingsOf(w.slug, resident)).toEqual([]);
    expect((await me(w.slug, resident)).memberships).toEqual([]);
    // The account itself still works: the session is valid, only the building is gone.
    expect((await api("/api/me", { app: w.slug, session: resident })).status).toBe(200);
  });

  it("can no longer be joined: no code for it, and its residents cannot invite", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    await setTenancyDates(w, w.tenancyIds[0], "2020-01-01", dayFrom(-1));
    const manager = await session.manager(w);
    const res = await api(`/api/tenancies/${w.tenancyIds[0]}/codes`, { app: w.slug, session: manager, json: {} });
    expect(await envelopeOf(res)).toBe("NO_TENANCY");
    const invite = await api("/api/invitations", { app: w.slug, session: resident, json: { email: freshEmail() } });
    expect(await envelopeOf(invite)).toBe("NO_TENANCY");
  });

  it("takes away only the building of the ended tenancy", async () => {
    const w = await makeWorld();
    const code = await createCode(w, await session.manager(w), w.tenancyIds[1]);
    const resident = await session.resident(w);
    const redeemed = await api("/api/onboarding/redeem", { app: w.slug, session: resident, json: { code: code.code } });
    expect(redeemed.status).toBe(200);
    expect((await buildingsOf(w.slug, resident)).map((b) => b.id).sort()).toEqual([...w.buildingIds].sort());

    await setTenancyDates(w, w.tenancyIds[0], "2020-01-01", dayFrom(-1));
    expect((await buildingsOf(w.slug, resident)).map((b) => b.id)).toEqual([w.buildingIds[1]]);
    expect(await envelopeOf(await building(w, resident, 0))).toBe("NOT_FOUND");
    expect((await building(w, resident, 1)).status).toBe(200);
  });
});

describe("role assignment dates", () => {
  it("take the staff routes from a manager whose assignment ended yesterday, on the next request", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const staffRoutes = [
      `/api/buildings/${w.buildingIds[0]}/codes`,
      "/api/access-requests",
      "/api/properties",
      `/print/buildings/${w.buildingIds[0]}`,
    ];
    for (const path of staffRoutes) expect((await api(path, { app: w.slug, session: manager })).status, path).toBe(200);

    await setRoleDates(w, w.userIds.manager, "2020-01-01", dayFrom(-1));
    for (const path of staffRoutes) {
      expect(await envelopeOf(await api(path, { app: w.slug, session: manager })), path).toBe("FORBIDDEN");
    }
    const res = await api(`/api/tenancies/${w.tenancyIds[0]}/codes`, { app: w.slug, session: manager, json: {} });
    expect(await envelopeOf(res)).toBe("FORBIDDEN");
    const roles = (await me(w.slug, manager)).roles;
    expect(roles).toEqual({ admin: false, staff: false, managedBuildingIds: [] });
    expect(await buildingsOf(w.slug, manager)).toEqual([]);
  });

  it("give no staff access before an assignment starts, and keep it through its last day", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const codes = () => api(`/api/buildings/${w.buildingIds[0]}/codes`, { app: w.slug, session: manager });

    await setRoleDates(w, w.userIds.manager, dayFrom(1), null);
    expect(await envelopeOf(await codes())).toBe("FORBIDDEN");
    await setRoleDates(w, w.userIds.manager, dayFrom(0), dayFrom(0));
    expect((await codes()).status).toBe(200);
  });
});
