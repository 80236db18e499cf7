import { env } from "cloudflare:test";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { makeWorld } from "../helpers/factories";
import { api } from "../helpers/http";
import { sessionOf } from "../helpers/ws";

// R-P1, R-P2: a heavy user (10k rows of their own, participation in rooms never opened since) can
// still see and export everything — no 500 (found by bench/privacy-heavy-user.mjs).
describe("a heavy user's data view and export", () => {
  it("answer 200 with 10,000 rows of the person's own", async () => {
    const w = await makeWorld();
    const userId = w.userIds.resident;
    const now = Date.now();
    await env.DB_CH.prepare(
      `WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10000)
       INSERT INTO notification_items (id, customer_id, user_id, building_id, category, ref_type, ref_id, mode, state, created_at, due_at, sent_at)
       SELECT 'heavy-' || k, ?1, ?2, ?3, 'pinboard', 'post', 'post-' || k, 'daily', 'sent', ?4 - k, ?4 - k, ?4 - k FROM n`,
    )
      .bind(w.customerId, userId, w.buildingIds[0], now)
      .run();
    // Participation in rooms nobody has opened yet (a room is created on first use).
    for (const b of w.buildingIds) {
      await env.DB_CH.prepare(
        "INSERT OR IGNORE INTO room_participation (customer_id, building_id, user_id, first_seen_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
      )
        .bind(w.customerId, b, userId, now)
        .run();
    }
    const session = await sessionOf(w, "resident");
    const view = await api("/api/me/data", { app: w.slug, session });
    expect(view.status, await view.clone().text()).toBe(200);
    const exp = await api("/api/me/exports", { app: w.slug, session, method: "POST" });
    expect(exp.status, await exp.clone().text()).toBeLessThan(300);
    const { url } = (await exp.json()) as { url: string };
    const zip = await api(url, { app: w.slug, session });
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const database = JSON.parse(strFromU8(files["database.json"] ?? new Uint8Array())) as {
      tables: Record<string, unknown[]>;
    };
    expect(database.tables.notification_items).toHaveLength(10_000);
    expect(Object.keys(files).filter((f) => f.startsWith("rooms/"))).toHaveLength(2);
  }, 120_000);
});
