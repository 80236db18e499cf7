import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { loginUrl, safeNext } from "../../src/lib/next";
import { loginAs } from "../helpers/accounts";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { ORIGIN_OF } from "../helpers/http";

/**
 * Issue 6: a link into the app (a mail's /app/… link) survives the login. Logged out, the app sends the
 * person to the server-rendered login with `next`; after the login "/" sends them there (decision 0026).
 * `next` is a same-origin path only: no open redirect (security: A01/A10 open redirects).
 */

let w: World;
let session: string;
beforeAll(async () => {
  w = await makeWorld();
  session = await loginAs(w.slug, w.emails.resident, PASSWORD);
});

function get(path: string, withSession: boolean) {
  const origin = ORIGIN_OF(w.slug);
  const headers = new Headers({ host: new URL(origin).host });
  if (withSession) headers.set("cookie", `__Host-quartier_session=${session}`);
  return exports.default.fetch(new Request(`${origin}${path}`, { headers, redirect: "manual" }));
}

const EVIL = [
  "//evil.example/app/",
  "///evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "https://evil.example/app/",
  "http:/evil.example",
  "javascript:alert(1)",
  "evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/../..//evil.example",
  "",
];

describe("deep links through the login", () => {
  it("logged out, /app/… goes to the login with the path and query as next", async () => {
    const res = await get(`/app/${w.buildingIds[0]}/tickets?open=42`, false);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(
      `/?next=${encodeURIComponent(`/app/${w.buildingIds[0]}/tickets?open=42`)}`,
    );
    const bare = await get("/app", false);
    expect(bare.headers.get("location")).toBe(`/?next=${encodeURIComponent("/app")}`);
  });

  it("the login page keeps next in its URL (the form reloads / with it) and in the language switch", async () => {
    const res = await get(`/?next=${encodeURIComponent("/app/b/tickets")}&lang=fr`, false);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-endpoint="/api/auth/login"');
    expect(html).toContain(`href="?next=${encodeURIComponent("/app/b/tickets")}&amp;lang=de"`);
  });

  it("logged in, / lands on next (the same path and query), else on the app", async () => {
    const target = `/app/${w.buildingIds[0]}/tickets?open=42`;
    const res = await get(`/?next=${encodeURIComponent(target)}`, true);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(target);
    expect((await get("/", true)).headers.get("location")).toBe("/app/");
  });

  it("never redirects off the origin, whatever next says", async () => {
    for (const next of EVIL) {
      const res = await get(`/?next=${encodeURIComponent(next)}`, true);
      expect(res.status, next).toBe(302);
      expect(res.headers.get("location"), next).toBe("/app/");
    }
  });

  it("safeNext accepts same-origin paths only, loginUrl never carries an unsafe one", () => {
    expect(safeNext("/app/b1/chat?x=1#m")).toBe("/app/b1/chat?x=1#m");
    expect(safeNext("/app/../privacy")).toBe("/privacy");
    expect(safeNext("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example"); // a path here, not a host
    // Encoded CR/LF stay encoded: a path, never a header break.
    expect(safeNext("/app/%0d%0aSet-Cookie:x=1")).toBe("/app/%0d%0aSet-Cookie:x=1");
    for (const next of EVIL) expect(safeNext(next), next).toBeNull();
    expect(safeNext(undefined)).toBeNull();
    expect(safeNext(`/${"a".repeat(2100)}`)).toBeNull();
    expect(loginUrl("https://x.example/app/b1?y=2")).toBe(`/?next=${encodeURIComponent("/app/b1?y=2")}`);
    expect(loginUrl("https://x.example/")).toBe("/");
  });
});
