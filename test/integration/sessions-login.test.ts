import { describe, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_ACCOUNT, LOGIN_PER_IP } from "../../src/services/throttle";
import {
  bodyOf,
  dbOfWorld,
  freshEmail,
  freshIp,
  kdfRunsOf,
  loginRequest,
  setThrottle,
  throttleCount,
} from "../helpers/accounts";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { errorOf } from "../helpers/http";

/**
 * Login: no user enumeration (security.md B4) and exact limits checked before any hashing (B3).
 * Throttle windows run on real time; tests move `throttles.window_start` instead of waiting.
 */

const WRONG = "definitely not the password";
const WINDOW_MS = LOGIN_FAILURES_PER_ACCOUNT.windowMs;
const accountOf = (w: World, email: string) => `${w.customerId}:${email}`;

/** Everything but the request id, which differs per request by design. */
const comparable = async (res: Response) => {
  const body = await bodyOf(res);
  return { status: res.status, error: body.error, retryAfter: res.headers.get("retry-after") };
};

describe("POST /api/auth/login", () => {
  it("answers a wrong password and an unknown address identically, each after exactly one KDF run", async () => {
    const w = await makeWorld();
    const unknown = await kdfRunsOf(() => loginRequest(w.slug, freshEmail("nobody"), WRONG));
    const wrong = await kdfRunsOf(() => loginRequest(w.slug, w.emails.resident, WRONG));

    expect(unknown.runs).toBe(1);
    expect(wrong.runs).toBe(1);
    const a = await comparable(unknown.result);
    expect(a).toEqual(await comparable(wrong.result));
    expect(a.status).toBe(401);
    expect(a.error.code).toBe("INVALID_CREDENTIALS");
  });

  it("answers a disabled account like a wrong password", async () => {
    const w = await makeWorld();
    await dbOfWorld(w).prepare("UPDATE users SET status = 'disabled' WHERE id = ?1").bind(w.userIds.resident).run();
    const res = await loginRequest(w.slug, w.emails.resident, PASSWORD);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("INVALID_CREDENTIALS");
  });

  it("accepts the address in any case and with surrounding spaces", async () => {
    const w = await makeWorld();
    const res = await loginRequest(w.slug, `  ${w.emails.resident.toUpperCase()} `, PASSWORD);
    expect(res.status).toBe(200);
  });

  it("answers the 11th attempt after 10 failures with 429 RATE_LIMITED and Retry-After, without hashing, even with the right password", async () => {
    const w = await makeWorld();
    const ip = freshIp();
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT.max; i++) {
      expect((await loginRequest(w.slug, w.emails.resident, WRONG, ip)).status).toBe(401);
    }

    const blocked = await kdfRunsOf(() => loginRequest(w.slug, w.emails.resident, PASSWORD, ip));
    expect(blocked.runs).toBe(0);
    expect(blocked.result.status).toBe(429);
    expect((await errorOf(blocked.result)).code).toBe("RATE_LIMITED");
    const retryAfter = Number(blocked.result.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);

    // The limit is per account: another IP does not help, another account is not affected.
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(429);
    expect((await loginRequest(w.slug, w.emails.neighbour, PASSWORD, ip)).status).toBe(200);
  });

  it("limits an unknown address the same way, so the limit reveals nothing either", async () => {
    const w = await makeWorld();
    const nobody = freshEmail("nobody");
    await setThrottle(dbOfWorld(w), LOGIN_FAILURES_PER_ACCOUNT, accountOf(w, nobody), 10, new Date());
    await setThrottle(dbOfWorld(w), LOGIN_FAILURES_PER_ACCOUNT, accountOf(w, w.emails.resident), 10, new Date());

    const unknown = await kdfRunsOf(() => loginRequest(w.slug, nobody, WRONG));
    const known = await kdfRunsOf(() => loginRequest(w.slug, w.emails.resident, WRONG));
    expect([unknown.runs, known.runs]).toEqual([0, 0]);
    const a = await comparable(unknown.result);
    const b = await comparable(known.result);
    expect({ ...a, retryAfter: null }).toEqual({ ...b, retryAfter: null });
    expect(a.status).toBe(429);
  });

  it("never hashes more than the limit allows when attempts arrive in parallel", async () => {
    const w = await makeWorld();
    const ip = freshIp();
    const { runs, result } = await kdfRunsOf(() =>
      Promise.all(Array.from({ length: 15 }, () => loginRequest(w.slug, w.emails.resident, WRONG, ip))),
    );
    const statuses = result.map((r) => r.status).sort();
    expect(runs).toBeLessThanOrEqual(LOGIN_FAILURES_PER_ACCOUNT.max);
    expect(statuses.filter((s) => s === 401)).toHaveLength(runs);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15 - runs);
  });

  it("lets the right password in again once the window has passed", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const account = accountOf(w, w.emails.resident);
    await setThrottle(db, LOGIN_FAILURES_PER_ACCOUNT, account, 10, new Date(Date.now() - WINDOW_MS + 60_000));
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(429);

    await setThrottle(db, LOGIN_FAILURES_PER_ACCOUNT, account, 10, new Date(Date.now() - WINDOW_MS - 1000));
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(200);
  });

  it("starts counting failures anew after a successful login", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const account = accountOf(w, w.emails.resident);
    await setThrottle(db, LOGIN_FAILURES_PER_ACCOUNT, account, 9, new Date());

    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(200);
    expect(await throttleCount(db, LOGIN_FAILURES_PER_ACCOUNT, account)).toBeUndefined();
    expect((await loginRequest(w.slug, w.emails.resident, WRONG)).status).toBe(401);
    expect((await loginRequest(w.slug, w.emails.resident, WRONG)).status).toBe(401);
    expect(await throttleCount(db, LOGIN_FAILURES_PER_ACCOUNT, account)).toBe(2);
  });

  it("answers the 31st attempt from one IP within 15 minutes with 429 before hashing", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const ip = freshIp();
    // 29 earlier attempts from this IP (for any accounts), counted as the service counts them.
    await setThrottle(db, LOGIN_PER_IP, ip, LOGIN_PER_IP.max - 1, new Date());

    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD, ip)).status).toBe(200);
    const blocked = await kdfRunsOf(() => loginRequest(w.slug, w.emails.neighbour, PASSWORD, ip));
    expect(blocked.runs).toBe(0);
    expect(blocked.result.status).toBe(429);
    expect((await errorOf(blocked.result)).code).toBe("RATE_LIMITED");
    expect(Number(blocked.result.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Other addresses are not affected.
    expect((await loginRequest(w.slug, w.emails.neighbour, PASSWORD, freshIp())).status).toBe(200);
  });

  it("counts every attempt from an IP, successful or not", async () => {
    const w = await makeWorld();
    const ip = freshIp();
    await loginRequest(w.slug, w.emails.resident, PASSWORD, ip);
    await loginRequest(w.slug, w.emails.resident, WRONG, ip);
    expect(await throttleCount(dbOfWorld(w), LOGIN_PER_IP, ip)).toBe(2);
  });
});
