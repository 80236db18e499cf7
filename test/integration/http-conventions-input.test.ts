import { describe, expect, it } from "vitest";
import { countRows, dbOfWorld, kdfRunsOf, loginAs } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api } from "../helpers/http";

/**
 * Bad input never reaches a 5xx (security.md F1, F4, F5): a corpus of odd JSON bodies against every
 * auth route that takes a body. Each answer is a 4xx in the one envelope, nothing is written, no
 * hash is computed and Object.prototype stays clean.
 */

const ok = "valid@example.test";
const longPassword = "a long passphrase";
const nest = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nestObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** Raw JSON texts (escapes such as \ud800 stay escapes until the server parses them). */
const CORPUS: string[] = [
  "[]",
  "null",
  "0",
  "-1e400",
  '"just a string"',
  "true",
  "{}",
  `[{"email":"${ok}","password":"${longPassword}"}]`,
  nest(1000),
  nestObject(500),
  JSON.stringify({ email: `${"a".repeat(60_000)}@example.test`, password: longPassword }),
  JSON.stringify({ name: "n".repeat(50_000), email: ok, password: longPassword, token: "t".repeat(5000) }),
  `{"__proto__":{"polluted":"yes"},"email":"${ok}","password":"${longPassword}"}`,
  `{"constructor":{"prototype":{"polluted":"yes"}},"email":"${ok}"}`,
  `{"email":"${ok}","password":"${longPassword}","__proto__":null}`,
  '{"email":"\\ud800@example.test","password":"\\udc00\\udc00\\udc00\\udc00\\udc00\\udc00\\udc00\\udc00"}',
  `{"name":"\\ud800","email":"${ok}","password":"${longPassword}"}`,
  `{"name":"Nora","email":"${ok}","password":"\\ud83d${"x".repeat(10)}"}`,
  `{"email":"${ok}","password":"\\udfff\\ud800 ${longPassword}"}`,
  `{"token":"\\ud800${"t".repeat(20)}","password":"${longPassword}"}`,
  `{"token":"${"t".repeat(43)}","password":{"$ne":null}}`,
  `{"token":"${"t".repeat(43)}","password":"\\ud800${longPassword}"}`,
  `{"token":"${"t".repeat(43)}"}`,
  `{"email":"a\\u0000@example.test","password":"${longPassword}"}`,
  `{"email":${"9".repeat(400)},"password":{}}`,
  `{"email":"${ok}","email":{"$ne":null},"password":"${longPassword}"}`,
  '{"name":[],"email":{},"password":123,"token":null,"locale":"xx","currentPassword":false,"newPassword":[]}',
  `{"email":"${ok}","password":"${longPassword}","locale":"de","role":"customer_admin"}`,
  '{"email":"\' OR 1=1 --@x.test","password":"\'; DROP TABLE users; --"}',
];

const PUBLIC_ROUTES = [
  "/api/auth/register",
  "/api/auth/verify-email",
  "/api/auth/login",
  "/api/auth/password-reset",
  "/api/auth/password-reset/confirm",
];

const prototypeIsClean = () => {
  const probe: Record<string, unknown> = {};
  return probe.polluted === undefined && !Object.hasOwn(Object.prototype, "polluted");
};

/** Sends one body and expects a 4xx envelope with no KDF run. */
async function expectRefused(slug: string, method: string, path: string, body: string, session?: string) {
  const label = `${method} ${path} ${body.slice(0, 80)}`;
  const { runs, result: res } = await kdfRunsOf(() =>
    api(path, {
      app: slug,
      method,
      body,
      session,
      headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.5" },
    }),
  );
  const code = await envelopeOf(res);
  expect(res.status, `${label} → ${code}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${label} → ${code}`).toBeLessThan(500);
  expect(runs, `${label} → ${code}`).toBe(0);
}

describe("odd request bodies", () => {
  it("get a 4xx envelope from every public auth route, with no hashing and no rows written", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    for (const path of PUBLIC_ROUTES) {
      for (const body of CORPUS) await expectRefused(w.slug, "POST", path, body);
    }
    expect(await countRows(db, "SELECT count(*) AS n FROM users WHERE customer_id = ?1", w.customerId)).toBe(5);
    expect(await countRows(db, "SELECT count(*) AS n FROM outbox WHERE customer_id = ?1", w.customerId)).toBe(0);
    expect(await countRows(db, "SELECT count(*) AS n FROM auth_tokens WHERE customer_id = ?1", w.customerId)).toBe(0);
    expect(prototypeIsClean()).toBe(true);
  });

  it("get a 4xx envelope from the session routes that take a body, and change nothing", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const me = () => api("/api/me", { app: w.slug, session }).then((r) => r.json());
    const before = await me();
    for (const body of CORPUS) {
      await expectRefused(w.slug, "POST", "/api/auth/password-change", body, session);
      await expectRefused(w.slug, "PATCH", "/api/me", body, session);
    }
    expect(await me()).toEqual(before);
    expect(prototypeIsClean()).toBe(true);
  });

  it("with bytes that are not UTF-8 get 400 INVALID_JSON", async () => {
    const w = await makeWorld();
    const json = new TextEncoder().encode(JSON.stringify({ email: ok, password: "01234567\u00ff" }));
    // "ÿ" (c3 bf in UTF-8) becomes the lone byte ff: Latin-1, not UTF-8.
    const at = json.indexOf(0xc3);
    const body = new Uint8Array([...json.slice(0, at), 0xff, ...json.slice(at + 2)]);
    const res = await api("/api/auth/login", {
      app: w.slug,
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(await envelopeOf(res)).toBe("INVALID_JSON");
  });
});
