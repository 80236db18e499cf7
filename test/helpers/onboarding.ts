import { expect } from "vitest";
import { createDb } from "../../src/db/client";
import { buildings, properties, units } from "../../src/db/schema/estate";
import { roleAssignments, tenancies, users } from "../../src/db/schema/people";
import { addDays, isoDay } from "../../src/lib/time";
import { forgetCustomer } from "../../src/middleware/resolve-app";
import { freshEmail, freshIp, loginAs, tokenFromMail, verifyEmail } from "./accounts";
import { dbOf, PASSWORD, type World } from "./factories";
import { api } from "./http";

/** Helpers of the onboarding suites: codes, sign-up, extra tenancies and properties, DTO types. */

export const NEW_PASSWORD = "a fresh resident passphrase";

export interface CodeDto {
  id: string;
  code: string;
  permanent: boolean;
  source: string;
  status: "unused" | "sent" | "used" | "expired" | "revoked";
  expiresAt: string;
  sentAt: string | null;
  sendCount: number;
  usedAt: string | null;
  useCount: number;
  recipientEmail: string | null;
  recipientName: string | null;
  externalId: string | null;
  createdAt: string;
}
export interface BuildingCodeDto extends CodeDto {
  unitId: string;
  unitName: string;
  tenancyId: string;
}
export interface Place {
  buildingId: string;
  buildingName: string;
  street: string;
  postalCode: string;
  city: string;
  unitName: string;
}
export interface CodeCheck {
  code: string;
  permanent: boolean;
  expiresAt: string;
  places: Place[];
}
export interface MeDto {
  id: string;
  email: string;
  roles: { admin: boolean; staff: boolean; managedBuildingIds: string[] };
  memberships: { buildingId: string; unitId: string; tenancyId: string; endsOn: string | null }[];
  apps: { key: string; name: string | null }[];
}
export interface BuildingDto {
  id: string;
  name: string;
  street: string;
  city: string;
}

/** Calendar days relative to today (UTC), as tenancy dates are stored. */
export const dayFrom = (days: number) => addDays(isoDay(new Date()), days);

export const session = {
  manager: (w: World) => loginAs(w.slug, w.emails.manager, PASSWORD),
  admin: (w: World) => loginAs(w.slug, w.emails.admin, PASSWORD),
  resident: (w: World) => loginAs(w.slug, w.emails.resident, PASSWORD),
  otherBuilding: (w: World) => loginAs(w.slug, w.emails.otherBuilding, PASSWORD),
};

export async function createCode(w: World, staff: string, tenancyId: string, body: object = {}): Promise<CodeDto> {
  const res = await api(`/api/tenancies/${tenancyId}/codes`, { app: w.slug, session: staff, json: body });
  expect(res.status).toBe(201);
  return (await res.json()) as CodeDto;
}

export async function codesOf(w: World, staff: string, buildingId: string): Promise<BuildingCodeDto[]> {
  const res = await api(`/api/buildings/${buildingId}/codes`, { app: w.slug, session: staff });
  expect(res.status).toBe(200);
  return (await res.json()) as BuildingCodeDto[];
}

export async function statusOf(w: World, staff: string, buildingId: string, codeId: string) {
  return (await codesOf(w, staff, buildingId)).find((c) => c.id === codeId)?.status;
}

export const checkCode = (slug: string, code: string, ip = freshIp()) =>
  api("/api/onboarding/code", { app: slug, json: { code }, headers: { "cf-connecting-ip": ip } });

export interface SignupForm {
  code: string;
  email: string;
  password?: string;
  name?: string;
}

export const signup = (slug: string, f: SignupForm, ip = freshIp()) =>
  api("/api/onboarding/signup", {
    app: slug,
    json: { name: f.name ?? "Nina Neu", email: f.email, password: f.password ?? NEW_PASSWORD, code: f.code },
    headers: { "cf-connecting-ip": ip },
  });

export const redeem = (slug: string, sessionToken: string, code: string, ip = freshIp()) =>
  api("/api/onboarding/redeem", {
    app: slug,
    session: sessionToken,
    json: { code },
    headers: { "cf-connecting-ip": ip },
  });

/** Signs up with a code, confirms the address with the mailed link and logs in. */
export async function signUpAndLogIn(slug: string, code: string, email = freshEmail()) {
  expect((await signup(slug, { code, email })).status).toBe(202);
  const token = await tokenFromMail(slug, email, "verify-email");
  expect((await verifyEmail(slug, token, NEW_PASSWORD)).status).toBe(204);
  return { email, session: await loginAs(slug, email, NEW_PASSWORD) };
}

export async function me(slug: string, sessionToken: string): Promise<MeDto> {
  const res = await api("/api/me", { app: slug, session: sessionToken });
  expect(res.status).toBe(200);
  return (await res.json()) as MeDto;
}

export async function buildingsOf(slug: string, sessionToken: string): Promise<BuildingDto[]> {
  const res = await api("/api/buildings", { app: slug, session: sessionToken });
  expect(res.status).toBe(200);
  return (await res.json()) as BuildingDto[];
}

let seq = 0;
const fresh = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}-${++seq}`;

/** A new unit with one tenancy in building 1 (or 2) of a world; its own unit, so no overlap trigger fires. */
export async function addTenancy(
  w: World,
  o: { building?: 0 | 1; startsOn?: string; endsOn?: string | null; type?: "tenant" | "ownership" | "vacant" } = {},
) {
  const db = createDb(dbOf(w.jurisdiction));
  const now = new Date();
  const unitId = fresh("unit");
  const tenancyId = fresh("ten");
  const unitName = `${(o.building ?? 0) + 1}.${++seq}`;
  await db.batch([
    db.insert(units).values({
      id: unitId,
      customerId: w.customerId,
      buildingId: w.buildingIds[o.building ?? 0],
      name: unitName,
      type: "flat",
      floor: "2",
      externalId: null,
      createdAt: now,
    }),
    db.insert(tenancies).values({
      id: tenancyId,
      customerId: w.customerId,
      unitId,
      type: o.type ?? "tenant",
      startsOn: o.startsOn ?? "2020-01-01",
      endsOn: o.endsOn ?? null,
      externalId: null,
      createdAt: now,
    }),
  ]);
  return { unitId, tenancyId, unitName };
}

/**
 * A second property of the same customer with one building, unit, tenancy and its own manager, who
 * manages nothing of the world's first property.
 */
export async function addProperty(w: World) {
  const db = createDb(dbOf(w.jurisdiction));
  const now = new Date();
  const ids = {
    propertyId: fresh("prop"),
    buildingId: fresh("bld"),
    unitId: fresh("unit"),
    tenancyId: fresh("ten"),
    managerId: fresh("mgr"),
  };
  const managerEmail = `${ids.managerId}@example.test`;
  const first = await db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, w.userIds.manager) });
  await db.batch([
    db
      .insert(properties)
      .values({ id: ids.propertyId, customerId: w.customerId, name: "Other", externalId: null, createdAt: now }),
    db.insert(buildings).values({
      id: ids.buildingId,
      customerId: w.customerId,
      propertyId: ids.propertyId,
      name: `Far Building ${ids.buildingId}`,
      street: "Remote Road 9",
      postalCode: "3000",
      city: "Bern",
      country: "CH",
      externalId: null,
      createdAt: now,
    }),
    db.insert(units).values({
      id: ids.unitId,
      customerId: w.customerId,
      buildingId: ids.buildingId,
      name: "9.1",
      type: "flat",
      floor: "1",
      externalId: null,
      createdAt: now,
    }),
    db.insert(tenancies).values({
      id: ids.tenancyId,
      customerId: w.customerId,
      unitId: ids.unitId,
      type: "tenant",
      startsOn: "2020-01-01",
      endsOn: null,
      externalId: null,
      createdAt: now,
    }),
    db.insert(users).values({
      id: ids.managerId,
      customerId: w.customerId,
      email: managerEmail,
      name: "Far Manager",
      passwordHash: first?.passwordHash ?? "",
      locale: "en",
      status: "active",
      emailVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(roleAssignments).values({
      id: fresh("role"),
      customerId: w.customerId,
      userId: ids.managerId,
      role: "property_manager",
      scopeType: "property",
      scopeId: ids.propertyId,
      startsOn: "2020-01-01",
      endsOn: null,
      createdAt: now,
    }),
  ]);
  return { ...ids, managerEmail, login: () => loginAs(w.slug, managerEmail, PASSWORD) };
}

/**
 * Changes customer settings the API does not expose. Call it before the world's first request: the
 * Worker caches a customer's row for 30 s (the cache of this isolate is dropped too, to be sure).
 */
export async function setCustomer(w: World, patch: { locale?: string; allowNeighbourInvites?: boolean }) {
  const db = dbOf(w.jurisdiction);
  if (patch.locale)
    await db.prepare("UPDATE customers SET locale = ?1 WHERE id = ?2").bind(patch.locale, w.customerId).run();
  if (patch.allowNeighbourInvites !== undefined) {
    await db
      .prepare("UPDATE customers SET allow_neighbour_invites = ?1 WHERE id = ?2")
      .bind(patch.allowNeighbourInvites ? 1 : 0, w.customerId)
      .run();
  }
  forgetCustomer(w.customerId);
}

/** The raw row of a code (use counters the manager's list does not show). */
export async function codeRow(w: World, codeId: string) {
  return dbOf(w.jurisdiction)
    .prepare("SELECT use_count, used_at, revoked_at, send_count FROM activation_codes WHERE id = ?1")
    .bind(codeId)
    .first<{ use_count: number; used_at: number | null; revoked_at: number | null; send_count: number }>();
}

/** Moves a code's expiry into the past. */
export async function expireCode(w: World, codeId: string) {
  await dbOf(w.jurisdiction)
    .prepare("UPDATE activation_codes SET expires_at = ?1 WHERE id = ?2")
    .bind(Date.now() - 1000, codeId)
    .run();
}
