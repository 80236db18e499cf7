import { beforeAll, describe, expect, it } from "vitest";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  addFlat,
  category,
  errorCode,
  JPEG,
  PDF,
  report,
  type Sessions,
  send,
  sessionsOf,
  type TicketDto,
  upload,
} from "../helpers/tickets";

/** Service Center (R-M3): residents report with photos, staff answer, notes stay internal. */

let w: World;
let s: Sessions;
let cat: string;
beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
  cat = (await category(w, s.admin)).id;
});

describe("a resident's ticket", () => {
  it("is created with photos for the resident's unit, waiting for the agent, with its history", async () => {
    const photo = await upload(w, s.resident, JPEG, "tap.jpg");
    const t = await report(w, s.resident, cat, { photoIds: [photo.id] });
    expect(t).toMatchObject({ status: "waiting-for-agent", title: "Leaking tap", reporter: null, indicator: null });
    expect(t.photos.map((p) => p.id)).toEqual([photo.id]);
    expect(t.history).toEqual([expect.objectContaining({ kind: "created", to: "waiting-for-agent" })]);
    const row = await dbOf(w.jurisdiction).prepare("SELECT * FROM files WHERE id = ?").bind(photo.id).first();
    expect(row).toMatchObject({
      state: "attached",
      owner_type: "ticket",
      owner_id: t.id,
      subject_id: w.userIds.resident,
    });
    // The photo is now the ticket's: it cannot be attached again.
    const again = await api("/api/tickets", {
      app: w.slug,
      session: s.resident,
      json: { buildingId: w.buildingIds[0], categoryId: cat, title: "x", description: "y", photoIds: [photo.id] },
    });
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe("FILE_NOT_ATTACHABLE");
  });

  it("refuses a unit or building that is not the resident's, another's upload, and PDFs as photos", async () => {
    await send(w, s.resident, "POST", "/api/tickets", 404, {
      buildingId: w.buildingIds[1],
      categoryId: cat,
      title: "x",
      description: "y",
    });
    await send(w, s.resident, "POST", "/api/tickets", 404, {
      buildingId: w.buildingIds[0],
      unitId: w.unitIds[1],
      categoryId: cat,
      title: "x",
      description: "y",
    });
    const theirs = await upload(w, s.neighbour);
    const stolen = await api("/api/tickets", {
      app: w.slug,
      session: s.resident,
      json: { buildingId: w.buildingIds[0], categoryId: cat, title: "x", description: "y", photoIds: [theirs.id] },
    });
    expect(stolen.status).toBe(404);
    const pdf = await upload(w, s.resident, PDF, "a.pdf");
    const notPhoto = await api("/api/tickets", {
      app: w.slug,
      session: s.resident,
      json: { buildingId: w.buildingIds[0], categoryId: cat, title: "x", description: "y", photoIds: [pdf.id] },
    });
    expect(notPhoto.status).toBe(415);
    // Common areas: no unit.
    const common = await report(w, s.resident, cat, { unitId: null, title: "Broken door" });
    expect(common.status).toBe("waiting-for-agent");
  });

  it("is invisible to flatmates, other flats, other buildings and other customers", async () => {
    const t = await report(w, s.resident, cat);
    const photo = await upload(w, s.resident);
    await send(w, s.resident, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "Photo", fileIds: [photo.id] });
    const flat = await addFlat(w);
    const other = await makeWorld();
    const os = await sessionsOf(other);
    for (const who of [s.neighbour, s.otherBuilding, flat.session]) {
      expect((await api(`/api/tickets/${t.id}`, { app: w.slug, session: who })).status).toBe(404);
      expect((await api(`/api/files/${photo.id}/content`, { app: w.slug, session: who })).status).toBe(404);
      const list = await send<{ id: string }[]>(w, who, "GET", "/api/tickets", 200);
      expect(list.map((x) => x.id)).not.toContain(t.id);
      await send(w, who, "POST", `/api/tickets/${t.id}/messages`, 404, { body: "hi" });
    }
    expect((await api(`/api/tickets/${t.id}`, { app: other.slug, session: os.admin })).status).toBe(404);
    expect((await api(`/api/tickets/${t.id}`, { app: w.slug, session: os.admin })).status).toBe(401);
    const queue = await send<{ items: { id: string }[] }>(other, os.admin, "GET", "/api/ticket-queue", 200);
    expect(queue.items).toEqual([]);
    // Residents cannot change tickets or read the queue.
    await send(w, s.resident, "PATCH", `/api/tickets/${t.id}`, 403, { status: "closed" });
    await send(w, s.resident, "GET", "/api/ticket-queue", 403);
  });
});

describe("staff work on a ticket", () => {
  it("reply publicly, note internally (never shown to the resident), and change status with history", async () => {
    const t = await report(w, s.resident, cat);
    const notePhoto = await upload(w, s.manager, JPEG, "meter.jpg");
    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, {
      body: "Internal: tenant caused it?",
      internal: true,
      fileIds: [notePhoto.id],
    });
    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "We send someone on Monday." });
    const updated = await send<TicketDto>(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, {
      status: "waiting-for-customer",
      assigneeId: w.userIds.manager,
    });
    expect(updated).toMatchObject({ status: "waiting-for-customer", assignee: { id: w.userIds.manager } });
    expect(updated.messages.map((m) => m.visibility)).toEqual(["internal", "public"]);
    expect(updated.history.map((h) => h.kind)).toEqual(["created", "status", "assignee"]);

    const mine = await send<TicketDto>(w, s.resident, "GET", `/api/tickets/${t.id}`, 200);
    const text = JSON.stringify(mine);
    expect(text).not.toContain("Internal: tenant caused it?");
    expect(text).not.toContain(notePhoto.id);
    expect(mine.messages).toEqual([
      expect.objectContaining({ body: "We send someone on Monday.", authorKind: "staff" }),
    ]);
    expect(mine.history.map((h) => h.kind)).toEqual(["created", "status"]);
    expect((await api(`/api/files/${notePhoto.id}/content`, { app: w.slug, session: s.resident })).status).toBe(404);
    expect((await api(`/api/files/${notePhoto.id}/content`, { app: w.slug, session: s.manager })).status).toBe(200);
    // Residents cannot write internal notes.
    await send(w, s.resident, "POST", `/api/tickets/${t.id}/messages`, 403, { body: "x", internal: true });
    // The resident's answer puts the ticket back to the agent.
    const back = await send<TicketDto>(w, s.resident, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "Thanks" });
    expect(back.status).toBe("waiting-for-agent");
  });

  it("assigns only colleagues who manage the building", async () => {
    const t = await report(w, s.resident, cat);
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 404, { assigneeId: w.userIds.resident });
    const ok = await send<TicketDto>(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, {
      assigneeId: w.userIds.admin,
    });
    expect(ok.assignee?.id).toBe(w.userIds.admin);
  });

  it("shows the waiting indicator against the category deadline", async () => {
    const fast = (await category(w, s.admin, "Urgent", 1)).id;
    const t = await report(w, s.resident, fast);
    const db = dbOf(w.jurisdiction);
    const view = async () => (await send<TicketDto>(w, s.manager, "GET", `/api/tickets/${t.id}`, 200)).indicator;
    expect(await view()).toBe("green");
    await db
      .prepare("UPDATE tickets SET waiting_since = ? WHERE id = ?")
      .bind(Date.now() - 40 * 60_000, t.id)
      .run();
    expect(await view()).toBe("yellow");
    await db
      .prepare("UPDATE tickets SET waiting_since = ? WHERE id = ?")
      .bind(Date.now() - 61 * 60_000, t.id)
      .run();
    expect(await view()).toBe("red");
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { status: "waiting-for-external" });
    expect(await view()).toBeNull();
  });

  it("takes the resident's feedback once, after closing", async () => {
    const t = await report(w, s.resident, cat);
    const early = await api(`/api/tickets/${t.id}/feedback`, { app: w.slug, session: s.resident, json: { rating: 5 } });
    expect(early.status).toBe(409);
    expect(await errorCode(early)).toBe("TICKET_NOT_CLOSED");
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { status: "closed" });
    const done = await send<TicketDto>(w, s.resident, "POST", `/api/tickets/${t.id}/feedback`, 200, {
      rating: 4,
      comment: "Quick, thanks",
    });
    expect(done.feedback).toMatchObject({ rating: 4, comment: "Quick, thanks" });
    await send(w, s.resident, "POST", `/api/tickets/${t.id}/feedback`, 409, { rating: 1 });
  });
});

describe("GET /api/ticket-queue", () => {
  it("pages through the manager's tickets with a keyset cursor and filters", async () => {
    const q = await makeWorld();
    const qs = await sessionsOf(q);
    const qc = (await category(q, qs.admin)).id;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await report(q, qs.resident, qc, { title: `T${i}` })).id);
    const other = (await report(q, qs.otherBuilding, qc, { buildingId: q.buildingIds[1], unitId: q.unitIds[1] })).id;
    type Page = { items: { id: string; indicator: string | null }[]; nextCursor: string | null };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/ticket-queue?limit=3&buildingId=${q.buildingIds[0]}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page: Page = await send<Page>(q, qs.manager, "GET", path, 200);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    // Every ticket of the building once, in the same order as one big page (newest first; ties by id).
    expect([...seen].sort()).toEqual([...ids].sort());
    const one = await send<Page>(
      q,
      qs.manager,
      "GET",
      `/api/ticket-queue?limit=100&buildingId=${q.buildingIds[0]}`,
      200,
    );
    expect(seen).toEqual(one.items.map((x) => x.id));
    const all = await send<Page>(q, qs.manager, "GET", "/api/ticket-queue?limit=100", 200);
    expect(all.items.map((x) => x.id)).toContain(other);
    expect(all.items.every((x) => x.indicator === "green")).toBe(true);
    await send(q, qs.manager, "PATCH", `/api/tickets/${ids[0]}`, 200, {
      status: "closed",
      assigneeId: q.userIds.manager,
    });
    const closed = await send<Page>(q, qs.manager, "GET", "/api/ticket-queue?status=closed", 200);
    expect(closed.items.map((x) => x.id)).toEqual([ids[0]]);
    const assigned = await send<Page>(q, qs.manager, "GET", "/api/ticket-queue?assignee=me", 200);
    expect(assigned.items.map((x) => x.id)).toEqual([ids[0]]);
    const none = await send<Page>(q, qs.manager, "GET", "/api/ticket-queue?assignee=none&limit=100", 200);
    expect(none.items).toHaveLength(7);
    const old = await send<Page>(q, qs.manager, "GET", "/api/ticket-queue?olderThanHours=1", 200);
    expect(old.items).toEqual([]);
    await send(q, qs.manager, "GET", "/api/ticket-queue?cursor=garbage", 400);
    await send(q, qs.manager, "GET", `/api/ticket-queue?buildingId=${w.buildingIds[0]}`, 404);
  });
});
