import { describe, expect, it } from "vitest";
import { dsrDueAt } from "../../src/privacy/deadline";

// R-P15: the due date of a data subject request — EU one month (clamped to the month's end), CH 30 days.
describe("dsrDueAt", () => {
  const cases: [string, "ch" | "eu", string][] = [
    ["2026-01-15T10:00:00.000Z", "eu", "2026-02-15T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", "eu", "2026-02-28T10:00:00.000Z"],
    ["2028-01-31T10:00:00.000Z", "eu", "2028-02-29T10:00:00.000Z"],
    ["2026-03-31T23:30:00.000Z", "eu", "2026-04-30T23:30:00.000Z"],
    ["2026-12-31T08:00:00.000Z", "eu", "2027-01-31T08:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", "ch", "2026-03-02T10:00:00.000Z"],
    ["2026-12-15T00:00:00.000Z", "ch", "2027-01-14T00:00:00.000Z"],
  ];
  for (const [received, j, due] of cases) {
    it(`${j}: received ${received} is due ${due}`, () => {
      expect(dsrDueAt(new Date(received), j).toISOString()).toBe(due);
    });
  }
});
