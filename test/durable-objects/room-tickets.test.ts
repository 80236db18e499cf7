import { beforeAll, describe, expect, it } from "vitest";
import type { ServerMessage } from "../../src/shared/protocol";
import { makeWorld, type World } from "../helpers/factories";
import { category, report, type Sessions, send, sessionsOf } from "../helpers/tickets";
import { joinRoom, pause, roomStub } from "../helpers/ws";

/** Live ticket updates (R-M3) through the building room: reporter and staff only; notes staff only. */

type TicketFrame = Extract<ServerMessage, { type: "ticket" }>;
const isTicket = (m: ServerMessage): m is TicketFrame => m.type === "ticket";
const ticketFrames = (c: { log: ServerMessage[] }) => c.log.filter(isTicket);

let w: World;
let s: Sessions;
let cat: string;
beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
  cat = (await category(w, s.admin)).id;
});

describe("ticket events in the building room", () => {
  it("reach the reporter live (status, public replies) but never internal notes; flatmates get nothing", async () => {
    const resident = await joinRoom(w, "resident", { session: s.resident });
    const flatmate = await joinRoom(w, "neighbour", { session: s.neighbour });
    const staff = await joinRoom(w, "manager", { session: s.manager });
    const t = await report(w, s.resident, cat);
    const created = await staff.take(isTicket);
    expect(created.event).toMatchObject({ kind: "ticket.created", ticketId: t.id, status: "waiting-for-agent" });

    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "Secret note", internal: true });
    const note = await staff.take((m): m is TicketFrame => isTicket(m) && m.event.kind === "ticket.message");
    expect(note.event.message).toMatchObject({ visibility: "internal", body: "Secret note" });

    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { status: "waiting-for-external" });
    const status = await resident.take(
      (m): m is TicketFrame => isTicket(m) && m.event.kind === "ticket.updated" && m.event.ticketId === t.id,
    );
    expect(status.event.status).toBe("waiting-for-external");

    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "Craftsman comes Monday" });
    const reply = await resident.take(
      (m): m is TicketFrame => isTicket(m) && m.event.kind === "ticket.message" && m.event.ticketId === t.id,
    );
    expect(reply.event.message).toMatchObject({
      visibility: "public",
      body: "Craftsman comes Monday",
      authorKind: "staff",
    });

    await pause(200);
    const seenByResident = JSON.stringify(resident.log);
    expect(seenByResident).not.toContain("Secret note");
    expect(ticketFrames(resident).every((f) => f.event.message?.visibility !== "internal")).toBe(true);
    expect(ticketFrames(flatmate)).toEqual([]);
    expect(JSON.stringify(staff.log)).toContain("Secret note");
  });

  it("never sends an internal note to a resident, whatever audience the caller names", async () => {
    const resident = await joinRoom(w, "resident", { session: s.resident });
    const staff = await joinRoom(w, "manager", { session: s.manager });
    const sent = await roomStub(w).ticketEvent(
      {
        kind: "ticket.message",
        ticketId: "t-x",
        status: "waiting-for-agent",
        updatedAt: new Date().toISOString(),
        message: {
          id: "m-x",
          authorKind: "staff",
          authorName: "M",
          visibility: "internal",
          body: "Only staff",
          createdAt: new Date().toISOString(),
          fileIds: [],
        },
      },
      { userIds: [w.userIds.resident], staff: true },
    );
    // Staff connections only (the first test's manager connection is still open too).
    expect(sent).toBeGreaterThanOrEqual(1);
    await staff.take(isTicket);
    await pause(100);
    expect(ticketFrames(resident)).toEqual([]);
  });

  it("does not reach residents of another building's room", async () => {
    const elsewhere = await joinRoom(w, "otherBuilding", { session: s.otherBuilding, buildingId: w.buildingIds[1] });
    const t = await report(w, s.resident, cat);
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { status: "closed" });
    await pause(200);
    expect(ticketFrames(elsewhere)).toEqual([]);
  });
});
