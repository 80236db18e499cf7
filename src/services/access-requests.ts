import { and, asc, eq, gt, inArray, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Deps } from "../app-env";
import type { Customer, Locale } from "../db/schema/customers";
import { buildings } from "../db/schema/estate";
import { type AccessRequest, accessRequests } from "../db/schema/onboarding";
import { formatCode } from "../lib/codes";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { formatDate } from "../lib/format";
import { DAY, HOUR } from "../lib/time";
import { normaliseEmail } from "./accounts";
import type { Actor } from "./actor";
import { assertJoinable, insertCode, managedTenancy, revokeCode } from "./codes";
import { signupLink } from "./invitations";
import { queueMail } from "./mail";
import * as throttle from "./throttle";

const UNVERIFIED_TTL_MS = 24 * HOUR;
const OPEN_TTL_MS = 30 * DAY;
const DECIDED_TTL_MS = 30 * DAY;
export const REQUESTS_PER_CLIENT: throttle.Limit = { name: "access-request-ip", max: 10, windowMs: HOUR };

/** Public building search by address for the sign-up page (addresses of buildings are not personal). */
export async function searchBuildings(deps: Deps, customerId: string, query: string) {
  const q = `%${query.trim().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const match = (col: SQLiteColumn): SQL => sql`${col} LIKE ${q} ESCAPE '\\'`;
  return deps.db
    .select({
      id: buildings.id,
      name: buildings.name,
      street: buildings.street,
      postalCode: buildings.postalCode,
      city: buildings.city,
    })
    .from(buildings)
    .where(
      and(
        eq(buildings.customerId, customerId),
        or(match(buildings.street), match(buildings.name), match(buildings.city), match(buildings.postalCode)),
      ),
    )
    .orderBy(asc(buildings.street))
    .limit(10);
}

export interface AccessRequestInput {
  buildingId: string;
  unit: string;
  name: string;
  email: string;
  locale?: Locale | undefined;
}

/**
 * Someone without a code asks for access (R-A4). The request reaches the managers only after the
 * e-mail address is confirmed. A building of another customer answers like an unknown one (404).
 */
export async function requestAccess(
  deps: Deps,
  customer: Customer,
  origin: string,
  ip: string,
  input: AccessRequestInput,
) {
  await throttle.consume(deps, REQUESTS_PER_CLIENT, `${customer.id}:${ip}`);
  const email = normaliseEmail(input.email);
  await throttle.consume(deps, throttle.MAIL_PER_ACCOUNT, `${customer.id}:${email}`);
  const building = await deps.db.query.buildings.findFirst({
    where: and(eq(buildings.id, input.buildingId), eq(buildings.customerId, customer.id)),
  });
  if (!building) throw notFound("Building");
  const token = randomToken(32);
  const now = deps.now();
  const locale = input.locale ?? customer.locale;
  await deps.db.insert(accessRequests).values({
    id: newId(),
    customerId: customer.id,
    buildingId: building.id,
    unitText: input.unit,
    name: input.name,
    email,
    locale,
    status: "unverified",
    verifyTokenHash: await sha256Hex(token),
    expiresAt: new Date(now.getTime() + UNVERIFIED_TTL_MS),
    createdAt: now,
  });
  await queueMail(deps, {
    customerId: customer.id,
    userId: null,
    to: email,
    locale,
    template: "access-request-verify",
    vars: {
      app: customer.name,
      name: input.name,
      building: building.name,
      link: `${origin}/access-request?token=${encodeURIComponent(token)}`,
    },
  });
}

/** Confirms the requester's address: the request enters the managers' queue for 30 days. */
export async function verifyAccessRequest(deps: Deps, customerId: string, token: string) {
  const now = deps.now();
  const [row] = await deps.db
    .update(accessRequests)
    .set({ status: "open", verifiedAt: now, verifyTokenHash: null, expiresAt: new Date(now.getTime() + OPEN_TTL_MS) })
    .where(
      and(
        eq(accessRequests.verifyTokenHash, await sha256Hex(token)),
        eq(accessRequests.customerId, customerId),
        eq(accessRequests.status, "unverified"),
        // The link is valid for 24 hours, whether or not the purge has deleted the request yet.
        gt(accessRequests.expiresAt, now),
      ),
    )
    .returning({ id: accessRequests.id, expiresAt: accessRequests.expiresAt });
  if (!row) throw new AppError("TOKEN_INVALID", "This link is invalid, used or expired.");
}

/** The open requests of the buildings the actor manages, oldest first. */
export async function listOpenRequests(deps: Deps, actor: Actor) {
  const ids = [...actor.managedBuildingIds];
  if (ids.length === 0) return [];
  const rows: AccessRequest[] = [];
  for (let i = 0; i < ids.length; i += 90) {
    rows.push(
      ...(await deps.db
        .select()
        .from(accessRequests)
        .where(
          and(
            eq(accessRequests.customerId, actor.customerId),
            eq(accessRequests.status, "open"),
            gt(accessRequests.expiresAt, deps.now()),
            inArray(accessRequests.buildingId, ids.slice(i, i + 90)),
          ),
        )
        .orderBy(asc(accessRequests.createdAt))),
    );
  }
  return rows;
}

async function openRequest(deps: Deps, actor: Actor, requestId: string) {
  const r = await deps.db.query.accessRequests.findFirst({
    where: and(eq(accessRequests.id, requestId), eq(accessRequests.customerId, actor.customerId)),
  });
  // Unverified and expired requests (not yet deleted by the purge) do not exist for managers.
  const gone = !r || r.status === "unverified" || r.expiresAt.getTime() <= deps.now().getTime();
  if (gone || !actor.managedBuildingIds.has(r.buildingId)) throw notFound("Access request");
  if (r.status !== "open") throw new AppError("ALREADY_DECIDED", "This request was already decided.");
  return r;
}

/**
 * Approves a request by choosing the tenancy the person joins (in a building the manager manages):
 * a single-use code for it goes to the requester by e-mail.
 */
export async function approveAccessRequest(
  deps: Deps,
  actor: Actor,
  customer: Customer,
  origin: string,
  requestId: string,
  tenancyId: string,
) {
  const r = await openRequest(deps, actor, requestId);
  const { tenancy } = await managedTenancy(deps, actor, tenancyId);
  assertJoinable(deps, tenancy);
  const code = await insertCode(
    deps,
    actor.customerId,
    [tenancy.id],
    "access-request",
    actor.userId,
    {
      recipientEmail: r.email,
      recipientName: r.name,
    },
    30,
  );
  const now = deps.now();
  const [decided] = await deps.db
    .update(accessRequests)
    .set({
      status: "approved",
      decidedBy: actor.userId,
      decidedAt: now,
      codeId: code.id,
      expiresAt: new Date(now.getTime() + DECIDED_TTL_MS),
    })
    .where(and(eq(accessRequests.id, r.id), eq(accessRequests.status, "open")))
    .returning({ id: accessRequests.id });
  if (!decided) {
    // Another manager decided in the meantime: the code made for this approval must not stay usable.
    await revokeCode(deps, code.id);
    throw new AppError("ALREADY_DECIDED", "This request was already decided.");
  }
  const building = await deps.db.query.buildings.findFirst({ where: eq(buildings.id, r.buildingId) });
  await queueMail(deps, {
    customerId: customer.id,
    userId: null,
    to: r.email,
    locale: r.locale,
    template: "access-request-approved",
    vars: {
      app: customer.name,
      name: r.name,
      building: building?.name ?? "",
      code: formatCode(code.code),
      link: signupLink(origin, code.code),
      expires: formatDate(code.expiresAt, r.locale, customer.jurisdiction),
    },
  });
  return { requestId: r.id, codeId: code.id };
}

/** Rejects a request with a reason that is mailed to the requester. */
export async function rejectAccessRequest(
  deps: Deps,
  actor: Actor,
  customer: Customer,
  requestId: string,
  reason: string,
) {
  const r = await openRequest(deps, actor, requestId);
  const now = deps.now();
  const [decided] = await deps.db
    .update(accessRequests)
    .set({
      status: "rejected",
      decidedBy: actor.userId,
      decidedAt: now,
      decisionReason: reason,
      expiresAt: new Date(now.getTime() + DECIDED_TTL_MS),
    })
    .where(and(eq(accessRequests.id, r.id), eq(accessRequests.status, "open")))
    .returning({ id: accessRequests.id });
  if (!decided) throw new AppError("ALREADY_DECIDED", "This request was already decided.");
  const building = await deps.db.query.buildings.findFirst({ where: eq(buildings.id, r.buildingId) });
  await queueMail(deps, {
    customerId: customer.id,
    userId: null,
    to: r.email,
    locale: r.locale,
    template: "access-request-rejected",
    vars: { app: customer.name, name: r.name, building: building?.name ?? "", reason },
  });
}
