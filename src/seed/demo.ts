import { createDb } from "../db/client";
import { customers, type Jurisdiction, type Locale, MICRO_APPS, microApps } from "../db/schema/customers";
import { buildings, properties, units } from "../db/schema/estate";
import { roleAssignments, tenancies, tenancyMembers, users } from "../db/schema/people";
import { hashPassword } from "../lib/password";
import { registerApp } from "../services/directory";
import { seedDemoApiClients } from "./demo-api-clients";
import { seedDemoTickets } from "./demo-tickets";

/** The password of every demo login (documented in README; development only). */
export const DEMO_PASSWORD = "quartier-demo";

interface DemoCustomer {
  key: string;
  slug: string;
  name: string;
  jurisdiction: Jurisdiction;
  locale: Locale;
  domain: string;
  property: string;
  city: string;
  postalCode: string;
  country: string;
  streets: [string, string];
  residents: { local: string; name: string; building: 0 | 1; unit: number }[];
}

export const DEMO_CUSTOMERS: DemoCustomer[] = [
  {
    key: "ch",
    slug: "demo",
    name: "Demo Immobilien AG",
    jurisdiction: "ch",
    locale: "de",
    domain: "demo.quartier.test",
    property: "Wohnpark Limmat",
    city: "Zürich",
    postalCode: "8005",
    country: "CH",
    streets: ["Limmatstrasse 12", "Limmatstrasse 14"],
    residents: [
      { local: "anna", name: "Anna Keller", building: 0, unit: 1 },
      { local: "beat", name: "Beat Brunner", building: 0, unit: 2 },
      { local: "chiara", name: "Chiara Rossi", building: 1, unit: 1 },
    ],
  },
  {
    key: "eu",
    slug: "demo-eu",
    name: "Demo Wohnen GmbH",
    jurisdiction: "eu",
    locale: "de",
    domain: "demo-eu.quartier.test",
    property: "Quartier am Kanal",
    city: "Berlin",
    postalCode: "10999",
    country: "DE",
    streets: ["Paul-Lincke-Ufer 7", "Paul-Lincke-Ufer 9"],
    residents: [
      { local: "jonas", name: "Jonas Weber", building: 0, unit: 1 },
      { local: "lea", name: "Léa Martin", building: 0, unit: 2 },
      { local: "marco", name: "Marco Bianchi", building: 1, unit: 1 },
    ],
  },
];

const UNITS_PER_BUILDING = 4;
const id = (...parts: (string | number)[]) => `demo-${parts.join("-")}`;

export interface DemoLogin {
  app: string;
  email: string;
  role: string;
}

/**
 * Seeds both demo customers. Idempotent: fixed ids and "insert or ignore", so running it on every
 * `npm start` changes nothing once the data is there (and keeps what people changed).
 */
/** The local databases the seeds write to, received from Node (scripts/seed.ts) or a test. */
export type SeedEnv = { DIRECTORY: D1Database; DB_CH: D1Database; DB_EU: D1Database };

/** The seeds' one chooser of a regional database (the Worker's is src/region.ts). */
export function seedRegionDb(env: SeedEnv, jurisdiction: "ch" | "eu"): D1Database {
  return jurisdiction === "ch" ? env.DB_CH : env.DB_EU;
}

export async function seedDemo(env: SeedEnv, now = new Date()) {
  const logins: DemoLogin[] = [];
  for (const c of DEMO_CUSTOMERS) {
    const db = createDb(seedRegionDb(env, c.jurisdiction));
    const cid = id(c.key);
    const existingUsers = new Set((await db.select({ id: users.id }).from(users)).map((u) => u.id));
    const person = async (key: string, email: string, name: string) => ({
      id: id(c.key, key),
      customerId: cid,
      email,
      name,
      // Hashing is slow on purpose: skip it for accounts that already exist.
      passwordHash: existingUsers.has(id(c.key, key)) ? "" : hashPassword(DEMO_PASSWORD),
      locale: c.locale,
      status: "active" as const,
      emailVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    const staff = [
      await person("admin", `admin@${c.domain}`, c.key === "ch" ? "Sandra Admin" : "Sven Admin"),
      await person("manager", `manager@${c.domain}`, c.key === "ch" ? "Martin Verwalter" : "Mia Verwalterin"),
    ];
    const residents = await Promise.all(c.residents.map((r) => person(r.local, `${r.local}@${c.domain}`, r.name)));
    const everyone = [...staff, ...residents];
    const newUsers = everyone.filter((u) => !existingUsers.has(u.id));
    const day = "2024-01-01";
    const batch = [
      db
        .insert(customers)
        .values({
          id: cid,
          slug: c.slug,
          name: c.name,
          jurisdiction: c.jurisdiction,
          locale: c.locale,
          allowNeighbourInvites: true,
          createdAt: now,
        })
        .onConflictDoNothing(),
      db
        .insert(microApps)
        .values(
          MICRO_APPS.map((k) => ({
            id: id(c.key, "app", k),
            customerId: cid,
            propertyId: null,
            appKey: k,
            enabled: k !== "marketplace" && k !== "sharing",
            customName: k === "pinboard" ? "Schwarzes Brett" : null,
          })),
        )
        .onConflictDoNothing(),
      db
        .insert(properties)
        .values({
          id: id(c.key, "property"),
          customerId: cid,
          name: c.property,
          externalId: `P-${c.key.toUpperCase()}-1`,
          createdAt: now,
        })
        .onConflictDoNothing(),
      db
        .insert(buildings)
        .values(
          c.streets.map((street, b) => ({
            id: id(c.key, "building", b + 1),
            customerId: cid,
            propertyId: id(c.key, "property"),
            name: street,
            street,
            postalCode: c.postalCode,
            city: c.city,
            country: c.country,
            externalId: `B-${c.key.toUpperCase()}-${b + 1}`,
            createdAt: now,
          })),
        )
        .onConflictDoNothing(),
      db
        .insert(units)
        .values(
          c.streets.flatMap((_, b) =>
            Array.from({ length: UNITS_PER_BUILDING }, (_, u) => ({
              id: id(c.key, "unit", b + 1, u + 1),
              customerId: cid,
              buildingId: id(c.key, "building", b + 1),
              name: `${Math.floor(u / 2) + 1}.${(u % 2) + 1}`,
              type: "flat" as const,
              floor: String(Math.floor(u / 2) + 1),
              externalId: null,
              createdAt: now,
            })),
          ),
        )
        .onConflictDoNothing(),
      // Existing accounts conflict and are left as they are (with their real password hash).
      db
        .insert(users)
        .values(newUsers.length ? newUsers : everyone)
        .onConflictDoNothing(),
      db
        .insert(roleAssignments)
        .values([
          {
            id: id(c.key, "role", "admin"),
            customerId: cid,
            userId: id(c.key, "admin"),
            role: "customer_admin" as const,
            scopeType: "customer" as const,
            scopeId: cid,
            startsOn: day,
            endsOn: null,
            createdAt: now,
          },
          {
            id: id(c.key, "role", "manager"),
            customerId: cid,
            userId: id(c.key, "manager"),
            role: "property_manager" as const,
            scopeType: "property" as const,
            scopeId: id(c.key, "property"),
            startsOn: day,
            endsOn: null,
            createdAt: now,
          },
        ])
        .onConflictDoNothing(),
      db
        .insert(tenancies)
        .values(
          c.residents.map((r) => ({
            id: id(c.key, "tenancy", r.local),
            customerId: cid,
            unitId: id(c.key, "unit", r.building + 1, r.unit),
            type: "tenant" as const,
            startsOn: day,
            endsOn: null,
            externalId: null,
            createdAt: now,
          })),
        )
        .onConflictDoNothing(),
      db
        .insert(tenancyMembers)
        .values(
          c.residents.map((r) => ({
            id: id(c.key, "member", r.local),
            customerId: cid,
            tenancyId: id(c.key, "tenancy", r.local),
            userId: id(c.key, r.local),
            createdAt: now,
          })),
        )
        .onConflictDoNothing(),
    ] as const;
    await db.batch(batch);
    await registerApp(env.DIRECTORY, { slug: c.slug, customerId: cid, jurisdiction: c.jurisdiction }, now);
    logins.push({ app: c.slug, email: `admin@${c.domain}`, role: "customer admin" });
    logins.push({ app: c.slug, email: `manager@${c.domain}`, role: "property manager" });
    for (const r of c.residents)
      logins.push({ app: c.slug, email: `${r.local}@${c.domain}`, role: `resident, ${c.streets[r.building]}` });
  }
  // Integrator API (issue 7): documented OAuth2 clients per demo customer.
  await seedDemoApiClients(env, now);
  // Service Center (issue 8): ticket categories and a craftsman company.
  await seedDemoTickets(env, now);
  return logins;
}
