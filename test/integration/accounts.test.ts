import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/app-env";
import { createDb } from "../../src/db/client";
import { customers, LOCALES } from "../../src/db/schema/customers";
import { configFrom } from "../../src/lib/config";
import { regionStores } from "../../src/region";
import * as accounts from "../../src/services/accounts";
import { LOGIN_FAILURES_PER_ACCOUNT, MAIL_PER_ACCOUNT } from "../../src/services/throttle";
import {
  bodyOf,
  countRows,
  dbOfWorld,
  freshEmail,
  kdfRunsOf,
  loginRequest,
  mailsTo,
  register,
  registerVerified,
  setThrottle,
  tokenFromMail,
  verifyEmail,
} from "../helpers/accounts";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api, errorOf, ORIGIN_OF } from "../helpers/http";

/** Registration and e-mail verification (R-A2; security.md B4, B5). */

const NEW_PASSWORD = "a brand new passphrase";

const usersWithEmail = (db: D1Database, customerId: string, email: string) =>
  countRows(db, "SELECT count(*) AS n FROM users WHERE customer_id = ?1 AND email = ?2", customerId, email);

const verify = (slug: string, token: string, password = NEW_PASSWORD) => verifyEmail(slug, token, password);

describe("POST /api/auth/register", () => {
  it("answers a new and an already registered address with the same status, body and hashing work", async () => {
    const w = await makeWorld();
    const fresh = await kdfRunsOf(() => register(w.slug, { email: freshEmail(), password: NEW_PASSWORD }));
    const known = await kdfRunsOf(() => register(w.slug, { email: w.emails.resident, password: NEW_PASSWORD }));

    expect(fresh.result.status).toBe(202);
    expect(known.result.status).toBe(202);
    expect(await known.result.json()).toEqual(await fresh.result.json());
    expect(known.runs).toBe(fresh.runs);
  });

  it("mails a verification link to the app's own origin and keeps the account pending until it is used", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    expect((await register(w.slug, { email, password: NEW_PASSWORD })).status).toBe(202);

    const [mail] = await mailsTo(w.slug, email);
    expect(mail?.template).toBe("verify-email");
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/verify-email?token=`);
    const status = await dbOfWorld(w)
      .prepare("SELECT status FROM users WHERE customer_id = ?1 AND email = ?2")
      .bind(w.customerId, email)
      .first<{ status: string }>();
    expect(status?.status).toBe("pending");
  });

  it("refuses login before verification with 403 EMAIL_NOT_VERIFIED and allows it after", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });

    const early = await loginRequest(w.slug, email, NEW_PASSWORD);
    expect(early.status).toBe(403);
    expect((await errorOf(early)).code).toBe("EMAIL_NOT_VERIFIED");

    expect((await verify(w.slug, await tokenFromMail(w.slug, email, "verify-email"))).status).toBe(204);
    expect((await loginRequest(w.slug, email, NEW_PASSWORD)).status).toBe(200);
  });

  it("does not reveal a pending account's existence to a wrong password", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });
    const res = await loginRequest(w.slug, email, "not the password at all");
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("INVALID_CREDENTIALS");
  });

  it("mails a known address an account-exists notice instead of creating a second account", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    expect(await usersWithEmail(db, w.customerId, w.emails.resident)).toBe(1);

    const res = await register(w.slug, { email: w.emails.resident.toUpperCase(), password: NEW_PASSWORD });
    expect(res.status).toBe(202);

    expect(await usersWithEmail(db, w.customerId, w.emails.resident)).toBe(1);
    const mails = await mailsTo(w.slug, w.emails.resident);
    expect(mails.map((m) => m.template)).toEqual(["account-exists"]);
    // The existing password is untouched.
    expect((await loginRequest(w.slug, w.emails.resident, PASSWORD)).status).toBe(200);
  });

  it("stores a registered address in lower case, so it cannot be registered twice by changing case", async () => {
    const w = await makeWorld();
    const email = freshEmail("Mixed.Case");
    await registerVerified(w.slug, { email, password: NEW_PASSWORD });
    await register(w.slug, { email: email.toLowerCase(), password: NEW_PASSWORD });

    expect(await usersWithEmail(dbOfWorld(w), w.customerId, email.toLowerCase())).toBe(1);
    expect((await mailsTo(w.slug, email))[0]?.template).toBe("account-exists");
  });

  it("answers the 6th registration of one address within an hour with 429 RATE_LIMITED, without hashing", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await setThrottle(dbOfWorld(w), MAIL_PER_ACCOUNT, `${w.customerId}:${email}`, MAIL_PER_ACCOUNT.max, new Date());
    const { runs, result } = await kdfRunsOf(() => register(w.slug, { email, password: NEW_PASSWORD }));
    expect(result.status).toBe(429);
    expect((await errorOf(result)).code).toBe("RATE_LIMITED");
    expect(result.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(runs).toBe(0);
    expect(await mailsTo(w.slug, email)).toEqual([]);
  });

  it("refuses a password shorter than 8 characters with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const res = await register(w.slug, { email: freshEmail(), password: "1234567" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
  });

  it("mails in the registration's language: de, fr, it and en subjects all differ", async () => {
    const w = await makeWorld();
    const subjects: string[] = [];
    for (const locale of LOCALES) {
      const email = freshEmail(locale);
      expect((await register(w.slug, { email, password: NEW_PASSWORD, locale })).status).toBe(202);
      const [mail] = await mailsTo(w.slug, email);
      expect(mail?.subject.trim()).not.toBe("");
      expect(mail?.subject).not.toMatch(/\{\w+\}/);
      subjects.push(mail?.subject ?? "");
    }
    expect(new Set(subjects).size).toBe(LOCALES.length);
  });
});

describe("POST /api/auth/verify-email", () => {
  it("refuses a token used a second time with 400 TOKEN_INVALID", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });
    const token = await tokenFromMail(w.slug, email, "verify-email");

    expect((await verify(w.slug, token)).status).toBe(204);
    const again = await verify(w.slug, token);
    expect(again.status).toBe(400);
    expect((await errorOf(again)).code).toBe("TOKEN_INVALID");
  });

  it("refuses an expired token with 400 TOKEN_INVALID and leaves the account pending", async () => {
    const w = await makeWorld();
    const db = dbOfWorld(w);
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });
    const token = await tokenFromMail(w.slug, email, "verify-email");
    await db
      .prepare(
        "UPDATE auth_tokens SET expires_at = ?1 WHERE user_id = (SELECT id FROM users WHERE customer_id = ?2 AND email = ?3)",
      )
      .bind(Date.now() - 1000, w.customerId, email)
      .run();

    const res = await verify(w.slug, token);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");
    expect((await loginRequest(w.slug, email, NEW_PASSWORD)).status).toBe(403);
  });

  it("refuses a token of customer A on customer B's host", async () => {
    const a = await makeWorld();
    const b = await makeWorld();
    const email = freshEmail();
    await register(a.slug, { email, password: NEW_PASSWORD });
    const token = await tokenFromMail(a.slug, email, "verify-email");

    const res = await verify(b.slug, token);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");
    // Still valid where it belongs: the failed use on B did not spend it.
    expect((await verify(a.slug, token)).status).toBe(204);
  });

  it("refuses a made-up token and a password-reset token with the same answer", async () => {
    const w = await makeWorld();
    await api("/api/auth/password-reset", { app: w.slug, json: { email: w.emails.resident } });
    const resetToken = await tokenFromMail(w.slug, w.emails.resident, "reset-password");

    const wrongPurpose = await verify(w.slug, resetToken);
    const madeUp = await verify(w.slug, "A".repeat(43));
    expect(wrongPurpose.status).toBe(400);
    expect(madeUp.status).toBe(400);
    expect((await bodyOf(wrongPurpose)).error).toEqual((await bodyOf(madeUp)).error);
  });

  it("invalidates the earlier link when a pending address registers again", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: "first passphrase" });
    const first = await tokenFromMail(w.slug, email, "verify-email");
    await register(w.slug, { email, password: "second passphrase" });
    const second = await tokenFromMail(w.slug, email, "verify-email");
    expect(second).not.toBe(first);

    const old = await verify(w.slug, first, "first passphrase");
    expect(old.status).toBe(400);
    expect((await errorOf(old)).code).toBe("TOKEN_INVALID");
    expect((await verify(w.slug, second, "second passphrase")).status).toBe(204);
    expect((await loginRequest(w.slug, email, "second passphrase")).status).toBe(200);
  });
});

describe("POST /api/auth/verify-email with the sign-up password", () => {
  it("refuses a wrong password with 401 INVALID_CREDENTIALS and keeps the link usable", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });
    const token = await tokenFromMail(w.slug, email, "verify-email");

    const wrong = await verify(w.slug, token, "not the sign-up password");
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe("INVALID_CREDENTIALS");
    expect((await loginRequest(w.slug, email, NEW_PASSWORD)).status).toBe(403);

    expect((await verify(w.slug, token)).status).toBe(204);
    expect((await loginRequest(w.slug, email, NEW_PASSWORD)).status).toBe(200);
  });

  it("answers 429 RATE_LIMITED without hashing once the account's failure limit is reached", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });
    const token = await tokenFromMail(w.slug, email, "verify-email");
    const limit = LOGIN_FAILURES_PER_ACCOUNT;
    await setThrottle(dbOfWorld(w), limit, `${w.customerId}:${email}`, limit.max, new Date());

    const { runs, result } = await kdfRunsOf(() => verify(w.slug, token));
    expect(result.status).toBe(429);
    expect((await errorOf(result)).code).toBe("RATE_LIMITED");
    expect(runs).toBe(0);
  });

  it("refuses a missing password with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    const email = freshEmail();
    await register(w.slug, { email, password: NEW_PASSWORD });
    const token = await tokenFromMail(w.slug, email, "verify-email");
    const res = await api("/api/auth/verify-email", { app: w.slug, json: { token } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
  });

  it("does not let a pre-registration with the victim's address take the account over", async () => {
    const w = await makeWorld();
    const victim = freshEmail("victim");
    const attackerPassword = "attacker passphrase A";
    const victimPassword = "victim passphrase B";
    // The attacker registers the victim's address first; the mail goes to the victim's mailbox.
    await register(w.slug, { email: victim, password: attackerPassword });
    const attackerLink = await tokenFromMail(w.slug, victim, "verify-email");

    // The victim clicks that link with their own password: refused, the account stays pending.
    const click = await verify(w.slug, attackerLink, victimPassword);
    expect(click.status).toBe(401);
    expect((await errorOf(click)).code).toBe("INVALID_CREDENTIALS");

    // The victim registers again: the latest password wins and the earlier link dies.
    await register(w.slug, { email: victim, password: victimPassword });
    const victimLink = await tokenFromMail(w.slug, victim, "verify-email");
    expect(victimLink).not.toBe(attackerLink);
    const stale = await verify(w.slug, attackerLink, attackerPassword);
    expect(stale.status).toBe(400);
    expect((await errorOf(stale)).code).toBe("TOKEN_INVALID");
    expect((await verify(w.slug, victimLink, victimPassword)).status).toBe(204);

    const attacker = await loginRequest(w.slug, victim, attackerPassword);
    expect(attacker.status).toBe(401);
    expect((await errorOf(attacker)).code).toBe("INVALID_CREDENTIALS");
    expect((await loginRequest(w.slug, victim, victimPassword)).status).toBe(200);
  });
});

describe("accounts.register", () => {
  it("treats losing a race for a new address like registering a known one, not as a server error", async () => {
    const w = await makeWorld();
    const db = createDb(dbOfWorld(w));
    const customer = await db.query.customers.findFirst({ where: eq(customers.id, w.customerId) });
    if (!customer) throw new Error("no customer");
    const deps: Deps = {
      db,
      stores: regionStores(env, w.jurisdiction),
      now: () => new Date(),
      config: configFrom(env),
    };
    const email = freshEmail();
    const input = { name: "Nora", email, password: NEW_PASSWORD };
    await accounts.register(deps, customer, ORIGIN_OF(w.slug), input);

    // The second request looked before the first one's row existed (two isolates at once).
    const blindUsers = Object.assign(Object.create(db.query.users), { findFirst: async () => undefined });
    const racing: Deps = {
      ...deps,
      db: Object.assign(Object.create(db), { query: { ...db.query, users: blindUsers } }),
    };
    await expect(accounts.register(racing, customer, ORIGIN_OF(w.slug), input)).resolves.toBeUndefined();
    expect(await usersWithEmail(dbOfWorld(w), w.customerId, email)).toBe(1);
  });
});
