import { env } from "cloudflare:workers";
import { createDb } from "../../src/db/client";
import { customers, type Jurisdiction, microApps } from "../../src/db/schema/customers";
import { buildings, properties, units } from "../../src/db/schema/estate";
import { roleAssignments, tenancies, tenancyMembers, users } from "../../src/db/schema/people";
import { hashPassword } from "../../src/lib/password";
import { registerApp } from "../../src/services/directory";

export const PASSWORD = "correct horse battery staple";
let hash: string | undefined;
/** argon2id is slow on purpose (~0.2 s); one real hash per test file is shared by its accounts. */
const passwordHash = () => (hash ??= hashPassword(PASSWORD));

export const dbOf = (j: Jurisdiction) => (j === "ch" ? env.DB_CH : env.DB_EU);

export interface World {
  slug: string;
  customerId: string;
  jurisdiction: Jurisdiction;
  propertyId: string;
  buildingIds: [string, string];
  unitIds: [string, string];
  tenancyIds: [string, string];
  emails: { admin: string; manager: string; resident: string; neighbour: string; otherBuilding: string };
  userIds: { admin: string; manager: string; resident: string; neighbour: string; otherBuilding: string };
}

/**
 * A customer with one property, two buildings (one unit each with a tenancy), an admin, a property
 * manager, two residents of building 1 and one of building 2. Every id is fresh, so files never share
 * state by accident.
 */
export async function makeWorld(
  opts: { jurisdiction?: Jurisdiction; slug?: string; tenancy?: { startsOn: string; endsOn: string | null } } = {},
): Promise<World> {
  const jurisdiction = opts.jurisdiction ?? "ch";
  const u = crypto.randomUUID().slice(0, 8);
  const slug = opts.slug ?? `t-${u}`;
  const db = createDb(dbOf(jurisdiction));
  const now = new Date();
  const n = (p: string) => `${p}-${u}`;
  const customerId = n("cus");
  const w: World = {
    slug,
    customerId,
    jurisdiction,
    propertyId: n("prop"),
    buildingIds: [n("b1"), n("b2")],
    unitIds: [n("u1"), n("u2")],
    tenancyIds: [n("t1"), n("t2")],
    emails: {
      admin: `admin-${u}@example.test`,
      manager: `manager-${u}@example.test`,
      resident: `resident-${u}@example.test`,
      neighbour: `neighbour-${u}@example.test`,
      otherBuilding: `other-${u}@example.test`,
    },
    userIds: {
      admin: n("admin"),
      manager: n("manager"),
      resident: n("resident"),
      neighbour: n("neighbour"),
      otherBuilding: n("other"),
    },
  };
  const person = (key: keyof World["userIds"]) => ({
    id: w.userIds[key],
    customerId,
    email: w.emails[key],
    name: `Person ${key} ${u}`,
    passwordHash: passwordHash(),
    locale: "en" as const,
    status: "active" as const,
    emailVerifiedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  const t = opts.tenancy ?? { startsOn: "2020-01-01", endsOn: null };
  await db.batch([
    db.insert(customers).values({
      id: customerId,
      slug,
      name: `Customer ${u}`,
      jurisdiction,
      locale: "de",
      allowNeighbourInvites: true,
      createdAt: now,
    }),
    db
      .insert(microApps)
      .values({ id: n("app"), customerId, propertyId: null, appKey: "pinboard", enabled: true, customName: "Board" }),
    db
      .insert(properties)
      .values({ id: w.propertyId, customerId, name: `Property ${u}`, externalId: null, createdAt: now }),
    db.insert(buildings).values(
      w.buildingIds.map((id, i) => ({
        id,
        customerId,
        propertyId: w.propertyId,
        name: `Building ${i + 1} ${u}`,
        street: `Street ${i + 1}`,
        postalCode: "8000",
        city: "Zürich",
        country: "CH",
        externalId: null,
        createdAt: now,
      })),
    ),
    db.insert(units).values(
      w.unitIds.map((id, i) => ({
        id,
        customerId,
        buildingId: w.buildingIds[i] as string,
        name: `${i + 1}.1`,
        type: "flat" as const,
        floor: "1",
        externalId: null,
        createdAt: now,
      })),
    ),
    db.insert(users).values((["admin", "manager", "resident", "neighbour", "otherBuilding"] as const).map(person)),
    db.insert(roleAssignments).values([
      {
        id: n("r-admin"),
        customerId,
        userId: w.userIds.admin,
        role: "customer_admin",
        scopeType: "customer",
        scopeId: customerId,
        startsOn: "2020-01-01",
        endsOn: null,
        createdAt: now,
      },
      {
        id: n("r-manager"),
        customerId,
        userId: w.userIds.manager,
        role: "property_manager",
        scopeType: "property",
        scopeId: w.propertyId,
        startsOn: "2020-01-01",
        endsOn: null,
        createdAt: now,
      },
    ]),
    db.insert(tenancies).values(
      w.tenancyIds.map((id, i) => ({
        id,
        customerId,
        unitId: w.unitIds[i] as string,
        type: "tenant" as const,
        startsOn: t.startsOn,
        endsOn: t.endsOn,
        externalId: null,
        createdAt: now,
      })),
    ),
    db.insert(tenancyMembers).values([
      { id: n("m1"), customerId, tenancyId: w.tenancyIds[0], userId: w.userIds.resident, createdAt: now },
      { id: n("m2"), customerId, tenancyId: w.tenancyIds[0], userId: w.userIds.neighbour, createdAt: now },
      { id: n("m3"), customerId, tenancyId: w.tenancyIds[1], userId: w.userIds.otherBuilding, createdAt: now },
    ]),
  ]);
  await registerApp(env.DIRECTORY, { slug, customerId, jurisdiction }, now);
  return w;
}
