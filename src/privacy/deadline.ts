import type { Jurisdiction } from "../db/schema/customers";

const DAY_MS = 86_400_000;

/**
 * When the answer to a data subject request is due (R-P15). EU (GDPR Art. 12(3)): one month — the
 * same day of the next month, or its last day when that month is shorter (31 January → 28/29
 * February). Switzerland (DSV Art. 18): 30 days. The time of day is kept.
 */
export function dsrDueAt(receivedAt: Date, jurisdiction: Jurisdiction): Date {
  if (jurisdiction === "ch") return new Date(receivedAt.getTime() + 30 * DAY_MS);
  const y = receivedAt.getUTCFullYear();
  const m = receivedAt.getUTCMonth();
  const lastDay = new Date(Date.UTC(y, m + 2, 0)).getUTCDate();
  const due = new Date(receivedAt.getTime());
  due.setUTCDate(1);
  due.setUTCMonth(m + 1);
  due.setUTCDate(Math.min(receivedAt.getUTCDate(), lastDay));
  return due;
}
