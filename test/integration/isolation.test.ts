/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Jurisdiction } from "../../src/db/schema/customers";
import { ALL_JURISDICTIONS, regionStores } from "../../src/region";
import { dbOf, makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, errorOf, sessionFrom } from "../helpers/http";
import { rowsOfCustomer, scanD1, scanR2 } from "../helpers/scan";

// Tenancy and jurisdiction isolation (R-T2): a customer's rows live only in its jurisdiction's
// database, the directory holds no personal data, and no id or session crosses a customer boundary.

let ip = 0;
/** A fresh client address per login, so the per-IP login limit never interferes. */
const nextIp = () => `192.0.2.${++ip}`;

async function loginOn(slug: string, email: string): Promise<string> {
  const res = await api("/api/auth/login", {
    app: slug,
    json: { email, password: PASSWORD },
    headers: { "cf-connecting-ip": nextIp() },
  });
  expect(res.status, `login of ${email} on ${slug}`).toBe(200);
  const token = sessionFrom(res);
  if (!token) throw new Error("no session cookie");
  return token;
}

interface Workload {
  world: World;
  /** Strings that exist only because of this world: ids, e-mails, names, the world's random suffix. */
  needles: string[];
  /** The personal values among them (e-mails, names, user ids). */
  personal: string[];
  sessions: { resident: string; manager: string; admin: string };
}

/** Logins, reads, a tenancy, a rename, a registration and a password reset on one app. */
async function runWorkload(jurisdiction: Jurisdiction): Promise<Workload> {
  const w = await makeWorld({ jurisdiction });
  const suffix = w.customerId.replace(/^cus-/, "");
  expect(suffix).toMatch(/^[0-9a-f]{8}$/);
  const tag = `${jurisdiction}${crypto.randomUUID().slice(0, 8)}`;
  const app = w.slug;

  const sessions = {
    resident: await loginOn(app, w.emails.resident),
    manager: await loginOn(app, w.emails.manager),
    admin: await loginOn(app, w.emails.admin),
  };
  for (const session of Object.values(sessions)) {
    const me = await api("/api/me", { app, session });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { customer: { jurisdiction: string } }).customer.jurisdiction).toBe(jurisdiction);
  }
  const list = await api("/api/buildings", { app, session: sessions.manager });
  expect(list.status).toBe(200);
  expect(((await list.json()) as { id: string }[]).map((b) => b.id).sort()).toEqual([...w.buildingIds].sort());

  const created = await api(`/api/units/${w.unitIds[1]}/tenancies`, {
    app,
    session: sessions.manager,
    json: { type: "tenant", startsOn: "2010-01-01", endsOn: "2015-12-31", externalId: `ext-${tag}` },
  });
  expect(created.status).toBe(201);
  const tenancyId = ((await created.json()) as { id: string }).id;

  const renamed = `Renamed ${tag}`;
  const patch = await api("/api/me", { app, session: sessions.resident, method: "PATCH", json: { name: renamed } });
  expect(patch.status).toBe(200);

  const newcomer = { name: `Newcomer ${tag}`, email: `newcomer-${tag}@example.test` };
  const reg = await api("/api/auth/register", {
    app,
    json: { ...newcomer, password: "a long enough passphrase" },
    headers: { "cf-connecting-ip": nextIp() },
  });
  expect(reg.status).toBe(202);
  const reset = await api("/api/auth/password-reset", {
    app,
    json: { email: w.emails.neighbour },
    headers: { "cf-connecting-ip": nextIp() },
  });
  expect(reset.status).toBe(202);

  const newcomerRow = await dbOf(jurisdiction)
    .prepare("SELECT id FROM users WHERE customer_id = ?1 AND email = ?2")
    .bind(w.customerId, newcomer.email)
    .first<{ id: string }>();
  if (!newcomerRow) throw new Error("registration wrote no user");
  const names = (
    await dbOf(jurisdiction)
      .prepare("SELECT name FROM users WHERE customer_id = ?1")
      .bind(w.customerId)
      .all<{ name: string }>()
  ).results.map((r) => r.name);

  const personal = [
    ...Object.values(w.emails),
    ...Object.values(w.userIds),
    ...names,
    renamed,
    newcomer.name,
    newcomer.email,
    newcomerRow.id,
  ];
  const needles = [
    suffix,
    tag,
    w.slug,
    w.customerId,
    w.propertyId,
    ...w.buildingIds,
    ...w.unitIds,
    ...w.tenancyIds,
    tenancyId,
    ...personal,
  ];
  return { world: w, needles, personal, sessions };
}

describe("jurisdiction isolation under a mixed workload", () => {
  let ch: Workload;
  let eu: Workload;
  beforeAll(async () => {
    ch = await runWorkload("ch");
    eu = await runWorkload("eu");
  });

  it("the workload wrote into its own jurisdiction (positive control of the scans)", async () => {
    for (const [w, db] of [
      [ch, env.DB_CH],
      [eu, env.DB_EU],
    ] as const) {
      const tables = new Set((await rowsOfCustomer(db, w.world.customerId)).map((r) => r.table));
      for (const t of ["customers", "users", "sessions", "tenancies", "auth_tokens", "outbox"]) {
        expect(tables, `${w.world.jurisdiction} ${t}`).toContain(t);
      }
      expect((await scanD1(db, w.needles)).length).toBeGreaterThan(0);
    }
  });

  it("DB_CH holds no row of the eu customer and DB_EU none of the ch customer", async () => {
    expect(await rowsOfCustomer(env.DB_CH, eu.world.customerId)).toEqual([]);
    expect(await rowsOfCustomer(env.DB_EU, ch.world.customerId)).toEqual([]);
  });

  it("no table of one jurisdiction contains any id, e-mail or name of the other's world", async () => {
    expect(await scanD1(env.DB_CH, eu.needles, "DB_CH")).toEqual([]);
    expect(await scanD1(env.DB_EU, ch.needles, "DB_EU")).toEqual([]);
  });

  it("no file of one jurisdiction's bucket mentions the other's world", async () => {
    expect(await scanR2(env.FILES_CH, eu.needles, "FILES_CH")).toEqual([]);
    expect(await scanR2(env.FILES_EU, ch.needles, "FILES_EU")).toEqual([]);
  });

  it("the directory holds no e-mail, name or user id", async () => {
    expect(await scanD1(env.DIRECTORY, [...ch.personal, ...eu.personal], "DIRECTORY")).toEqual([]);
    // It does route both apps (so the scan looked at the right rows).
    const slugs = (await env.DIRECTORY.prepare("SELECT slug FROM apps").all<{ slug: string }>()).results;
    expect(slugs.map((r) => r.slug)).toEqual(expect.arrayContaining([ch.world.slug, eu.world.slug]));
  });

  it("a ch session cookie is worthless on the eu host, and the other way round", async () => {
    const a = await api("/api/me", { app: eu.world.slug, session: ch.sessions.resident });
    expect(a.status).toBe(401);
    expect((await errorOf(a)).code).toBe("UNAUTHENTICATED");
    const b = await api("/api/me", { app: ch.world.slug, session: eu.sessions.admin });
    expect(b.status).toBe(401);
    expect((await errorOf(b)).code).toBe("UNAUTHENTICATED");
  });

  it("a ch manager asking for eu ids on the ch host gets 404, as for ids that do not exist", async () => {
    const app = ch.world.slug;
    const session = ch.sessions.manager;
    const unknown = await api(`/api/buildings/no-such-building-${crypto.randomUUID()}`, { app, session });
    expect(unknown.status).toBe(404);
    const unknownCode = (await errorOf(unknown)).code;
    for (const path of [
      `/api/buildings/${eu.world.buildingIds[0]}`,
      `/api/buildings/${eu.world.buildingIds[0]}/units`,
    ]) {
      const res = await api(path, { app, session });
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe(unknownCode);
    }
    const before = await tenanciesOf(env.DB_EU, eu.world.unitIds[0]);
    const post = await api(`/api/units/${eu.world.unitIds[0]}/tenancies`, {
      app,
      session: ch.sessions.admin,
      json: { type: "vacant", startsOn: "2000-01-01", endsOn: "2000-12-31" },
    });
    expect(post.status).toBe(404);
    expect(await tenanciesOf(env.DB_EU, eu.world.unitIds[0])).toBe(before);
  });

  it("a foreign customer of the same jurisdiction probing a building id gets 404", async () => {
    const other = await makeWorld({ jurisdiction: "ch" });
    const manager = await loginOn(other.slug, other.emails.manager);
    const admin = await loginOn(other.slug, other.emails.admin);
    for (const session of [manager, admin]) {
      for (const path of [
        `/api/buildings/${ch.world.buildingIds[0]}`,
        `/api/buildings/${ch.world.buildingIds[0]}/units`,
        `/api/units/${ch.world.unitIds[0]}/tenancies`,
      ]) {
        const res = await api(path, { app: other.slug, session });
        expect(res.status, path).toBe(404);
        expect((await errorOf(res)).code).toBe("NOT_FOUND");
      }
      const list = await api("/api/buildings", { app: other.slug, session });
      expect(((await list.json()) as { id: string }[]).map((b) => b.id).sort()).toEqual([...other.buildingIds].sort());
    }
    // The session of one ch customer is not a session of another ch customer either.
    const cross = await api("/api/me", { app: other.slug, session: ch.sessions.admin });
    expect(cross.status).toBe(401);
  });
});

async function tenanciesOf(db: D1Database, unitId: string) {
  const row = await db
    .prepare("SELECT count(*) AS n FROM tenancies WHERE unit_id = ?1")
    .bind(unitId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("the region adapter is the only place that chooses storage", () => {
  it("maps each jurisdiction to its own bindings", () => {
    const ch = regionStores(env, "ch");
    const eu = regionStores(env, "eu");
    expect(ch.db).toBe(env.DB_CH);
    expect(eu.db).toBe(env.DB_EU);
    expect(ch.files).toBe(env.FILES_CH);
    expect(eu.files).toBe(env.FILES_EU);
    expect(ch.accessLog).toBe(env.ACCESS_LOG_CH);
    expect(eu.accessLog).toBe(env.ACCESS_LOG_EU);
    expect([ch.jurisdiction, eu.jurisdiction]).toEqual(["ch", "eu"]);
    expect(ALL_JURISDICTIONS).toEqual(["ch", "eu"]);
    // workerd has no storage jurisdictions: development emulates them with the plain namespace.
    expect(ch.rooms()).toBe(env.BUILDING_ROOM);
    expect(eu.rooms()).toBe(env.BUILDING_ROOM);
  });

  it("no source file but src/region.ts names a regional binding", () => {
    const sources = {
      ...import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }),
      ...import.meta.glob<string>("../../durable-objects/**/*.ts", { query: "?raw", import: "default", eager: true }),
    };
    const files = Object.keys(sources);
    expect(files).toContain("../../src/region.ts");
    expect(files.length).toBeGreaterThan(20);

    const BINDINGS = ["DB_CH", "DB_EU", "FILES_CH", "FILES_EU", "ACCESS_LOG_CH", "ACCESS_LOG_EU", "BUILDING_ROOM"];
    const ALLOWED: Record<string, { names: string[]; why: string }> = {
      "../../src/region.ts": { names: BINDINGS, why: "the region adapter itself" },
      "../../src/seed/demo.ts": {
        names: ["DB_CH", "DB_EU"],
        why: "runs from Node (scripts/seed.ts) against the local databases, which it receives as its env argument",
      },
    };
    const pattern = new RegExp(`\\b(${BINDINGS.join("|")})\\b`, "g");
    const offenders: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      const allowed = ALLOWED[file]?.names ?? [];
      for (const m of text.matchAll(pattern)) {
        if (!allowed.includes(m[1] ?? "")) {
          const line = text.slice(0, m.index).split("\n").length;
          offenders.push(`${file.replace("../../", "")}:${line} ${m[1]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
