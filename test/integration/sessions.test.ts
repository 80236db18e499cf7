import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { DAY, MINUTE } from "../../src/lib/time";
import { SESSION_IDLE_MS } from "../../src/services/sessions";
import { countRows, dbOfWorld, loginAs, loginRequest } from "../helpers/accounts";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, errorOf, sessionFrom } from "../helpers/http";
import { scanD1 } from "../helpers/scan";

/** The session cookie and the session lifecycle (R-A7; security.md C1–C5). */

const COOKIE = "__Host-quartier_session";

/** Name, value and lower-cased attributes of one Set-Cookie line. */
function parseCookie(line: string) {
  const [pair = "", ...attrs] = line.split(";").map((p) => p.trim());
  const eq = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const a of attrs) {
    const i = a.indexOf("=");
    attributes.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? "" : a.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

const me = (slug: string, session: string) => api("/api/me", { app: slug, session });
const post = (slug: string, path: string, session: string) => api(path, { app: slug, method: "POST", session });

async function expectUnauthenticated(res: Response) {
  expect(res.status).toBe(401);
  expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
}

describe("the session cookie", () => {
  it("is __Host-quartier_session with HttpOnly, Secure, SameSite=Lax, Path=/ and no Domain", async () => {
    const w = await makeWorld();
    const res = await loginRequest(w.slug, w.emails.resident, PASSWORD);
    expect(res.status).toBe(200);

    const lines = res.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    const cookie = parseCookie(lines[0] ?? "");
    expect(cookie.name).toBe(COOKIE);
    expect(cookie.value).toMatch(/^[\w-]{43,}$/);
    expect(cookie.attributes.has("httponly")).toBe(true);
    expect(cookie.attributes.has("secure")).toBe(true);
    expect(cookie.attributes.get("samesite")).toBe("Lax");
    expect(cookie.attributes.get("path")).toBe("/");
    expect(cookie.attributes.has("domain")).toBe(false);
    expect(lines[0]?.length).toBeLessThanOrEqual(4096);
  });

  it("carries a token of which only the SHA-256 is stored, and the raw value nowhere", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const token = await loginAs(w.slug, w.emails.resident, PASSWORD);

    const row = await db
      .prepare("SELECT token_hash FROM sessions WHERE user_id = ?1")
      .bind(w.userIds.resident)
      .first<{ token_hash: string }>();
    expect(row?.token_hash).toBe(await sha256Hex(token));
    expect(await scanD1(db, [token])).toEqual([]);
  });

  it("is a new token at every login", async () => {
    const w = await makeWorld();
    const first = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const second = await loginAs(w.slug, w.emails.resident, PASSWORD);
    expect(second).not.toBe(first);
    expect((await me(w.slug, first)).status).toBe(200);
    expect((await me(w.slug, second)).status).toBe(200);
  });

  it("is replaced at login: the session the browser came with ends", async () => {
    const w = await makeWorld();
    const planted = await loginAs(w.slug, w.emails.neighbour, PASSWORD);
    const res = await loginRequest(w.slug, w.emails.resident, PASSWORD, undefined, planted);
    expect(res.status).toBe(200);
    const fresh = sessionFrom(res) ?? "";

    await expectUnauthenticated(await me(w.slug, planted));
    expect((await me(w.slug, fresh)).status).toBe(200);
  });

  it("of customer A is not a session on customer B's host", async () => {
    const a = await makeWorld();
    const b = await makeWorld();
    const token = await loginAs(a.slug, a.emails.admin, PASSWORD);

    await expectUnauthenticated(await me(b.slug, token));
    expect((await me(a.slug, token)).status).toBe(200);
  });

  it("that is unknown or absurdly long gives 401 UNAUTHENTICATED", async () => {
    const w = await makeWorld();
    await expectUnauthenticated(await me(w.slug, "x".repeat(43)));
    await expectUnauthenticated(await me(w.slug, "x".repeat(5000)));
  });
});

describe("session lifetime", () => {
  it("ends at its absolute expiry: 401 and the row is deleted", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const token = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const hash = await sha256Hex(token);
    await db
      .prepare("UPDATE sessions SET expires_at = ?1 WHERE token_hash = ?2")
      .bind(Date.now() - 1000, hash)
      .run();

    await expectUnauthenticated(await me(w.slug, token));
    expect(await countRows(db, "SELECT count(*) AS n FROM sessions WHERE token_hash = ?1", hash)).toBe(0);
  });

  it("ends after 7 days without use", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const token = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const hash = await sha256Hex(token);
    await db
      .prepare("UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2")
      .bind(Date.now() - SESSION_IDLE_MS - MINUTE, hash)
      .run();

    await expectUnauthenticated(await me(w.slug, token));
    expect(await countRows(db, "SELECT count(*) AS n FROM sessions WHERE token_hash = ?1", hash)).toBe(0);
  });

  it("stays alive when used within 7 days, and the use counts as activity", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const token = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const hash = await sha256Hex(token);
    const sixDaysAgo = Date.now() - 6 * DAY;
    await db.prepare("UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2").bind(sixDaysAgo, hash).run();

    expect((await me(w.slug, token)).status).toBe(200);
    const row = await db
      .prepare("SELECT last_seen_at FROM sessions WHERE token_hash = ?1")
      .bind(hash)
      .first<{ last_seen_at: number }>();
    expect(row?.last_seen_at).toBeGreaterThan(Date.now() - MINUTE);
  });
});

describe("POST /api/auth/logout", () => {
  it("ends only this session, clears the cookie and sends Clear-Site-Data", async () => {
    const w = await makeWorld();
    const laptop = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const phone = await loginAs(w.slug, w.emails.resident, PASSWORD);

    const res = await post(w.slug, "/api/auth/logout", laptop);
    expect(res.status).toBe(204);
    expect(res.headers.get("clear-site-data")).toContain('"storage"');
    const cleared = parseCookie(res.headers.getSetCookie()[0] ?? "");
    expect(cleared.name).toBe(COOKIE);
    expect(cleared.value).toBe("");
    expect(cleared.attributes.get("max-age")).toBe("0");

    await expectUnauthenticated(await me(w.slug, laptop));
    expect((await me(w.slug, phone)).status).toBe(200);
  });

  it("answers 401 UNAUTHENTICATED without a session", async () => {
    const w = await makeWorld();
    await expectUnauthenticated(await api("/api/auth/logout", { app: w.slug, method: "POST" }));
  });
});

describe("POST /api/auth/logout-all", () => {
  it("ends every session of the account and no one else's", async () => {
    const w = await makeWorld();
    const laptop = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const phone = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const neighbour = await loginAs(w.slug, w.emails.neighbour, PASSWORD);

    const res = await post(w.slug, "/api/auth/logout-all", laptop);
    expect(res.status).toBe(204);
    expect(res.headers.get("clear-site-data")).toContain('"storage"');

    await expectUnauthenticated(await me(w.slug, laptop));
    await expectUnauthenticated(await me(w.slug, phone));
    expect((await me(w.slug, neighbour)).status).toBe(200);
    const left = await countRows(
      dbOfWorld(w),
      "SELECT count(*) AS n FROM sessions WHERE user_id = ?1",
      w.userIds.resident,
    );
    expect(left).toBe(0);
  });
});
