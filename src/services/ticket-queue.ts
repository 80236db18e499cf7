import { type SQL, sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { TicketStatus } from "../db/schema/tickets";
import { AppError, notFound } from "../lib/errors";
import { HOUR } from "../lib/time";
import type { Actor } from "./actor";
import { type Indicator, indicatorOf } from "./ticket-view";

export interface QueueFilter {
  status?: TicketStatus | undefined;
  categoryId?: string | undefined;
  buildingId?: string | undefined;
  /** An account id, "me", or "none" (unassigned). */
  assignee?: string | undefined;
  /** Only tickets opened at least this many hours ago. */
  olderThanHours?: number | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface QueueItem {
  id: string;
  buildingId: string;
  unitId: string | null;
  category: { id: string; name: string };
  title: string;
  status: TicketStatus;
  assigneeId: string | null;
  providerId: string | null;
  waitingSince: string | null;
  indicator: Indicator | null;
  createdAt: string;
  updatedAt: string;
}

/** Opaque cursor: the (created_at, id) of the last row of the previous page. */
const encodeCursor = (at: number, id: string) => btoa(JSON.stringify([at, id])).replaceAll("=", "");
function decodeCursor(raw: string): [number, string] {
  try {
    const v: unknown = JSON.parse(atob(raw));
    if (Array.isArray(v) && typeof v[0] === "number" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    // fall through to the envelope below
  }
  throw new AppError("VALIDATION_FAILED", "The cursor is invalid.", [{ path: "cursor", message: "Invalid" }]);
}

type Row = {
  id: string;
  building_id: string;
  unit_id: string | null;
  category_id: string;
  category_name: string;
  deadline_hours: number;
  title: string;
  status: TicketStatus;
  assignee_id: string | null;
  provider_id: string | null;
  waiting_since: number | null;
  created_at: number;
  updated_at: number;
};

/**
 * One page of the manager's queue across their buildings, newest first, with keyset pagination on
 * (created_at, id): a page reads about `limit` index entries however many tickets there are
 * (bench/tickets-queue.mjs measures rows read at 1k and 100k tickets). The scope is a single JSON
 * parameter (json_each), so a manager of hundreds of buildings stays under D1's 100 bound parameters.
 */
export async function queuePage(deps: Deps, a: Actor, f: QueueFilter) {
  if (f.buildingId && !a.managedBuildingIds.has(f.buildingId)) throw notFound("Building");
  const conds: SQL[] = [sql`t.customer_id = ${a.customerId}`];
  if (!a.isAdmin)
    conds.push(sql`t.building_id IN (SELECT value FROM json_each(${JSON.stringify([...a.managedBuildingIds])}))`);
  if (f.status) conds.push(sql`t.status = ${f.status}`);
  if (f.categoryId) conds.push(sql`t.category_id = ${f.categoryId}`);
  if (f.buildingId) conds.push(sql`t.building_id = ${f.buildingId}`);
  if (f.assignee === "none") conds.push(sql`t.assignee_id IS NULL`);
  else if (f.assignee) conds.push(sql`t.assignee_id = ${f.assignee === "me" ? a.userId : f.assignee}`);
  if (f.olderThanHours !== undefined) {
    conds.push(sql`t.created_at <= ${deps.now().getTime() - f.olderThanHours * HOUR}`);
  }
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    conds.push(sql`(t.created_at, t.id) < (${at}, ${id})`);
  }
  const query = sql`SELECT t.id, t.building_id, t.unit_id, t.category_id, c.name AS category_name,
      c.deadline_hours, t.title, t.status, t.assignee_id, t.provider_id, t.waiting_since, t.created_at, t.updated_at
    FROM tickets t JOIN ticket_categories c ON c.id = t.category_id
    WHERE ${sql.join(conds, sql` AND `)}
    ORDER BY t.created_at DESC, t.id DESC LIMIT ${f.limit + 1}`;
  const result = (await deps.db.run(query)) as unknown as D1Result<Row>;
  const rows = result.results;
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  const now = deps.now();
  const items: QueueItem[] = page.map((r) => ({
    id: r.id,
    buildingId: r.building_id,
    unitId: r.unit_id,
    category: { id: r.category_id, name: r.category_name },
    title: r.title,
    status: r.status,
    assigneeId: r.assignee_id,
    providerId: r.provider_id,
    waitingSince: r.waiting_since === null ? null : new Date(r.waiting_since).toISOString(),
    indicator: indicatorOf(r.waiting_since === null ? null : new Date(r.waiting_since), r.deadline_hours, now),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
  return {
    items,
    nextCursor: rows.length > f.limit && last ? encodeCursor(last.created_at, last.id) : null,
    rowsRead: result.meta.rows_read,
  };
}
