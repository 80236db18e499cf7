import { beforeAll, describe, expect, it } from "vitest";
import { makeWorld, type World } from "../helpers/factories";
import { category, type Sessions, send, sessionsOf } from "../helpers/tickets";

/**
 * Ticket categories in Customer settings (R-M3, issue 8): a retired category leaves the list residents
 * report with, and staff can still list it (`archived=include`) to bring it back.
 */

interface Category {
  id: string;
  name: string;
  deadlineHours: number;
  archived: boolean;
}

let w: World;
let other: World;
let s: Sessions;
let otherAdmin: string;
beforeAll(async () => {
  w = await makeWorld();
  other = await makeWorld();
  s = await sessionsOf(w);
  otherAdmin = (await sessionsOf(other)).admin;
});

const list = (session: string, query = "") =>
  send<Category[]>(w, session, "GET", `/api/ticket-categories${query}`, 200);

describe("retired ticket categories", () => {
  it("leave the default list, are listed for staff with archived=include, and come back when reinstated", async () => {
    const c = await category(w, s.admin, "Lift", 24);
    await send(w, s.admin, "PATCH", `/api/ticket-categories/${c.id}`, 200, { archived: true });

    for (const session of [s.resident, s.manager, s.admin])
      expect((await list(session)).map((x) => x.id)).not.toContain(c.id);
    for (const session of [s.manager, s.admin])
      expect((await list(session, "?archived=include")).find((x) => x.id === c.id)).toMatchObject({
        name: "Lift",
        deadlineHours: 24,
        archived: true,
      });

    await send(w, s.admin, "PATCH", `/api/ticket-categories/${c.id}`, 200, { archived: false });
    expect((await list(s.resident)).find((x) => x.id === c.id)).toMatchObject({ archived: false });
  });

  it("are not listed for residents (403) and never across customers", async () => {
    const c = await category(w, s.admin, "Heating", 48);
    await send(w, s.admin, "PATCH", `/api/ticket-categories/${c.id}`, 200, { archived: true });
    await send(w, s.resident, "GET", "/api/ticket-categories?archived=include", 403);
    await send(w, s.admin, "GET", "/api/ticket-categories?archived=yes", 400);
    const theirs = await send<Category[]>(other, otherAdmin, "GET", "/api/ticket-categories?archived=include", 200);
    expect(theirs.map((x) => x.id)).not.toContain(c.id);
  });
});
