import { describe, expect, it } from "vitest";
import { DATA_MAP } from "../../src/privacy/datamap";
import type { MyDataView } from "../../src/services/privacy-view";
import { makeWorld } from "../helpers/factories";
import { api } from "../helpers/http";
import { sessionOf } from "../helpers/ws";
import { expectedCategories, privacyScene } from "./privacy-scene";

// "See my data" (R-P1): every personal value held about the caller, grouped by data-map category,
// with where it is stored and its purpose, basis and retention; rooms of buildings they have left too.

const getData = async (slug: string, session?: string) => api("/api/me/data", { app: slug, session });

describe("GET /api/me/data", () => {
  it("lists values from D1 and both rooms (also the one left), grouped, each with purpose, basis and retention", async () => {
    const w = await makeWorld();
    const scene = await privacyScene(w);
    const res = await getData(w.slug, await sessionOf(w, "resident"));
    expect(res.status).toBe(200);
    const view = (await res.json()) as MyDataView;
    expect(view.userId).toBe(w.userIds.resident);

    const items = view.categories.flatMap((g) => g.items.map((i) => ({ ...i, category: g.category })));
    const where = (value: string) => items.filter((i) => i.value === value).map((i) => i.location);
    const room1 = { kind: "building-room", buildingId: w.buildingIds[0] };
    expect(where(scene.texts.post)).toEqual([expect.objectContaining({ ...room1, table: "posts" })]);
    expect(where(scene.texts.comment)).toEqual([expect.objectContaining({ ...room1, table: "comments" })]);
    expect(where(scene.texts.dmSent)).toEqual([expect.objectContaining({ ...room1, table: "dms" })]);
    expect(where(scene.texts.dmReceived)).toEqual([expect.objectContaining({ ...room1, table: "dms" })]);
    expect(where(scene.texts.newPost)).toEqual([
      expect.objectContaining({ kind: "building-room", buildingId: w.buildingIds[1], table: "posts" }),
    ]);
    expect(where(w.emails.resident)).toContainEqual({ kind: "regional-database", jurisdiction: "ch", table: "users" });
    // The tenancy that ended is still shown (shared row reached through the membership).
    expect(items.some((i) => i.location.table === "tenancies" && i.rowId === w.tenancyIds[0])).toBe(true);

    // Grouped by category, each value with the data map's purpose, basis and retention.
    const post = items.find((i) => i.value === scene.texts.post);
    const postClass = DATA_MAP.find((t) => t.store === "room" && t.table === "posts")?.columns as Record<
      string,
      { category: string; purpose: string; basis: string; retention: string }
    >;
    const body = postClass[post?.column ?? ""];
    expect(post).toMatchObject({
      category: body?.category,
      purpose: body?.purpose,
      basis: body?.basis,
      retention: body?.retention,
    });
    expect(view.categories.map((g) => g.category)).toEqual([...view.categories.map((g) => g.category)].sort());
    expect(view.categories.map((g) => g.category)).toEqual(await expectedCategories(w, w.userIds.resident));
    for (const i of items) {
      expect(i.purpose && i.basis && i.retention, `${i.location.table}.${i.column}`).toBeTruthy();
      expect(i.basis).not.toBe("none");
    }
  });

  it("shows nothing of other people: no neighbour's name, e-mail or account values", async () => {
    const w = await makeWorld();
    await privacyScene(w);
    const text = await (await getData(w.slug, await sessionOf(w, "resident"))).text();
    for (const other of [w.emails.neighbour, w.emails.otherBuilding, w.emails.manager, w.userIds.otherBuilding]) {
      expect(text).not.toContain(other);
    }
    expect(text).not.toContain("password_hash");
    expect(text).not.toContain("token_hash");
    // The neighbour's own view does not contain the resident's post or profile.
    const theirs = await (await getData(w.slug, await sessionOf(w, "neighbour"))).text();
    expect(theirs).not.toContain(w.emails.resident);
  });

  it("needs a session", async () => {
    const w = await makeWorld();
    expect((await getData(w.slug)).status).toBe(401);
  });
});
