import { describe, expect, it } from "vitest";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, errorOf, login } from "../helpers/http";

describe("GET /api/me", () => {
  it("answers 401 UNAUTHENTICATED without a session", async () => {
    const w = await makeWorld();
    const res = await api("/api/me", { app: w.slug });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
  });

  it("returns the resident with the current membership after login", async () => {
    const w = await makeWorld();
    const token = await login(w.emails.resident, PASSWORD, w.slug);
    const res = await api("/api/me", { app: w.slug, session: token });
    expect(res.status).toBe(200);
    const me = (await res.json()) as { id: string; memberships: { buildingId: string }[] };
    expect(me.id).toBe(w.userIds.resident);
    expect(me.memberships.map((m) => m.buildingId)).toEqual([w.buildingIds[0]]);
  });
});
