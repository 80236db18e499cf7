import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import type { Jurisdiction } from "../../src/db/schema/customers";
import worker from "../../src/index";
import { configFrom } from "../../src/lib/config";
import { DAY, HOUR, MINUTE } from "../../src/lib/time";
import { regionStores } from "../../src/region";
import { hourPrefix } from "../../src/services/access-log";
import { type PurgeReport, purgeRegion } from "../../src/services/purge";
import { SESSION_IDLE_MS } from "../../src/services/sessions";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { listKeys } from "../helpers/scan";

// The retention purge of one jurisdiction (design.md "Scheduled work"): expired sessions and tokens,
// outbox mails after 7 days, throttle rows after a day, access-log hours after 89 days,
// spent activation codes after 30 days, access requests and data exports when they expire. Bounded
// batches, safe to run twice, counts only.

const handler: ExportedHandler<Env> = worker;

afterEach(() => {
  vi.restoreAllMocks();
});

function depsAt(j: Jurisdiction, now: Date): Deps {
  const stores = regionStores(env, j);
  return { db: createDb(stores.db), stores, now: () => now, config: configFrom(env) };
}

/** A unique row-id prefix per test, so tests of this file never see each other's rows. */
const prefixOf = () => `p${crypto.randomUUID().slice(0, 8)}`;

interface Sides {
  sessions: string[];
  authTokens: string[];
  outbox: string[];
  throttles: string[];
  codes: string[];
  requests: string[];
  log: string[];
  /** Data exports: row ids; their objects are `exports/<id>.zip`. */
  exports: string[];
}
const emptySides = (): Sides => ({
  sessions: [],
  authTokens: [],
  outbox: [],
  throttles: [],
  codes: [],
  requests: [],
  log: [],
  exports: [],
});

interface Fixture {
  w: World;
  p: string;
  gone: Sides;
  kept: Sides;
}

/** Rows on both sides of every retention boundary, relative to `now`, plus `bulk` expired sessions. */
async function seed(j: Jurisdiction, now: Date, bulk = 0): Promise<Fixture> {
  const w = await makeWorld({ jurisdiction: j });
  const p = prefixOf();
  const db = dbOf(j);
  const t = now.getTime();
  const user = w.userIds.resident;
  const f: Fixture = {
    w,
    p,
    gone: emptySides(),
    kept: emptySides(),
  };
  const stmts: D1PreparedStatement[] = [];
  const session = (id: string, lastSeen: number, expires: number, gone: boolean) => {
    (gone ? f.gone : f.kept).sessions.push(`${p}-${id}`);
    stmts.push(
      db
        .prepare(
          "INSERT INTO sessions (id, customer_id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(`${p}-${id}`, w.customerId, user, `${p}-hash-${id}`, lastSeen - HOUR, lastSeen, expires),
    );
  };
  session("expired", t - HOUR, t - 1, true);
  session("expires-now", t - HOUR, t, true);
  session("idle", t - SESSION_IDLE_MS - 1, t + 10 * DAY, true);
  session("idle-at-limit", t - SESSION_IDLE_MS, t + 10 * DAY, true);
  session("live", t - HOUR, t + DAY, false);
  session("almost-idle", t - SESSION_IDLE_MS + MINUTE, t + 10 * DAY, false);
  for (let i = 0; i < bulk; i++) session(`bulk-${i}`, t - 40 * DAY, t - 10 * DAY, true);

  const token = (id: string, expires: number, used: number | null, gone: boolean) => {
    (gone ? f.gone : f.kept).authTokens.push(`${p}-${id}`);
    stmts.push(
      db
        .prepare(
          "INSERT INTO auth_tokens (id, customer_id, user_id, purpose, token_hash, expires_at, used_at, created_at) VALUES (?1, ?2, ?3, 'reset-password', ?4, ?5, ?6, ?7)",
        )
        .bind(`${p}-${id}`, w.customerId, user, `${p}-thash-${id}`, expires, used, t - DAY),
    );
  };
  token("expired", t - 1, null, true);
  token("used-valid", t + HOUR, t - MINUTE, false);
  token("valid", t + HOUR, null, false);

  const mail = (id: string, created: number, gone: boolean) => {
    (gone ? f.gone : f.kept).outbox.push(`${p}-${id}`);
    stmts.push(
      db
        .prepare(
          "INSERT INTO outbox (id, customer_id, user_id, to_address, template, locale, subject, body_text, created_at) VALUES (?1, ?2, ?3, ?4, 'reset-password', 'en', 'Subject', 'Body', ?5)",
        )
        .bind(`${p}-${id}`, w.customerId, user, w.emails.resident, created),
    );
  };
  mail("8d", t - 8 * DAY, true);
  mail("7d-and-1ms", t - 7 * DAY - 1, true);
  mail("7d", t - 7 * DAY, false);
  mail("6d", t - 6 * DAY, false);

  const throttle = (id: string, windowStart: number, gone: boolean) => {
    (gone ? f.gone : f.kept).throttles.push(`${p}-${id}`);
    stmts.push(
      db.prepare("INSERT INTO throttles (key, window_start, count) VALUES (?1, ?2, 3)").bind(`${p}-${id}`, windowStart),
    );
  };
  throttle("25h", t - 25 * HOUR, true);
  throttle("23h", t - 23 * HOUR, false);

  // Activation codes: spent (expired, revoked, single-use used) codes go 30 days later, with their links.
  const code = (
    id: string,
    c: { expires: number; revoked?: number; used?: number; permanent?: boolean },
    gone: boolean,
  ) => {
    (gone ? f.gone : f.kept).codes.push(`${p}-${id}`);
    stmts.push(
      db
        .prepare(
          "INSERT INTO activation_codes (id, customer_id, code, permanent, source, expires_at, revoked_at, used_at, created_at) VALUES (?1, ?2, ?3, ?4, 'manager', ?5, ?6, ?7, ?8)",
        )
        .bind(
          `${p}-${id}`,
          w.customerId,
          `${p}-${id}`.toUpperCase(),
          c.permanent ? 1 : 0,
          c.expires,
          c.revoked ?? null,
          c.used ?? null,
          t - 100 * DAY,
        ),
      db
        .prepare("INSERT INTO activation_code_tenancies (code_id, tenancy_id, customer_id) VALUES (?1, ?2, ?3)")
        .bind(`${p}-${id}`, w.tenancyIds[0], w.customerId),
    );
  };
  code("expired-31d", { expires: t - 31 * DAY }, true);
  code("expired-29d", { expires: t - 29 * DAY }, false);
  code("revoked-31d", { expires: t + DAY, revoked: t - 31 * DAY }, true);
  code("revoked-29d", { expires: t + DAY, revoked: t - 29 * DAY }, false);
  code("used-31d", { expires: t + DAY, used: t - 31 * DAY }, true);
  code("permanent-used-31d", { expires: t + DAY, used: t - 31 * DAY, permanent: true }, false);
  code("live", { expires: t + DAY }, false);

  const request = (id: string, expires: number, gone: boolean) => {
    (gone ? f.gone : f.kept).requests.push(`${p}-${id}`);
    stmts.push(
      db
        .prepare(
          "INSERT INTO access_requests (id, customer_id, building_id, unit_text, name, email, locale, status, expires_at, created_at) VALUES (?1, ?2, ?3, '1.1', 'Req', 'req@example.test', 'de', 'open', ?4, ?5)",
        )
        .bind(`${p}-${id}`, w.customerId, w.buildingIds[0], expires, t - 40 * DAY),
    );
  };
  request("expired", t - 1, true);
  request("expires-now", t, true);
  request("live", t + HOUR, false);

  // Data exports go with their object once expired (7 days after creation).
  const dataExport = (id: string, expires: number, gone: boolean) => {
    (gone ? f.gone : f.kept).exports.push(`${p}-${id}`);
    stmts.push(
      db
        .prepare(
          "INSERT INTO data_exports (id, customer_id, user_id, created_at, expires_at, object_key, token_hash, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 3)",
        )
        .bind(`${p}-${id}`, w.customerId, user, expires - 7 * DAY, expires, `exports/${p}-${id}.zip`, `${p}-xh-${id}`),
    );
  };
  dataExport("expired", t - 1, true);
  dataExport("expires-now", t, true);
  dataExport("live", t + 1, false);
  await db.batch(stmts);

  // Access-log hours are deleted at 89 days (hourly purge: no line ever gets older than 90 days). The
  // hour that contains now-89d is kept; the hour before goes.
  const bucket = regionStores(env, j).files;
  for (const id of [...f.gone.exports, ...f.kept.exports]) await bucket.put(`exports/${id}.zip`, "zip");
  const hourAgo = (ms: number) => hourPrefix(new Date(t - ms).toISOString());
  const logs: [string, boolean][] = [
    [hourAgo(88 * DAY), false],
    [hourAgo(89 * DAY), false],
    [hourAgo(89 * DAY + HOUR), true],
    [hourAgo(90 * DAY), true],
    [hourAgo(91 * DAY), true],
    [hourAgo(400 * DAY), true],
  ];
  for (const [prefix, gone] of logs) {
    const key = `${prefix}${p}.ndjson`;
    (gone ? f.gone : f.kept).log.push(key);
    await bucket.put(key, '{"t":"x"}\n');
  }
  const other = `exports/${p}.json`;
  f.kept.log.push(other);
  await bucket.put(other, "{}");
  return f;
}

async function existing(db: D1Database, table: string, column: string, ids: string[]) {
  const found: string[] = [];
  for (const id of ids) {
    const row = await db.prepare(`SELECT 1 AS x FROM "${table}" WHERE "${column}" = ?1`).bind(id).first();
    if (row) found.push(id);
  }
  return found;
}

async function expectPurged(j: Jurisdiction, f: Fixture) {
  const db = dbOf(j);
  const bucket = regionStores(env, j).files;
  const keys = new Set(await listKeys(bucket));
  const state = async (side: Fixture["gone"]) => ({
    sessions: await existing(db, "sessions", "id", side.sessions),
    authTokens: await existing(db, "auth_tokens", "id", side.authTokens),
    outbox: await existing(db, "outbox", "id", side.outbox),
    throttles: await existing(db, "throttles", "key", side.throttles),
    codes: await existing(db, "activation_codes", "id", side.codes),
    requests: await existing(db, "access_requests", "id", side.requests),
    log: side.log.filter((k) => keys.has(k)),
    exports: (await existing(db, "data_exports", "id", side.exports)).filter((id) => keys.has(`exports/${id}.zip`)),
  });
  expect(await state(f.gone), `${j}: rows past retention`).toEqual({
    sessions: [],
    authTokens: [],
    outbox: [],
    throttles: [],
    codes: [],
    requests: [],
    log: [],
    exports: [],
  });
  // Expired exports lose their object as well as their row.
  expect(f.gone.exports.filter((id) => keys.has(`exports/${id}.zip`))).toEqual([]);
  // A purged code takes its tenancy links with it.
  expect(await existing(db, "activation_code_tenancies", "code_id", f.gone.codes)).toEqual([]);
  expect(await state(f.kept), `${j}: rows within retention`).toEqual(f.kept);
}

const zero = (j: Jurisdiction) => ({
  jurisdiction: j,
  sessions: 0,
  authTokens: 0,
  outbox: 0,
  throttles: 0,
  accessLogObjects: 0,
  activationCodes: 0,
  accessRequests: 0,
  notificationItems: 0,
  moderationReports: 0,
  moderationLog: 0,
  dataExports: 0,
  // Refresh-token retention is covered in oauth-tokens.test.ts.
  oauthRefreshTokens: 0,
});

describe("purgeRegion", () => {
  it("deletes exactly what is past retention, at each boundary, and a second run is a no-op", async () => {
    const now = new Date("2031-06-15T12:30:00.000Z");
    const f = await seed("ch", now);
    const untouched = await seed("eu", now);

    const report = await purgeRegion(depsAt("ch", now));
    const expected = {
      jurisdiction: "ch",
      sessions: f.gone.sessions.length,
      authTokens: f.gone.authTokens.length,
      outbox: f.gone.outbox.length,
      throttles: f.gone.throttles.length,
      accessLogObjects: f.gone.log.length,
      activationCodes: f.gone.codes.length,
      accessRequests: f.gone.requests.length,
      // Notification and moderation retention is covered in notifications-*.test.ts and moderation.test.ts.
      notificationItems: 0,
      moderationReports: 0,
      moderationLog: 0,
      dataExports: f.gone.exports.length,
      oauthRefreshTokens: 0,
    };
    expect(report).toMatchObject(expected);
    // Steps of other features (added to the report as they land) find nothing of this seed.
    for (const [k, v] of Object.entries(report)) if (!(k in expected)) expect(v, k).toBe(0);
    await expectPurged("ch", f);
    // The eu store is another jurisdiction: a ch purge does not touch it.
    const euKeys = new Set(await listKeys(env.FILES_EU));
    expect(untouched.gone.log.filter((k) => !euKeys.has(k))).toEqual([]);
    expect(await existing(env.DB_EU, "sessions", "id", untouched.gone.sessions)).toEqual(untouched.gone.sessions);

    const again = await purgeRegion(depsAt("ch", now));
    expect(again).toMatchObject(zero("ch"));
    expect(Object.entries(again).filter(([k, v]) => k !== "jurisdiction" && v !== 0)).toEqual([]);
    await expectPurged("ch", f);
  });

  it("drains more rows than one batch and than D1's 100 bound parameters", async () => {
    const now = new Date("2032-01-10T00:00:00.000Z");
    const f = await seed("ch", now, 620);
    const report = await purgeRegion(depsAt("ch", now));
    expect(report.sessions).toBeGreaterThanOrEqual(620 + 4);
    await expectPurged("ch", f);
    expect((await purgeRegion(depsAt("ch", now))).sessions).toBe(0);
  });

  it("deletes more than one listing page of access-log objects", async () => {
    const now = new Date("2033-01-10T00:00:00.000Z");
    const bucket = env.FILES_EU;
    const p = prefixOf();
    const old = hourPrefix(new Date(now.getTime() - 200 * DAY).toISOString());
    const fresh = `${hourPrefix(now.toISOString())}${p}-fresh.ndjson`;
    const keys = Array.from({ length: 1_005 }, (_, i) => `${old}${p}-${String(i).padStart(4, "0")}.ndjson`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((k) => bucket.put(k, "{}\n")));
    }
    await bucket.put(fresh, "{}\n");
    const report = await purgeRegion(depsAt("eu", now));
    expect(report.accessLogObjects).toBeGreaterThanOrEqual(keys.length);
    expect(await listKeys(bucket, old)).toEqual([]);
    expect(await listKeys(bucket, hourPrefix(now.toISOString()))).toContain(fresh);
  });
});

describe("the scheduled handler", () => {
  it("purges both jurisdictions at the controller's time and logs counts only", async () => {
    const now = new Date("2034-03-01T03:17:00.000Z");
    const ch = await seed("ch", now);
    const eu = await seed("eu", now);
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(" "));
    });
    const ctx = createExecutionContext();
    await handler.scheduled?.(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    await expectPurged("ch", ch);
    await expectPurged("eu", eu);

    const reports = logs.map((l) => (JSON.parse(l) as { purge: PurgeReport }).purge);
    expect(reports.map((r) => r.jurisdiction)).toEqual(["ch", "eu"]);
    for (const r of reports) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(Object.keys(zero("ch"))));
      for (const [k, v] of Object.entries(r)) if (k !== "jurisdiction") expect(typeof v).toBe("number");
      expect(r.outbox).toBeGreaterThanOrEqual(2);
    }
  });

  it("still purges eu when ch fails, then reports the failure", async () => {
    const now = new Date("2035-03-01T03:17:00.000Z");
    const eu = await seed("eu", now);
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.spyOn(env.FILES_CH, "list").mockRejectedValue(new Error("bucket unavailable"));
    const ctx = createExecutionContext();
    await expect(
      handler.scheduled?.(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), env, ctx),
    ).rejects.toThrow(/ch/);
    await expectPurged("eu", eu);
    expect(errors).toHaveBeenCalledTimes(1);
  });
});
