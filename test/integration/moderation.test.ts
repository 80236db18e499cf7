import { beforeAll, describe, expect, it } from "vitest";
import { DAY } from "../../src/lib/time";
import type { Actor } from "../../src/services/actor";
import { reportPost } from "../../src/services/moderation";
import { purgeRegion } from "../../src/services/purge";
import { loginAs } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { dbOf, makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { addProperty, call, depsAt, type SecondProperty } from "../helpers/staff";
import { joinRoom, post, sessionOf } from "../helpers/ws";

// Moderation (R-M1): residents report posts (D1 records), managers list open reports across their
// buildings, hide and restore posts in the room, dismiss reports; the moderation log holds ids and
// actions only.

interface ReportedPost {
  buildingId: string;
  postId: string;
  reports: number;
  reasons: Record<string, number>;
  notes: string[];
}
interface LogEntry {
  id: string;
  buildingId: string;
  postId: string;
  actorId: string;
  action: string;
  reports: number;
  createdAt: string;
}

let w: World;
let p2: SecondProperty;
const s = { manager: "", resident: "", neighbour: "", other: "", manager2: "" };
const BODY = "Selling my bike, cheap! Contact me at secret-canary-42";
const NOTE = "Looks like spam note-canary-17";

beforeAll(async () => {
  w = await makeWorld();
  p2 = await addProperty(w);
  s.manager = await sessionOf(w, "manager");
  s.resident = await sessionOf(w, "resident");
  s.neighbour = await sessionOf(w, "neighbour");
  s.other = await sessionOf(w, "otherBuilding");
  s.manager2 = await loginAs(w.slug, p2.managerEmail, PASSWORD);
});

const b1 = () => w.buildingIds[0];
const reportsPath = (postId: string, buildingId = b1()) => `/api/buildings/${buildingId}/posts/${postId}/reports`;
const visibilityPath = (postId: string) => `/api/buildings/${b1()}/posts/${postId}/visibility`;
const postIdsSeenBy = async (session: string) =>
  (await call<{ items: { id: string }[] }>(w, session, "GET", `/api/buildings/${b1()}/posts`, 200)).items.map(
    (p) => p.id,
  );

async function neighbourPost(body = BODY) {
  const room = await joinRoom(w, "neighbour", { session: s.neighbour });
  const p = await post(room, body);
  room.close();
  return p.postId;
}

describe("POST /api/buildings/{buildingId}/posts/{postId}/reports", () => {
  it("records one open report per resident and post, never of one's own or a missing post", async () => {
    const postId = await neighbourPost();
    const r = await call<{ id: string; status: string }>(w, s.resident, "POST", reportsPath(postId), 201, {
      reason: "spam",
      note: NOTE,
    });
    expect(r.status).toBe("open");
    const twice = await api(reportsPath(postId), { app: w.slug, session: s.resident, json: { reason: "other" } });
    expect(await envelopeOf(twice)).toBe("ALREADY_REPORTED");
    const own = await api(reportsPath(postId), { app: w.slug, session: s.neighbour, json: { reason: "spam" } });
    expect(await envelopeOf(own)).toBe("OWN_POST");
    const missing = await api(reportsPath("no-such-post"), {
      app: w.slug,
      session: s.resident,
      json: { reason: "spam" },
    });
    expect(await envelopeOf(missing)).toBe("NOT_FOUND");
    const stranger = await api(reportsPath(postId), { app: w.slug, session: s.other, json: { reason: "spam" } });
    expect(await envelopeOf(stranger)).toBe("NOT_FOUND");
    for (const json of [
      { reason: "boring" },
      { reason: "spam", note: "x".repeat(501) },
      { reason: "spam", extra: 1 },
      {},
    ]) {
      const res = await api(reportsPath(postId), { app: w.slug, session: s.resident, json });
      expect(await envelopeOf(res), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
  });

  it("answers 503 ROOM_UNAVAILABLE when the room cannot be reached, and stores nothing", async () => {
    const deps = depsAt(w.jurisdiction);
    const failing = { getByName: () => ({ postInfo: async () => Promise.reject(new Error("down")) }) };
    const actor = {
      userId: w.userIds.resident,
      customerId: w.customerId,
      residentBuildingIds: new Set([b1()]),
    } as Actor;
    await expect(
      reportPost({ ...deps, stores: { ...deps.stores, rooms: () => failing as never } }, actor, b1(), "p-x", {
        reason: "spam",
      }),
    ).rejects.toMatchObject({ code: "ROOM_UNAVAILABLE" });
    const n = await dbOf(w.jurisdiction)
      .prepare("SELECT count(*) AS n FROM moderation_reports WHERE post_id = 'p-x'")
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });
});

describe("managing reports", () => {
  it("lists open reports per post, hides for everyone, restores, dismisses, and logs ids and actions only", async () => {
    const postId = await neighbourPost();
    await call(w, s.resident, "POST", reportsPath(postId), 201, { reason: "offensive", note: NOTE });
    const open = await call<ReportedPost[]>(w, s.manager, "GET", "/api/moderation/reports", 200);
    expect(open.find((p) => p.postId === postId)).toMatchObject({
      buildingId: b1(),
      reports: 1,
      reasons: { offensive: 1 },
      notes: [NOTE],
    });
    expect(await envelopeOf(await api("/api/moderation/reports", { app: w.slug, session: s.resident }))).toBe(
      "FORBIDDEN",
    );
    expect(
      (await call<ReportedPost[]>(w, s.manager2, "GET", "/api/moderation/reports", 200)).map((p) => p.postId),
    ).not.toContain(postId);

    // A connected resident sees the post disappear live; the history no longer has it.
    const live = await joinRoom(w, "resident", { session: s.resident });
    const hidden = await call<{ hidden: boolean; reportsClosed: number }>(
      w,
      s.manager,
      "PUT",
      visibilityPath(postId),
      200,
      {
        hidden: true,
      },
    );
    expect(hidden).toMatchObject({ hidden: true, reportsClosed: 1 });
    await live.take(
      (m): m is Extract<typeof m, { type: "event" }> =>
        m.type === "event" && m.event.kind === "post.hidden" && m.event.postId === postId,
    );
    live.close();
    expect(await postIdsSeenBy(s.resident)).not.toContain(postId);
    expect(
      (await call<ReportedPost[]>(w, s.manager, "GET", "/api/moderation/reports", 200)).map((p) => p.postId),
    ).not.toContain(postId);
    // A hidden post cannot be reported.
    const again = await api(reportsPath(postId), { app: w.slug, session: s.resident, json: { reason: "spam" } });
    expect(await envelopeOf(again)).toBe("NOT_FOUND");

    const restored = await call<{ hidden: boolean; reportsClosed: number }>(
      w,
      s.manager,
      "PUT",
      visibilityPath(postId),
      200,
      {
        hidden: false,
      },
    );
    expect(restored).toMatchObject({ hidden: false, reportsClosed: 0 });
    // Restoring a visible post again changes and logs nothing.
    await call(w, s.manager, "PUT", visibilityPath(postId), 200, { hidden: false });
    expect(await postIdsSeenBy(s.resident)).toContain(postId);

    await call(w, s.resident, "POST", reportsPath(postId), 201, { reason: "spam" });
    const dismissed = await call<{ reportsClosed: number }>(w, s.manager, "DELETE", reportsPath(postId), 200);
    expect(dismissed.reportsClosed).toBe(1);
    expect(
      await envelopeOf(await api(reportsPath(postId), { app: w.slug, session: s.manager, method: "DELETE" })),
    ).toBe("NOT_FOUND");
    expect(await postIdsSeenBy(s.resident)).toContain(postId);

    const log = (await call<LogEntry[]>(w, s.manager, "GET", "/api/moderation/log", 200)).filter(
      (e) => e.postId === postId,
    );
    expect(log.map((e) => [e.action, e.reports, e.actorId, e.buildingId])).toEqual([
      ["dismiss", 1, w.userIds.manager, b1()],
      ["restore", 0, w.userIds.manager, b1()],
      ["hide", 1, w.userIds.manager, b1()],
    ]);
    for (const e of log)
      expect(Object.keys(e).sort()).toEqual([
        "action",
        "actorId",
        "buildingId",
        "createdAt",
        "id",
        "postId",
        "reports",
      ]);
    // Never content, never the note: not in the API, not in the table.
    const rows = await dbOf(w.jurisdiction)
      .prepare("SELECT * FROM moderation_log WHERE post_id = ?")
      .bind(postId)
      .all();
    const raw = JSON.stringify(rows.results) + JSON.stringify(log);
    expect(raw).not.toContain("secret-canary-42");
    expect(raw).not.toContain("note-canary-17");
    expect(
      (await call<LogEntry[]>(w, s.manager2, "GET", "/api/moderation/log", 200)).map((e) => e.postId),
    ).not.toContain(postId);
  });

  it("refuses managers of another property, and residents, with 404 and 403", async () => {
    const postId = await neighbourPost("Another post");
    const res = await api(visibilityPath(postId), {
      app: w.slug,
      session: s.manager2,
      method: "PUT",
      json: { hidden: true },
    });
    expect(await envelopeOf(res)).toBe("NOT_FOUND");
    const dismiss = await api(reportsPath(postId), { app: w.slug, session: s.manager2, method: "DELETE" });
    expect(await envelopeOf(dismiss)).toBe("NOT_FOUND");
    const resident = await api(visibilityPath(postId), {
      app: w.slug,
      session: s.resident,
      method: "PUT",
      json: { hidden: true },
    });
    expect(await envelopeOf(resident)).toBe("FORBIDDEN");
    const unknown = await api(visibilityPath("no-such-post"), {
      app: w.slug,
      session: s.manager,
      method: "PUT",
      json: { hidden: true },
    });
    expect(await envelopeOf(unknown)).toBe("NOT_FOUND");
    expect(await postIdsSeenBy(s.resident)).toContain(postId);
  });
});

describe("retention", () => {
  it("purges closed reports 180 days after closing and keeps the log for two years", async () => {
    const db = dbOf(w.jurisdiction);
    const u = crypto.randomUUID().slice(0, 8);
    const t = Date.parse("2040-01-01T00:00:00Z");
    await db.batch([
      db
        .prepare(
          "INSERT INTO moderation_reports (id, customer_id, building_id, post_id, reporter_id, reason, status, created_at, closed_at) VALUES (?, ?, ?, 'p', ?, 'spam', 'resolved', ?, ?)",
        )
        .bind(`old-${u}`, w.customerId, b1(), w.userIds.resident, t - 200 * DAY, t - 181 * DAY),
      db
        .prepare(
          "INSERT INTO moderation_reports (id, customer_id, building_id, post_id, reporter_id, reason, status, created_at, closed_at) VALUES (?, ?, ?, 'p', ?, 'spam', 'dismissed', ?, ?)",
        )
        .bind(`recent-${u}`, w.customerId, b1(), w.userIds.resident, t - 200 * DAY, t - 179 * DAY),
      db
        .prepare(
          "INSERT INTO moderation_log (id, customer_id, building_id, post_id, actor_id, action, reports, created_at) VALUES (?, ?, ?, 'p', ?, 'hide', 1, ?)",
        )
        .bind(`log-${u}`, w.customerId, b1(), w.userIds.manager, t - 700 * DAY),
      db
        .prepare(
          "INSERT INTO moderation_log (id, customer_id, building_id, post_id, actor_id, action, reports, created_at) VALUES (?, ?, ?, 'p', ?, 'hide', 1, ?)",
        )
        .bind(`oldlog-${u}`, w.customerId, b1(), w.userIds.manager, t - 731 * DAY),
    ]);
    const report = await purgeRegion(depsAt(w.jurisdiction, new Date(t)));
    expect(report.moderationReports).toBeGreaterThanOrEqual(1);
    const ids = async (table: string) =>
      (await db.prepare(`SELECT id FROM ${table} WHERE id LIKE ?`).bind(`%-${u}`).all<{ id: string }>()).results.map(
        (r) => r.id,
      );
    expect(await ids("moderation_reports")).toEqual([`recent-${u}`]);
    expect(await ids("moderation_log")).toEqual([`log-${u}`]);
  });
});
