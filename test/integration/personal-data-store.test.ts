import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { d1PersonalDataStore, type Subject } from "../../src/privacy/stores";
import { dbOf, makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, errorOf, sessionFrom } from "../helpers/http";
import { dumpD1, scanD1, scanR2 } from "../helpers/scan";

// The D1 store of the PersonalDataStore interface (design.md "Privacy by construction"): export
// returns the subject's rows and nobody else's; erasure keeps ids, randomises identifying values,
// deletes what is the person's alone, ends sessions, is idempotent and leaves no canary anywhere.

let ipCounter = 0;
const nextIp = () => `198.51.100.${++ipCounter}`;

async function loginRes(slug: string, email: string, password = PASSWORD) {
  return api("/api/auth/login", { app: slug, json: { email, password }, headers: { "cf-connecting-ip": nextIp() } });
}

async function loginAs(slug: string, email: string) {
  const res = await loginRes(slug, email);
  expect(res.status, `login ${email}`).toBe(200);
  const token = sessionFrom(res);
  if (!token) throw new Error("no session cookie");
  return token;
}

interface Scene {
  w: World;
  subject: Subject;
  canary: { email: string; name: string };
  neighbour: { email: string; name: string };
  sessions: { subject: string; neighbour: string };
}

/**
 * The resident gets canary values and leaves traces everywhere the API writes today: sessions,
 * reset tokens, outbox mails (a reset and an "account exists" mail), throttle counters. The
 * neighbour (same tenancy) does the same with ordinary values.
 */
async function scene(): Promise<Scene> {
  const w = await makeWorld({ jurisdiction: "ch" });
  const u = crypto.randomUUID().slice(0, 8);
  const canary = { email: `canary-${u}@example.test`, name: `Zebulon Canary${u}` };
  await dbOf("ch")
    .prepare("UPDATE users SET email = ?1, name = ?2 WHERE id = ?3")
    .bind(canary.email, canary.name, w.userIds.resident)
    .run();
  const sessions = {
    subject: await loginAs(w.slug, canary.email),
    neighbour: await loginAs(w.slug, w.emails.neighbour),
  };
  await loginAs(w.slug, canary.email); // a second session
  for (const email of [canary.email, w.emails.neighbour]) {
    const reset = await api("/api/auth/password-reset", {
      app: w.slug,
      json: { email },
      headers: { "cf-connecting-ip": nextIp() },
    });
    expect(reset.status).toBe(202);
  }
  const again = await api("/api/auth/register", {
    app: w.slug,
    json: { name: "Someone Else", email: canary.email, password: "another long passphrase" },
    headers: { "cf-connecting-ip": nextIp() },
  });
  expect(again.status).toBe(202);
  const neighbourName = await dbOf("ch")
    .prepare("SELECT name FROM users WHERE id = ?1")
    .bind(w.userIds.neighbour)
    .first<{ name: string }>();
  return {
    w,
    subject: { customerId: w.customerId, userId: w.userIds.resident, jurisdiction: "ch" },
    canary,
    neighbour: { email: w.emails.neighbour, name: neighbourName?.name ?? "" },
    sessions,
  };
}

const store = () => d1PersonalDataStore(env.DB_CH, "ch");

async function userRow(id: string) {
  return dbOf("ch").prepare("SELECT * FROM users WHERE id = ?1").bind(id).first<{
    id: string;
    email: string;
    name: string;
    status: string;
    password_hash: string;
    email_verified_at: number | null;
  }>();
}

async function count(table: string, column: string, value: string) {
  const r = await dbOf("ch")
    .prepare(`SELECT count(*) AS n FROM "${table}" WHERE "${column}" = ?1`)
    .bind(value)
    .first<{ n: number }>();
  return r?.n ?? 0;
}

async function foreignKeyProblems() {
  const out: unknown[] = [];
  for (const db of [env.DB_CH, env.DB_EU]) out.push(...(await db.prepare("PRAGMA foreign_key_check").all()).results);
  return out;
}

/** Every row that does not mention the subject: erasure must leave all of them exactly as they were. */
async function othersRows(userId: string) {
  return (await dumpD1(env.DB_CH))
    .map((r) => JSON.stringify([r.table, r.row]))
    .filter((s) => !s.includes(userId))
    .sort();
}

describe("d1PersonalDataStore.exportPerson", () => {
  it("returns the subject's rows of every table that names them, and nothing of a neighbour", async () => {
    const s = await scene();
    const out = await store().exportPerson(s.subject);
    expect(out.store).toBe("d1:ch");

    expect(out.tables.users).toEqual([
      expect.objectContaining({ id: s.w.userIds.resident, email: s.canary.email, name: s.canary.name }),
    ]);
    expect(out.tables.tenancy_members?.map((r) => r.user_id)).toEqual([s.w.userIds.resident]);
    expect(out.tables.tenancies?.map((r) => r.id)).toEqual([s.w.tenancyIds[0]]);
    expect(out.tables.sessions).toHaveLength(2);
    expect(out.tables.auth_tokens?.length).toBeGreaterThanOrEqual(2);
    const mails = out.tables.outbox ?? [];
    expect(mails.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mails.map((m) => m.to_address))).toEqual(new Set([s.canary.email]));
    expect(out.tables.role_assignments).toEqual([]);

    const text = JSON.stringify(out);
    for (const n of [s.w.userIds.neighbour, s.neighbour.email, s.neighbour.name, s.w.userIds.otherBuilding]) {
      expect(text, `export mentions ${n}`).not.toContain(n);
    }
    // Credentials (password and token hashes) are not part of an export.
    for (const rows of Object.values(out.tables)) {
      for (const r of rows) {
        expect(Object.keys(r)).not.toContain("password_hash");
        expect(Object.keys(r)).not.toContain("token_hash");
      }
    }
  });

  it("exports staff roles, and nothing from another customer or jurisdiction", async () => {
    const s = await scene();
    const admin = { ...s.subject, userId: s.w.userIds.admin };
    const out = await store().exportPerson(admin);
    expect(out.tables.role_assignments?.map((r) => r.id)).toHaveLength(1);

    const wrongCustomer = await store().exportPerson({ ...s.subject, customerId: "cus-someone-else" });
    expect(Object.values(wrongCustomer.tables).flat()).toEqual([]);
    const wrongRegion = await d1PersonalDataStore(env.DB_EU, "eu").exportPerson(s.subject);
    expect(Object.values(wrongRegion.tables).flat()).toEqual([]);
  });
});

describe("d1PersonalDataStore.erasePerson", () => {
  it("leaves no canary in any table, keeps the user row with random values, and spares the neighbour", async () => {
    const s = await scene();
    const canaries = [s.canary.email, s.canary.name];
    expect((await scanD1(env.DB_CH, canaries)).length).toBeGreaterThan(3); // positive control
    const before = await othersRows(s.subject.userId);
    const neighbourBefore = await userRow(s.w.userIds.neighbour);

    const result = await store().erasePerson(s.subject);
    expect(result.store).toBe("d1:ch");
    expect(result.rowsDeleted).toBeGreaterThanOrEqual(2 + 2 + 2); // sessions, tokens, mails
    expect(result.rowsAnonymised).toBeGreaterThanOrEqual(1);

    expect(await scanD1(env.DB_CH, canaries, "DB_CH")).toEqual([]);
    expect(await scanD1(env.DB_EU, canaries, "DB_EU")).toEqual([]);
    expect(await scanD1(env.DIRECTORY, canaries, "DIRECTORY")).toEqual([]);
    expect(await scanR2(env.FILES_CH, canaries, "FILES_CH")).toEqual([]);
    expect(await scanR2(env.FILES_EU, canaries, "FILES_EU")).toEqual([]);

    const user = await userRow(s.subject.userId);
    expect(user).not.toBeNull();
    expect(user?.status).toBe("erased");
    expect(user?.email).toMatch(/^[a-z0-9-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(user?.email).not.toBe(s.canary.email);
    expect(user?.name).not.toBe(s.canary.name);
    expect(user?.name.trim()).not.toBe("");
    expect(user?.email_verified_at).toBeNull();
    expect(user?.password_hash.startsWith("$argon2id$")).toBe(false);

    // Ids are kept, so references hold; sessions, tokens and mails are gone.
    expect(await foreignKeyProblems()).toEqual([]);
    expect(await count("tenancy_members", "user_id", s.subject.userId)).toBe(1);
    expect(await count("sessions", "user_id", s.subject.userId)).toBe(0);
    expect(await count("auth_tokens", "user_id", s.subject.userId)).toBe(0);
    expect(await count("outbox", "user_id", s.subject.userId)).toBe(0);

    // Everyone else's rows are exactly as they were.
    expect(await othersRows(s.subject.userId)).toEqual(before);
    expect(await userRow(s.w.userIds.neighbour)).toEqual(neighbourBefore);
    expect((await api("/api/me", { app: s.w.slug, session: s.sessions.neighbour })).status).toBe(200);
    expect((await api("/api/me", { app: s.w.slug, session: s.sessions.subject })).status).toBe(401);
  });

  it("is safe to run twice", async () => {
    const s = await scene();
    await store().erasePerson(s.subject);
    const first = await userRow(s.subject.userId);
    const second = await store().erasePerson(s.subject);
    expect(second.rowsDeleted).toBe(0);
    const user = await userRow(s.subject.userId);
    expect(user?.status).toBe("erased");
    expect(user?.id).toBe(first?.id);
    expect(await scanD1(env.DB_CH, [s.canary.email, s.canary.name])).toEqual([]);
    expect(await foreignKeyProblems()).toEqual([]);
  });

  it("does nothing for another customer's id or in the other jurisdiction", async () => {
    const s = await scene();
    const before = await userRow(s.subject.userId);
    expect(await store().erasePerson({ ...s.subject, customerId: "cus-someone-else" })).toEqual({
      store: "d1:ch",
      rowsDeleted: 0,
      rowsAnonymised: 0,
    });
    expect(await d1PersonalDataStore(env.DB_EU, "eu").erasePerson(s.subject)).toEqual({
      store: "d1:eu",
      rowsDeleted: 0,
      rowsAnonymised: 0,
    });
    expect(await userRow(s.subject.userId)).toEqual(before);
  });

  it("the erased account can no longer log in, by its old or its new address", async () => {
    const s = await scene();
    await store().erasePerson(s.subject);
    const random = (await userRow(s.subject.userId))?.email ?? "";
    for (const email of [s.canary.email, random]) {
      const res = await loginRes(s.w.slug, email);
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe("INVALID_CREDENTIALS");
    }
    // Asking for a reset link for the old address brings none of it back.
    const reset = await api("/api/auth/password-reset", {
      app: s.w.slug,
      json: { email: s.canary.email },
      headers: { "cf-connecting-ip": nextIp() },
    });
    expect(reset.status).toBe(202);
    expect(await scanD1(env.DB_CH, [s.canary.email, s.canary.name])).toEqual([]);
  });
});
