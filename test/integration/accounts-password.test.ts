import { describe, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_ACCOUNT, MAIL_PER_ACCOUNT } from "../../src/services/throttle";
import {
  bodyOf,
  dbOfWorld,
  freshEmail,
  kdfRunsOf,
  loginAs,
  loginRequest,
  mailsTo,
  setThrottle,
  throttleCount,
  tokenFromMail,
} from "../helpers/accounts";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, errorOf, sessionFrom } from "../helpers/http";

/** Password reset and password change (R-A7; security.md B4, B5, C2, C4). */

const NEW_PASSWORD = "a brand new passphrase";

const askReset = (slug: string, email: string) => api("/api/auth/password-reset", { app: slug, json: { email } });
const confirmReset = (slug: string, token: string, password = NEW_PASSWORD) =>
  api("/api/auth/password-reset/confirm", { app: slug, json: { token, password } });
const me = (slug: string, session: string) => api("/api/me", { app: slug, session });
const change = (slug: string, session: string, currentPassword: string, newPassword: string) =>
  api("/api/auth/password-change", { app: slug, session, json: { currentPassword, newPassword } });

describe("POST /api/auth/password-reset", () => {
  it("answers an unknown and a known address with the same status and body", async () => {
    const w = await makeWorld();
    const unknown = await askReset(w.slug, freshEmail("nobody"));
    const known = await askReset(w.slug, w.emails.resident);

    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(await known.json()).toEqual(await unknown.json());
  });

  it("mails a link only to a known address", async () => {
    const w = await makeWorld();
    const nobody = freshEmail("nobody");
    await askReset(w.slug, nobody);
    await askReset(w.slug, w.emails.resident);

    expect(await mailsTo(w.slug, nobody)).toEqual([]);
    expect((await mailsTo(w.slug, w.emails.resident)).map((m) => m.template)).toEqual(["reset-password"]);
  });

  it("sets the new password from the mailed link, retires the old one and ends every session", async () => {
    const w = await makeWorld();
    const laptop = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const phone = await loginAs(w.slug, w.emails.resident, PASSWORD);
    await askReset(w.slug, w.emails.resident);

    const res = await confirmReset(w.slug, await tokenFromMail(w.slug, w.emails.resident, "reset-password"));
    expect(res.status).toBe(204);

    expect((await me(w.slug, laptop)).status).toBe(401);
    expect((await me(w.slug, phone)).status).toBe(401);
    const old = await loginRequest(w.slug, w.emails.resident, PASSWORD);
    expect(old.status).toBe(401);
    expect((await errorOf(old)).code).toBe("INVALID_CREDENTIALS");
    expect((await loginRequest(w.slug, w.emails.resident, NEW_PASSWORD)).status).toBe(200);
  });

  it("ends a lock-out from failed logins: the new password logs in at once", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const account = `${w.customerId}:${w.emails.resident}`;
    await setThrottle(db, LOGIN_FAILURES_PER_ACCOUNT, account, LOGIN_FAILURES_PER_ACCOUNT.max, new Date());
    const locked = await loginRequest(w.slug, w.emails.resident, PASSWORD);
    expect(locked.status).toBe(429);
    expect((await errorOf(locked)).code).toBe("RATE_LIMITED");

    await askReset(w.slug, w.emails.resident);
    const res = await confirmReset(w.slug, await tokenFromMail(w.slug, w.emails.resident, "reset-password"));
    expect(res.status).toBe(204);

    expect(await throttleCount(db, LOGIN_FAILURES_PER_ACCOUNT, account)).toBeUndefined();
    expect((await loginRequest(w.slug, w.emails.resident, NEW_PASSWORD)).status).toBe(200);
  });

  it("refuses the link a second time with 400 TOKEN_INVALID", async () => {
    const w = await makeWorld();
    await askReset(w.slug, w.emails.resident);
    const token = await tokenFromMail(w.slug, w.emails.resident, "reset-password");

    expect((await confirmReset(w.slug, token)).status).toBe(204);
    const again = await confirmReset(w.slug, token, "yet another passphrase");
    expect(again.status).toBe(400);
    expect((await errorOf(again)).code).toBe("TOKEN_INVALID");
    expect((await loginRequest(w.slug, w.emails.resident, NEW_PASSWORD)).status).toBe(200);
  });

  it("refuses a link past its 30 minutes with 400 TOKEN_INVALID and keeps the old password", async () => {
    const w = await makeWorld();
    await askReset(w.slug, w.emails.resident);
    const token = await tokenFromMail(w.slug, w.emails.resident, "reset-password");
    await dbOfWorld(w)
      .prepare("UPDATE auth_tokens SET expires_at = ?1 WHERE user_id = ?2")
      .bind(Date.now() - 1, w.userIds.resident)
      .run();

    const res = await confirmReset(w.slug, token);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(200);
  });

  it("refuses a link of customer A on customer B's host", async () => {
    const a = await makeWorld();
    const b = await makeWorld();
    await askReset(a.slug, a.emails.resident);
    const token = await tokenFromMail(a.slug, a.emails.resident, "reset-password");

    const res = await confirmReset(b.slug, token);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");
  });

  it("refuses a made-up token with 400 TOKEN_INVALID before spending a KDF run on the new password", async () => {
    const w = await makeWorld();
    const { runs, result } = await kdfRunsOf(() => confirmReset(w.slug, "m".repeat(43)));
    expect(result.status).toBe(400);
    expect((await errorOf(result)).code).toBe("TOKEN_INVALID");
    expect(runs).toBe(0);
  });

  it("answers the 6th request for one address within an hour with 429, known or not", async () => {
    const w = await makeWorld();
    const nobody = freshEmail("nobody");
    for (let i = 0; i < MAIL_PER_ACCOUNT.max; i++) {
      expect((await askReset(w.slug, w.emails.resident)).status).toBe(202);
      expect((await askReset(w.slug, nobody)).status).toBe(202);
    }
    const known = await askReset(w.slug, w.emails.resident);
    const unknown = await askReset(w.slug, nobody);
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect((await bodyOf(known)).error).toEqual((await bodyOf(unknown)).error);
    expect(await mailsTo(w.slug, w.emails.resident)).toHaveLength(MAIL_PER_ACCOUNT.max);
  });

  it("refuses a verification token as a reset token", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await api("/api/auth/register", { app: w.slug, json: { name: "Nora", email, password: NEW_PASSWORD } });
    const verifyToken = await tokenFromMail(w.slug, email, "verify-email");

    const res = await confirmReset(w.slug, verifyToken, "a password of my own");
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");
  });
});

describe("POST /api/auth/password-change", () => {
  it("refuses a wrong current password with 401 INVALID_CREDENTIALS and changes nothing", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);

    const res = await change(w.slug, session, "not my password", NEW_PASSWORD);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("INVALID_CREDENTIALS");
    expect(sessionFrom(res)).toBeUndefined();
    expect((await me(w.slug, session)).status).toBe(200);
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(200);
    expect((await mailsTo(w.slug, w.emails.resident)).map((m) => m.template)).not.toContain("password-changed");
  });

  it("sets a new cookie, rejects the old token, ends other sessions and mails a notice", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const other = await loginAs(w.slug, w.emails.resident, PASSWORD);

    const res = await change(w.slug, session, PASSWORD, NEW_PASSWORD);
    expect(res.status).toBe(204);
    const renewed = sessionFrom(res);
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(session);

    expect((await me(w.slug, session)).status).toBe(401);
    expect((await me(w.slug, other)).status).toBe(401);
    expect((await me(w.slug, renewed ?? "")).status).toBe(200);
    const [mail] = await mailsTo(w.slug, w.emails.resident);
    expect(mail?.template).toBe("password-changed");
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(401);
    expect((await loginRequest(w.slug, w.emails.resident, NEW_PASSWORD)).status).toBe(200);
  });

  it("answers with 429 RATE_LIMITED and no hashing once the account's failure limit is reached", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const account = `${w.customerId}:${w.emails.resident}`;
    await setThrottle(dbOfWorld(w), LOGIN_FAILURES_PER_ACCOUNT, account, LOGIN_FAILURES_PER_ACCOUNT.max, new Date());

    const { runs, result } = await kdfRunsOf(() => change(w.slug, session, PASSWORD, NEW_PASSWORD));
    expect(result.status).toBe(429);
    expect((await errorOf(result)).code).toBe("RATE_LIMITED");
    expect(runs).toBe(0);
  });

  it("refuses a new password shorter than 8 characters before checking the current one", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    const res = await change(w.slug, session, PASSWORD, "short");
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 401 UNAUTHENTICATED without a session", async () => {
    const w = await makeWorld();
    const res = await api("/api/auth/password-change", {
      app: w.slug,
      json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
  });
});
