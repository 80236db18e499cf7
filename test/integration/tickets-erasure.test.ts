import { describe, expect, it } from "vitest";
import { d1PersonalDataStore } from "../../src/privacy/stores";
import {
  eraseSubjectFiles,
  purgeFiles,
  readSubjectFile,
  subjectFiles,
  uploadedFileSource,
} from "../../src/services/files";
import { dbOf, makeWorld } from "../helpers/factories";
import { depsAt } from "../helpers/staff";
import { category, JPEG, report, send, sessionsOf, storedObjects, upload } from "../helpers/tickets";

/**
 * Erasure of a ticket's reporter (R-P4, decision 0021): the repair record stays for the landlord, the
 * person's identity goes with their anonymised account, the free text they wrote is redacted and the
 * photos they provided are deleted from R2. Export (R-P2) reaches their tickets, messages and files.
 */
describe("erasing a ticket's reporter", () => {
  it("keeps the repair record, redacts their text, deletes their photos, leaves staff text alone", async () => {
    const w = await makeWorld();
    const s = await sessionsOf(w);
    const cat = (await category(w, s.admin)).id;
    const photo = await upload(w, s.resident, JPEG, "my-kitchen.jpg");
    const t = await report(w, s.resident, cat, {
      title: "Mould behind the bed of Anna Muster",
      description: "Room of my daughter",
      photoIds: [photo.id],
    });
    await send(w, s.resident, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "I am home after 5" });
    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "We will come on Monday" });
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { status: "closed" });
    await send(w, s.resident, "POST", `/api/tickets/${t.id}/feedback`, 200, { rating: 5, comment: "Thanks Anna" });
    const pending = await upload(w, s.resident, JPEG, "never-used.jpg");

    const deps = depsAt(w.jurisdiction);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: w.jurisdiction };
    // Export first: the person's tickets, messages and files (rows), and the file bytes.
    const exported = await d1PersonalDataStore(dbOf(w.jurisdiction), w.jurisdiction).exportPerson(subject);
    expect(exported.tables.tickets?.map((r) => r.title)).toEqual(["Mould behind the bed of Anna Muster"]);
    expect(exported.tables.ticket_messages?.map((r) => r.body)).toEqual(["I am home after 5"]);
    const files = await subjectFiles(deps, subject);
    expect(files.map((f) => f.id).sort()).toEqual([photo.id, pending.id].sort());
    expect(new Uint8Array((await readSubjectFile(deps, subject, photo.id)) ?? new ArrayBuffer(0))).toEqual(JPEG);
    expect(await storedObjects(w)).toHaveLength(2);

    const erased = await d1PersonalDataStore(dbOf(w.jurisdiction), w.jurisdiction).erasePerson(subject);
    expect(erased.rowsAnonymised).toBeGreaterThan(0);
    const db = dbOf(w.jurisdiction);
    const row = await db.prepare("SELECT * FROM tickets WHERE id = ?").bind(t.id).first();
    expect(row).toMatchObject({
      title: "[erased]",
      description: "[erased]",
      feedback_comment: "[erased]",
      feedback_rating: 5,
      status: "closed",
      category_id: cat,
      unit_id: w.unitIds[0],
      reporter_id: w.userIds.resident,
    });
    const { results: messages } = await db
      .prepare("SELECT body FROM ticket_messages WHERE ticket_id = ? ORDER BY created_at")
      .bind(t.id)
      .all();
    expect(messages.map((m) => m.body)).toEqual(["[erased]", "We will come on Monday"]);
    const user = await db
      .prepare("SELECT name, email, status FROM users WHERE id = ?")
      .bind(w.userIds.resident)
      .first();
    expect(user?.status).toBe("erased");
    // The data map marked their files erased; the objects go with the files service (or the purge).
    const { results: fileRows } = await db
      .prepare("SELECT state, name FROM files WHERE subject_id = ?")
      .bind(w.userIds.resident)
      .all();
    expect(fileRows.every((f) => f.state === "erased" && f.name !== "my-kitchen.jpg")).toBe(true);
    expect(await purgeFiles(deps, new Date())).toBe(2);
    expect(await storedObjects(w)).toEqual([]);
    expect(await eraseSubjectFiles(deps, subject)).toBe(0);
    // Repeating erasure changes nothing more and fails nowhere.
    await d1PersonalDataStore(db, w.jurisdiction).erasePerson(subject);
    const history = await db.prepare("SELECT count(*) AS n FROM ticket_events WHERE ticket_id = ?").bind(t.id).first();
    expect(history?.n).toBe(3);
  });

  it("deletes the person's objects at once through eraseSubjectFiles (for the erasure job)", async () => {
    const w = await makeWorld();
    const s = await sessionsOf(w);
    await upload(w, s.resident);
    await upload(w, s.neighbour);
    const deps = depsAt(w.jurisdiction);
    const subject = { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: w.jurisdiction };
    // The erasure job's file source lists the same keys that eraseSubjectFiles deletes.
    expect(await uploadedFileSource.keys(deps.db, subject)).toHaveLength(1);
    expect(await eraseSubjectFiles(deps, subject)).toBe(1);
    expect(await uploadedFileSource.keys(deps.db, subject)).toEqual([]);
    expect(await storedObjects(w)).toHaveLength(1);
    expect(await subjectFiles(deps, subject)).toEqual([]);
    expect(await subjectFiles(deps, { ...subject, userId: w.userIds.neighbour })).toHaveLength(1);
  });

  it("purges uploads nobody attached within a day", async () => {
    const w = await makeWorld();
    const s = await sessionsOf(w);
    await upload(w, s.resident);
    const deps = depsAt(w.jurisdiction);
    expect(await purgeFiles(deps, new Date())).toBe(0);
    // The purge runs over the whole jurisdiction (earlier tests of this file left uploads too).
    expect(await purgeFiles(deps, new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThanOrEqual(1);
    expect(await storedObjects(w)).toEqual([]);
    const n = await dbOf(w.jurisdiction)
      .prepare("SELECT count(*) AS n FROM files WHERE customer_id = ?")
      .bind(w.customerId)
      .first();
    expect(n?.n).toBe(0);
  });
});
