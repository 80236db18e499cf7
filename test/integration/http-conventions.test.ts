import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { MAX_JSON_BYTES } from "../../src/middleware/request-guards";
import { countRows, dbOfWorld, freshEmail, loginAs, mailsTo } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";

/** The HTTP conventions every route shares (security.md D, F; style.md 9.9). */

const validRegistration = () => ({ name: "Nora Neu", email: freshEmail(), password: "a long passphrase" });

/** A request on an app's host with exactly the headers given (no Origin added, unlike `api()`). */
function request(
  slug: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: BodyInit },
) {
  const origin = ORIGIN_OF(slug);
  const headers = new Headers(init.headers);
  headers.set("host", new URL(origin).host);
  return new Request(`${origin}${path}`, { method: init.method ?? "GET", headers, body: init.body ?? null });
}

/** Calls the app object directly: the request reaches it exactly as built, with no length header added. */
async function direct(req: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(req, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function streamOf(bytes: number, fill = "x"): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(fill.repeat(8192));
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      controller.enqueue(chunk.slice(0, Math.min(left, chunk.length)));
      left -= chunk.length;
    },
  });
}

/** A JSON registration body of exactly `bytes` bytes (the name pads it; it fails validation anyway). */
function registrationOfSize(bytes: number): string {
  const shell = JSON.stringify({ name: "", email: "pad@example.test", password: "a long passphrase" });
  return JSON.stringify({
    name: "n".repeat(bytes - shell.length),
    email: "pad@example.test",
    password: "a long passphrase",
  });
}

const userCount = (w: World) =>
  countRows(dbOfWorld(w), "SELECT count(*) AS n FROM users WHERE customer_id = ?1", w.customerId);

describe("the error envelope", () => {
  it("is {error:{code,message,details?},requestId} with x-request-id equal to requestId, for every kind of error", async () => {
    const w = await makeWorld();
    const resident = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const cases: [string, () => Promise<Response>][] = [
      ["UNAUTHENTICATED", () => api("/api/me", { app: w.slug })],
      ["FORBIDDEN", () => api("/api/properties", { app: w.slug, session: resident })],
      ["NOT_FOUND", () => api("/api/no-such-thing", { app: w.slug })],
      ["UNKNOWN_APP", () => api("/api/me", { app: "no-such-app" })],
      [
        "INVALID_JSON",
        () =>
          api("/api/auth/register", {
            app: w.slug,
            method: "POST",
            body: "{",
            headers: { "content-type": "application/json" },
          }),
      ],
      [
        "VALIDATION_FAILED",
        () => api("/api/auth/register", { app: w.slug, json: { ...validRegistration(), email: 5 } }),
      ],
      ["UNSUPPORTED_MEDIA_TYPE", () => api("/api/auth/register", { app: w.slug, method: "POST", body: "x" })],
      [
        "PAYLOAD_TOO_LARGE",
        () => api("/api/auth/register", { app: w.slug, json: { name: "x".repeat(MAX_JSON_BYTES) } }),
      ],
      [
        "CSRF_REJECTED",
        () =>
          api("/api/auth/register", {
            app: w.slug,
            json: validRegistration(),
            headers: { origin: "https://evil.example" },
          }),
      ],
      [
        "TOKEN_INVALID",
        () => api("/api/auth/verify-email", { app: w.slug, json: { token: "t".repeat(43), password: PASSWORD } }),
      ],
      [
        "INVALID_CREDENTIALS",
        () =>
          api("/api/auth/login", {
            app: w.slug,
            json: { email: w.emails.resident, password: "wrong!" },
            headers: { "cf-connecting-ip": "192.0.2.7" },
          }),
      ],
    ];
    for (const [code, call] of cases) {
      expect(await envelopeOf(await call()), code).toBe(code);
    }
  });

  it("carries a fresh request id on success too", async () => {
    const w = await makeWorld();
    const a = await api("/api/openapi.json", { app: w.slug });
    const b = await api("/api/openapi.json", { app: w.slug });
    expect(a.headers.get("x-request-id")).toBeTruthy();
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });

  it("uses its own request id, never one the client sends", async () => {
    const w = await makeWorld();
    const res = await api("/api/me", { app: w.slug, headers: { "x-request-id": "chosen-by-the-client" } });
    const body = (await res.json()) as { requestId: string };
    expect(body.requestId).not.toBe("chosen-by-the-client");
    expect(res.headers.get("x-request-id")).toBe(body.requestId);
  });

  it("lists each invalid field as {path, message} in details", async () => {
    const w = await makeWorld();
    const res = await api("/api/auth/register", {
      app: w.slug,
      json: { name: 7, email: "not-an-address", password: "long enough" },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.map((d) => d.path).sort()).toEqual(["email", "name"]);
    for (const d of body.error.details) expect(typeof d.message).toBe("string");
  });
});

describe("JSON bodies", () => {
  it("refuses malformed JSON with 400 INVALID_JSON", async () => {
    const w = await makeWorld();
    for (const body of ["{", "{'a':1}", '{"email":}', "", "\u0000"]) {
      const res = await api("/api/auth/login", {
        app: w.slug,
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      expect(await envelopeOf(res), JSON.stringify(body)).toBe("INVALID_JSON");
    }
  });

  it("refuses an unknown field with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const res = await api("/api/auth/register", { app: w.slug, json: { ...validRegistration(), role: "admin" } });
    expect(await envelopeOf(res)).toBe("VALIDATION_FAILED");
    expect(await userCount(w)).toBe(5);
  });

  it("names each unknown field as the path of its own detail", async () => {
    const w = await makeWorld();
    const res = await api("/api/auth/register", {
      app: w.slug,
      json: { ...validRegistration(), role: "admin", isAdmin: true },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.map((d) => d.path).sort()).toEqual(["isAdmin", "role"]);
  });

  it("refuses text/plain, form and multipart bodies with 415 and writes nothing", async () => {
    const w = await makeWorld();
    const reg = validRegistration();
    const form = new FormData();
    for (const [k, v] of Object.entries(reg)) form.set(k, v);
    const bodies: { body: BodyInit; headers?: Record<string, string> }[] = [
      { body: JSON.stringify(reg), headers: { "content-type": "text/plain" } },
      { body: new URLSearchParams(reg).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } },
      { body: form },
      { body: JSON.stringify(reg), headers: { "content-type": "application/vnd.evil+json" } },
    ];
    for (const b of bodies) {
      const res = await api("/api/auth/register", { app: w.slug, method: "POST", ...b });
      expect(await envelopeOf(res)).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    expect(await userCount(w)).toBe(5);
    expect(await mailsTo(w.slug, reg.email)).toEqual([]);
  });

  it("refuses a form body on PATCH /api/me with 415 and changes nothing", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const res = await api("/api/me", {
      app: w.slug,
      session,
      method: "PATCH",
      body: new URLSearchParams({ name: "Form" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(await envelopeOf(res)).toBe("UNSUPPORTED_MEDIA_TYPE");
    const me = (await (await api("/api/me", { app: w.slug, session })).json()) as { name: string };
    expect(me.name).not.toBe("Form");
  });

  it("accepts a body of exactly 64 KiB and refuses one byte more with 413 PAYLOAD_TOO_LARGE", async () => {
    const w = await makeWorld();
    const headers = { "content-type": "application/json" };
    const fits = registrationOfSize(MAX_JSON_BYTES);
    expect(new TextEncoder().encode(fits).length).toBe(MAX_JSON_BYTES);
    const atLimit = await api("/api/auth/register", { app: w.slug, method: "POST", body: fits, headers });
    expect(await envelopeOf(atLimit)).toBe("VALIDATION_FAILED");

    const over = await api("/api/auth/register", {
      app: w.slug,
      method: "POST",
      body: registrationOfSize(MAX_JSON_BYTES + 1),
      headers,
    });
    expect(await envelopeOf(over)).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuses a streamed body over 64 KiB with 413, through the Worker entry", async () => {
    const w = await makeWorld();
    const req = request(w.slug, "/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN_OF(w.slug) },
      body: streamOf(MAX_JSON_BYTES + 10_000),
    });
    expect(await envelopeOf(await exports.default.fetch(req))).toBe("PAYLOAD_TOO_LARGE");
  });

  it("judges a body that announces no length by its stream: 413 when too large, 415 when not JSON", async () => {
    const w = await makeWorld();
    const headers = { "content-type": "application/json" };
    const big = request(w.slug, "/api/auth/register", { method: "POST", headers, body: streamOf(MAX_JSON_BYTES * 4) });
    expect(big.headers.has("content-length")).toBe(false);
    expect(await envelopeOf(await direct(big))).toBe("PAYLOAD_TOO_LARGE");

    const text = request(w.slug, "/api/auth/register", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: streamOf(100),
    });
    expect(await envelopeOf(await direct(text))).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("cross-site requests", () => {
  it("are refused on POST with 403 CSRF_REJECTED for a foreign, null or sibling-app Origin, and write nothing", async () => {
    const w = await makeWorld();
    const sibling = await makeWorld();
    for (const origin of [
      "https://evil.example",
      "null",
      ORIGIN_OF(sibling.slug),
      ORIGIN_OF(w.slug).replace("http:", "https:"),
    ]) {
      const reg = validRegistration();
      const res = await api("/api/auth/register", { app: w.slug, json: reg, headers: { origin } });
      expect(await envelopeOf(res), origin).toBe("CSRF_REJECTED");
      expect(await mailsTo(w.slug, reg.email)).toEqual([]);
    }
    expect(await userCount(w)).toBe(5);
  });

  it("are refused when Sec-Fetch-Site says cross-site or same-site, even with the right Origin", async () => {
    const w = await makeWorld();
    for (const site of ["cross-site", "same-site"]) {
      const res = await api("/api/auth/register", {
        app: w.slug,
        json: validRegistration(),
        headers: { "sec-fetch-site": site },
      });
      expect(await envelopeOf(res), site).toBe("CSRF_REJECTED");
    }
    expect(await userCount(w)).toBe(5);
  });

  it("cannot log a victim out: the session survives a cross-site POST carrying its cookie", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const res = await api("/api/auth/logout", {
      app: w.slug,
      method: "POST",
      session,
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(await envelopeOf(res)).toBe("CSRF_REJECTED");
    expect((await api("/api/me", { app: w.slug, session })).status).toBe(200);
  });

  it("pass for same-origin browsers and for clients that send neither header", async () => {
    const w = await makeWorld();
    const same = await api("/api/auth/register", {
      app: w.slug,
      json: validRegistration(),
      headers: { "sec-fetch-site": "same-origin" },
    });
    expect(same.status).toBe(202);
    const bare = request(w.slug, "/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(validRegistration()),
    });
    expect((await exports.default.fetch(bare)).status).toBe(202);
  });

  it("pass a plain form posted from the product's own page (Origin null under no-referrer, Sec-Fetch-Site same-origin) and refuse it from elsewhere", async () => {
    const w = await makeWorld();
    const own = await api("/api/auth/register", {
      app: w.slug,
      json: validRegistration(),
      headers: { origin: "null", "sec-fetch-site": "same-origin" },
    });
    expect(own.status).toBe(202);
    for (const site of ["cross-site", "same-site"]) {
      const res = await api("/api/auth/register", {
        app: w.slug,
        json: validRegistration(),
        headers: { origin: "null", "sec-fetch-site": site },
      });
      expect(await envelopeOf(res), site).toBe("CSRF_REJECTED");
    }
    expect(await userCount(w)).toBe(6);
  });
});

describe("hosts and paths", () => {
  it("answers an unknown app or a foreign host with 404 UNKNOWN_APP", async () => {
    expect(await envelopeOf(await api("/api/openapi.json", { app: "nobody-here" }))).toBe("UNKNOWN_APP");
    const foreign = new Request("http://evil.example/api/openapi.json", { headers: { host: "evil.example" } });
    expect(await envelopeOf(await exports.default.fetch(foreign))).toBe("UNKNOWN_APP");
  });

  it("answers an unknown path with the 404 NOT_FOUND envelope", async () => {
    const w = await makeWorld();
    expect(await envelopeOf(await api("/api/nothing/here", { app: w.slug }))).toBe("NOT_FOUND");
    expect(await envelopeOf(await api("/nothing-here", { app: w.slug }))).toBe("NOT_FOUND");
  });
});
