import { createDb } from "../db/client";
import { authTokens } from "../db/schema/auth";
import { customers, type Jurisdiction, type Locale, MICRO_APPS, microApps } from "../db/schema/customers";
import { roleAssignments, users } from "../db/schema/people";
import { newId, randomToken, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { hashPassword } from "../lib/password";
import { HOUR, isoDay } from "../lib/time";
import { registerApp } from "./directory";

export interface NewCustomer {
  slug: string;
  name: string;
  jurisdiction: Jurisdiction;
  locale: Locale;
  admin: { email: string; name: string };
}

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const DEFAULT_APPS = ["pinboard", "announcements", "service-center", "information", "my-apartment", "my-neighbours"];

/**
 * Onboards a property management company: the customer in its jurisdiction's database, the app slug
 * in the directory, default micro-apps, and the first customer admin. The admin gets no password:
 * the returned one-time link (valid 72 hours) lets them set one.
 */
export async function createCustomer(
  stores: { directory: D1Database; region: D1Database },
  input: NewCustomer,
  origin: string,
  now = new Date(),
) {
  if (!SLUG_RE.test(input.slug))
    throw new AppError("VALIDATION_FAILED", "Slug: lower-case letters, digits and dashes.");
  const db = createDb(stores.region);
  const existing = await db.query.customers.findFirst({ where: (c, { eq }) => eq(c.slug, input.slug) });
  if (existing) throw new AppError("VALIDATION_FAILED", `The slug ${input.slug} is taken.`);
  const customerId = newId();
  const adminId = newId();
  const token = randomToken(32);
  await db.batch([
    db.insert(customers).values({
      id: customerId,
      slug: input.slug,
      name: input.name,
      jurisdiction: input.jurisdiction,
      locale: input.locale,
      allowNeighbourInvites: true,
      createdAt: now,
    }),
    db.insert(microApps).values(
      MICRO_APPS.map((key) => ({
        id: newId(),
        customerId,
        propertyId: null,
        appKey: key,
        enabled: DEFAULT_APPS.includes(key),
        customName: null,
      })),
    ),
    db.insert(users).values({
      id: adminId,
      customerId,
      email: input.admin.email.trim().toLowerCase(),
      name: input.admin.name,
      // Nobody knows this password; the admin sets their own through the link.
      passwordHash: hashPassword(randomToken(32)),
      locale: input.locale,
      status: "pending",
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(roleAssignments).values({
      id: newId(),
      customerId,
      userId: adminId,
      role: "customer_admin",
      scopeType: "customer",
      scopeId: customerId,
      startsOn: isoDay(now),
      endsOn: null,
      createdAt: now,
    }),
    db.insert(authTokens).values({
      id: newId(),
      customerId,
      userId: adminId,
      purpose: "reset-password",
      tokenHash: await sha256Hex(token),
      expiresAt: new Date(now.getTime() + 72 * HOUR),
      createdAt: now,
    }),
  ]);
  // The directory entry comes last: until it exists, no request can reach the half-made customer.
  await registerApp(stores.directory, { slug: input.slug, customerId, jurisdiction: input.jurisdiction }, now);
  return { customerId, adminId, setPasswordLink: `${origin}/reset-password?token=${encodeURIComponent(token)}` };
}
