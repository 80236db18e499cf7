import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { like } from "drizzle-orm";
import { getPlatformProxy } from "wrangler";
import { createDb } from "../../src/db/client";
import { sessions } from "../../src/db/schema/auth";
import { buildings, units } from "../../src/db/schema/estate";
import { tenancies, tenancyMembers, users } from "../../src/db/schema/people";

/**
 * Seeds `count` residents of one bench building of the `demo` customer (jurisdiction ch) into a
 * bench's own local state, each with a fresh login session, without N argon2 logins: the session
 * rows are written directly (token hash only, as the app stores them) and the raw tokens go to
 * `out`, for the bench to send as `__Host-quartier_session` cookies. Run after `bench/lib/seed.ts`
 * (the demo customer and property must exist). Idempotent for the accounts; sessions are replaced.
 *
 *   tsx bench/lib/seed-members.ts <persist-dir>/v3 <count> <out.json>
 */
const [target, countArg, out] = process.argv.slice(2);
const count = Number(countArg);
if (!target || !out || !Number.isInteger(count) || count < 1) {
  throw new Error("usage: tsx bench/lib/seed-members.ts <persist-dir>/v3 <count> <out.json>");
}

const BENCH_BUILDING = "bench-ch-building";
const CUSTOMER = "demo-ch";
const PROPERTY = "demo-ch-property";
const UNIT = "bench-ch-unit";
const TENANCY = "bench-ch-tenancy";

// D1 binds at most 100 parameters per statement: insert in chunks that stay below that.
function chunks<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(100 / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: resolve(target) } });
try {
  const db = createDb(proxy.env.DB_CH);
  const now = new Date();
  const people = Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, "0");
    return { id: `bench-user-${n}`, n, token: randomBytes(32).toString("base64url") };
  });
  await db.batch([
    db
      .insert(buildings)
      .values({
        id: BENCH_BUILDING,
        customerId: CUSTOMER,
        propertyId: PROPERTY,
        name: "Benchstrasse 1",
        street: "Benchstrasse 1",
        postalCode: "8005",
        city: "Zürich",
        country: "CH",
        externalId: "B-BENCH-1",
        createdAt: now,
      })
      .onConflictDoNothing(),
    db
      .insert(units)
      .values({
        id: UNIT,
        customerId: CUSTOMER,
        buildingId: BENCH_BUILDING,
        name: "1.1",
        type: "flat",
        floor: "1",
        externalId: null,
        createdAt: now,
      })
      .onConflictDoNothing(),
    // One shared tenancy (flatmates): tenant periods of one unit may not overlap.
    db
      .insert(tenancies)
      .values({
        id: TENANCY,
        customerId: CUSTOMER,
        unitId: UNIT,
        type: "tenant",
        startsOn: "2024-01-01",
        endsOn: null,
        externalId: null,
        createdAt: now,
      })
      .onConflictDoNothing(),
    db.delete(sessions).where(like(sessions.userId, "bench-user-%")),
  ]);
  const userRows = people.map((p) => ({
    id: p.id,
    customerId: CUSTOMER,
    email: `bench-${p.n}@bench.quartier.test`,
    name: `Bench ${p.n}`,
    passwordHash: "!", // no password login: these accounts only use the sessions below
    locale: "de" as const,
    status: "active" as const,
    emailVerifiedAt: now,
    createdAt: now,
    updatedAt: now,
  }));
  const memberRows = people.map((p) => ({
    id: `bench-member-${p.n}`,
    customerId: CUSTOMER,
    tenancyId: TENANCY,
    userId: p.id,
    createdAt: now,
  }));
  const sessionRows = people.map((p) => ({
    id: `bench-session-${p.n}-${now.getTime()}`,
    customerId: CUSTOMER,
    userId: p.id,
    tokenHash: createHash("sha256").update(p.token).digest("hex"),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + 7 * 86_400_000),
  }));
  const statements = [
    ...chunks(userRows, 10).map((rows) => db.insert(users).values(rows).onConflictDoNothing()),
    ...chunks(memberRows, 5).map((rows) => db.insert(tenancyMembers).values(rows).onConflictDoNothing()),
    ...chunks(sessionRows, 7).map((rows) => db.insert(sessions).values(rows)),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
  writeFileSync(
    out,
    `${JSON.stringify({ buildingId: BENCH_BUILDING, members: people.map((p) => ({ userId: p.id, token: p.token })) })}\n`,
  );
  console.log(JSON.stringify({ seededMembers: count, building: BENCH_BUILDING, persist: resolve(target) }));
} finally {
  await proxy.dispose();
}
