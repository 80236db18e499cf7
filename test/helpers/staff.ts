import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import type { Jurisdiction } from "../../src/db/schema/customers";
import worker from "../../src/index";
import { configFrom } from "../../src/lib/config";
import { regionStores } from "../../src/region";
import type { NotifyIntent } from "../../src/shared/room-rpc";
import { type DevMail, mailsTo } from "./accounts";
import { dbOf, type World } from "./factories";
import { api } from "./http";

/** Helpers of the announcement, moderation and notification suites (issue 4, D1 side). */

export const handler: ExportedHandler<Env> = worker;

export function depsAt(j: Jurisdiction, now: Date | (() => Date) = () => new Date()): Deps {
  const stores = regionStores(env, j);
  return { db: createDb(stores.db), stores, now: typeof now === "function" ? now : () => now, config: configFrom(env) };
}

/** Runs the minute cron at `at` with the given bindings (default: the real ones). */
export async function runMinuteCron(at: Date, bindings: Env = env) {
  const ctx = createExecutionContext();
  await handler.scheduled?.(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

export interface SecondProperty {
  propertyId: string;
  buildingId: string;
  unitId: string;
  managerId: string;
  managerEmail: string;
  residentId: string;
  residentEmail: string;
}

/**
 * A second property of the world's customer with one building, one unit, a resident and a property
 * manager of its own (who manages nothing of the world's first property). Same password as the world.
 */
export async function addProperty(w: World): Promise<SecondProperty> {
  const db = dbOf(w.jurisdiction);
  const u = crypto.randomUUID().slice(0, 8);
  const now = Date.now();
  const hash = await db.prepare("SELECT password_hash AS h FROM users WHERE id = ?").bind(w.userIds.resident).first<{
    h: string;
  }>();
  const p: SecondProperty = {
    propertyId: `prop2-${u}`,
    buildingId: `b3-${u}`,
    unitId: `u3-${u}`,
    managerId: `manager2-${u}`,
    managerEmail: `manager2-${u}@example.test`,
    residentId: `resident3-${u}`,
    residentEmail: `resident3-${u}@example.test`,
  };
  const user = (id: string, email: string) =>
    db
      .prepare(
        "INSERT INTO users (id, customer_id, email, name, password_hash, locale, status, email_verified_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'en', 'active', ?, ?, ?)",
      )
      .bind(id, w.customerId, email, `Person ${id}`, hash?.h ?? "", now, now, now);
  await db.batch([
    db
      .prepare("INSERT INTO properties (id, customer_id, name, created_at) VALUES (?, ?, ?, ?)")
      .bind(p.propertyId, w.customerId, `Property 2 ${u}`, now),
    db
      .prepare(
        "INSERT INTO buildings (id, customer_id, property_id, name, street, postal_code, city, country, created_at) VALUES (?, ?, ?, ?, 'Street 3', '8000', 'Zürich', 'CH', ?)",
      )
      .bind(p.buildingId, w.customerId, p.propertyId, `Building 3 ${u}`, now),
    db
      .prepare(
        "INSERT INTO units (id, customer_id, building_id, name, type, created_at) VALUES (?, ?, ?, '3.1', 'flat', ?)",
      )
      .bind(p.unitId, w.customerId, p.buildingId, now),
    user(p.managerId, p.managerEmail),
    user(p.residentId, p.residentEmail),
    db
      .prepare(
        "INSERT INTO role_assignments (id, customer_id, user_id, role, scope_type, scope_id, starts_on, created_at) VALUES (?, ?, ?, 'property_manager', 'property', ?, '2020-01-01', ?)",
      )
      .bind(`r-m2-${u}`, w.customerId, p.managerId, p.propertyId, now),
    db
      .prepare(
        "INSERT INTO tenancies (id, customer_id, unit_id, type, starts_on, created_at) VALUES (?, ?, ?, 'tenant', '2020-01-01', ?)",
      )
      .bind(`t3-${u}`, w.customerId, p.unitId, now),
    db
      .prepare("INSERT INTO tenancy_members (id, customer_id, tenancy_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(`m3-${u}`, w.customerId, `t3-${u}`, p.residentId, now),
  ]);
  return p;
}

/** Waits for mails to an address (the notify queue's consumer runs after its batch timeout). */
export async function waitForMails(slug: string, to: string, n = 1, timeoutMs = 15_000): Promise<DevMail[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mails = (await mailsTo(slug, to)).filter((m) => m.template.startsWith("notify-"));
    if (mails.length >= n || Date.now() > until) return mails;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const notifyMails = async (slug: string, to: string) =>
  (await mailsTo(slug, to)).filter((m) => m.template.startsWith("notify-"));

/** Sends a JSON request and checks the status. */
export async function call<T>(
  w: World,
  session: string,
  method: string,
  path: string,
  status: number,
  json?: unknown,
): Promise<T> {
  const res = await api(path, { app: w.slug, session, method, ...(json === undefined ? {} : { json }) });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface Counts {
  buildings: number;
  units: number;
  residents: number;
  read: number;
  unitsToAcknowledge: number;
  acknowledged: number;
}
export interface ManagerAnnouncement {
  id: string;
  title: string;
  state: "scheduled" | "published" | "withdrawn";
  publishAt: string;
  publishedAt: string | null;
  counts: Counts;
}
export interface AnnouncementDetail extends ManagerAnnouncement {
  deliveries: { buildingId: string; state: string; attempts: number; lastError: string | null; seq: number | null }[];
}
export interface ResidentAnnouncement {
  id: string;
  title: string;
  authorName: string;
  pinned: boolean;
  readAt: string | null;
  acknowledgedUnitIds: string[];
  unitsToAcknowledge: string[];
}

/** Feeds messages to the Worker's notify-queue consumer, as the platform would. */
export async function consumeNotify(j: Jurisdiction, bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    `quartier-notify-${j}`,
    bodies.map((body, i) => ({ id: `n-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await handler.queue?.(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/** A room's notification intent (no content), with defaults for building 1 of the world. */
export function intent(w: World, over: Partial<NotifyIntent> = {}): NotifyIntent {
  return {
    kind: "room.activity",
    customerId: w.customerId,
    buildingId: w.buildingIds[0],
    category: "messages",
    ref: { type: "dm", id: `dm-${crypto.randomUUID()}` },
    authorId: w.userIds.neighbour,
    recipientIds: [w.userIds.resident],
    connectedUserIds: [],
    at: Date.now(),
    ...over,
  };
}
