import { env } from "cloudflare:workers";
import { strFromU8, type Unzipped, unzipSync } from "fflate";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { configFrom } from "../../src/lib/config";
import { sha256Hex } from "../../src/lib/crypto";
import { regionStores } from "../../src/region";
import { purgeRegion } from "../../src/services/purge";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { sessionOf } from "../helpers/ws";
import { expectedCategories, privacyScene } from "./privacy-scene";

// Export (R-P2): a ZIP of every store of the person (D1 of their jurisdiction, every room of their
// participation, their files), in R2 behind a link for the same logged-in person, expiring after
// 7 days and then purged.

afterEach(() => {
  vi.restoreAllMocks();
});

interface Created {
  id: string;
  expiresAt: string;
  url: string;
}

async function createExport(w: World, session: string) {
  return api("/api/me/exports", { app: w.slug, method: "POST", session });
}

async function created(w: World, session: string): Promise<Created> {
  const res = await createExport(w, session);
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

const rowOf = (w: World, id: string) =>
  dbOf(w.jurisdiction)
    .prepare("SELECT * FROM data_exports WHERE id = ?1")
    .bind(id)
    .first<{ object_key: string; token_hash: string; expires_at: number; created_at: number; size: number }>();

const json = (files: Unzipped, name: string) => {
  const f = files[name];
  if (!f) throw new Error(`${name} missing from the ZIP; has ${Object.keys(files).join(", ")}`);
  return JSON.parse(strFromU8(f)) as Record<string, unknown>;
};

describe("POST /api/me/exports and the download", () => {
  it("exports every store of a resident who moved, with every category that holds their data", async () => {
    const w = await makeWorld();
    const scene = await privacyScene(w);
    const session = await sessionOf(w, "resident");

    // No personal value reaches the console while the export is built.
    const lines: string[] = [];
    for (const m of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      });
    }
    const e = await created(w, session);
    vi.restoreAllMocks();
    const logged = lines.join("\n");
    for (const v of [scene.canary, w.emails.resident, `Person resident`]) expect(logged).not.toContain(v);

    expect(e.url).toMatch(new RegExp(`^/api/me/exports/${e.id}/download\\?token=[\\w-]{40,}$`));
    const days = (Date.parse(e.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    // Recorded with the token's hash only, the ZIP in the region's bucket under exports/.
    const token = new URL(e.url, "http://x").searchParams.get("token") ?? "";
    const row = await rowOf(w, e.id);
    expect(row?.token_hash).toBe(await sha256Hex(token));
    expect(row?.object_key.startsWith("exports/")).toBe(true);
    expect(row?.expires_at).toBe(Date.parse(e.expiresAt));
    expect(await env.FILES_CH.head(row?.object_key ?? "")).not.toBeNull();
    expect(await env.FILES_EU.head(row?.object_key ?? "")).toBeNull();

    const res = await api(e.url, { app: w.slug, session });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="quartier-export-/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBe(row?.size);
    const files = unzipSync(bytes);
    const [b1, b2] = w.buildingIds;
    expect(Object.keys(files).sort()).toEqual([
      "database.json",
      "manifest.json",
      `rooms/${b1}.json`,
      `rooms/${b2}.json`,
    ]);

    const manifest = json(files, "manifest.json");
    expect(manifest).toMatchObject({ personId: w.userIds.resident, jurisdiction: "ch" });
    expect(Date.parse(String(manifest.generatedAt))).not.toBeNaN();
    expect((manifest.stores as { file: string }[]).map((s) => s.file)).toEqual([
      "database.json",
      `rooms/${b1}.json`,
      `rooms/${b2}.json`,
    ]);
    // Export completeness: every category that holds the subject's data (computed from the stores).
    const expected = await expectedCategories(w, w.userIds.resident);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    expect(manifest.categories).toEqual(expected);
    const mapRows = manifest.dataMap as { table: string; column: string; purpose: string; retention: string }[];
    expect(mapRows).toContainEqual(expect.objectContaining({ table: "users", column: "email" }));
    expect(mapRows).toContainEqual(expect.objectContaining({ table: "posts" }));

    const database = JSON.stringify(json(files, "database.json"));
    expect(database).toContain(w.emails.resident);
    expect(database).toContain(`Person resident`);
    expect(database).toContain(w.tenancyIds[0]);
    expect(database).toContain(scene.newTenancyId);
    expect(database).not.toContain("password_hash");
    const room1 = JSON.stringify(json(files, `rooms/${b1}.json`));
    for (const t of [
      scene.texts.post,
      scene.texts.comment,
      scene.texts.dmSent,
      scene.texts.dmReceived,
      scene.texts.about,
    ]) {
      expect(room1).toContain(t);
    }
    expect(JSON.stringify(json(files, `rooms/${b2}.json`))).toContain(scene.texts.newPost);
    const all = Object.values(files)
      .map((f) => strFromU8(f))
      .join("\n");
    for (const other of [w.emails.neighbour, w.emails.otherBuilding, w.userIds.otherBuilding]) {
      expect(all).not.toContain(other);
    }

    // Listed without any token.
    const list = await api("/api/me/exports", { app: w.slug, session });
    expect(list.status).toBe(200);
    const listed = (await list.json()) as { exports: { id: string; expired: boolean }[] };
    expect(listed.exports).toEqual([expect.objectContaining({ id: e.id, expired: false })]);
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it("answers 404 to anyone but its owner with the right token, 410 once expired, and the purge removes it", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    const e = await created(w, session);
    const base = `/api/me/exports/${e.id}/download`;
    const neighbour = await sessionOf(w, "neighbour");
    const admin = await sessionOf(w, "admin");
    for (const [who, s] of [
      ["neighbour", neighbour],
      ["admin", admin],
    ] as const) {
      const res = await api(e.url, { app: w.slug, session: s });
      expect(res.status, who).toBe(404);
      expect((await errorOf(res)).code).toBe("NOT_FOUND");
    }
    for (const path of [base, `${base}?token=`, `${base}?token=wrong`, `${base}?token=${"x".repeat(500)}`]) {
      const res = await api(path, { app: w.slug, session });
      expect(res.status, path).toBe(404);
    }
    expect((await api(e.url, { app: w.slug })).status).toBe(401);

    // Another customer, with the full link, on its own host and on ours.
    const other = await makeWorld();
    const foreign = await sessionOf(other, "resident");
    expect((await api(e.url, { app: other.slug, session: foreign })).status).toBe(404);
    expect((await api(e.url, { app: w.slug, session: foreign })).status).toBe(401);
    // The owner still can.
    expect((await api(e.url, { app: w.slug, session })).status).toBe(200);

    const row = await rowOf(w, e.id);
    await dbOf("ch")
      .prepare("UPDATE data_exports SET expires_at = ?1 WHERE id = ?2")
      .bind(Date.now() - 1, e.id)
      .run();
    const expired = await api(e.url, { app: w.slug, session });
    expect(expired.status).toBe(410);
    expect((await errorOf(expired)).code).toBe("EXPORT_EXPIRED");
    // A wrong token never learns that the export expired.
    expect((await api(`${base}?token=wrong`, { app: w.slug, session })).status).toBe(404);

    const report = await purgeRegion(depsAt(new Date()));
    expect(report.dataExports).toBeGreaterThanOrEqual(1);
    expect(await rowOf(w, e.id)).toBeNull();
    expect(await env.FILES_CH.head(row?.object_key ?? "")).toBeNull();
    expect((await api(e.url, { app: w.slug, session })).status).toBe(404);
    const again = await purgeRegion(depsAt(new Date()));
    expect(again.dataExports).toBe(0);
  });

  it("allows 3 exports a day per person, then 429 RATE_LIMITED", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    for (let i = 0; i < 3; i++) await created(w, session);
    const res = await createExport(w, session);
    expect(res.status).toBe(429);
    expect((await errorOf(res)).code).toBe("RATE_LIMITED");
    // Per person: a neighbour still can.
    await created(w, await sessionOf(w, "neighbour"));
  });

  it("records nothing when the ZIP cannot be stored", async () => {
    const w = await makeWorld();
    const session = await sessionOf(w, "resident");
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const put = vi.spyOn(env.FILES_CH, "put").mockRejectedValue(new Error("bucket unavailable"));
    const res = await createExport(w, session);
    expect(put).toHaveBeenCalled();
    expect(res.status).toBe(500);
    const n = await dbOf("ch")
      .prepare("SELECT count(*) AS n FROM data_exports WHERE user_id = ?1")
      .bind(w.userIds.resident)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });
});

function depsAt(now: Date): Deps {
  const stores = regionStores(env, "ch");
  return { db: createDb(stores.db), stores, now: () => now, config: configFrom(env) };
}
