import { expect } from "vitest";
import type { Locale } from "../../src/db/schema/customers";
import { sha256Hex } from "../../src/lib/crypto";
import { kdfStats } from "../../src/lib/password";
import type { Limit } from "../../src/services/throttle";
import type { ErrorBody } from "../../src/shared/error-codes";
import { dbOf, type World } from "./factories";
import { api, sessionFrom } from "./http";

/** Helpers of the account, session and HTTP-convention suites: mails, tokens, throttles, raw rows. */

export interface DevMail {
  id: string;
  to: string;
  subject: string;
  body: string;
  template: string;
  createdAt: string;
}

/** The outbox of an app for one address, newest first (the dev-only mail endpoint). */
export async function mailsTo(slug: string, to: string): Promise<DevMail[]> {
  const res = await api(`/api/dev/mail?to=${encodeURIComponent(to)}`, { app: slug });
  expect(res.status).toBe(200);
  return (await res.json()) as DevMail[];
}

/** The token of the newest mail of a template to an address, read from its link. */
export async function tokenFromMail(slug: string, to: string, template: string): Promise<string> {
  const mail = (await mailsTo(slug, to)).find((m) => m.template === template);
  const token = mail && /[?&]token=([\w%-]+)/.exec(mail.body)?.[1];
  if (!token) throw new Error(`no ${template} mail with a link to ${to}`);
  return decodeURIComponent(token);
}

let ipCounter = 0;
/**
 * A fresh client address per call: logins count per IP (30 per 15 minutes) in storage shared by the
 * whole file, so tests that do not test that limit must not share one.
 */
export function freshIp(): string {
  ipCounter++;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}

export function freshEmail(label = "new"): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

export function loginRequest(slug: string, email: string, password: string, ip = freshIp(), session?: string) {
  return api("/api/auth/login", {
    app: slug,
    json: { email, password },
    headers: { "cf-connecting-ip": ip },
    session,
  });
}

/** Logs in from a fresh IP and returns the session token. */
export async function loginAs(slug: string, email: string, password: string): Promise<string> {
  const res = await loginRequest(slug, email, password);
  expect(res.status).toBe(200);
  const token = sessionFrom(res);
  if (!token) throw new Error("no session cookie");
  return token;
}

export interface Registration {
  name?: string;
  email: string;
  password: string;
  locale?: Locale;
}

export function register(slug: string, r: Registration) {
  return api("/api/auth/register", { app: slug, json: { name: r.name ?? "Nora Neu", ...r } });
}

/** Confirms an address with the mailed token and the password chosen at sign-up. */
export function verifyEmail(slug: string, token: string, password: string) {
  return api("/api/auth/verify-email", { app: slug, json: { token, password } });
}

/** Registers a new address and confirms it through the mailed link. */
export async function registerVerified(slug: string, r: Registration): Promise<void> {
  expect((await register(slug, r)).status).toBe(202);
  const token = await tokenFromMail(slug, r.email, "verify-email");
  expect((await verifyEmail(slug, token, r.password)).status).toBe(204);
}

/** Runs `fn` and returns how many argon2id derivations it caused. */
export async function kdfRunsOf<T>(fn: () => Promise<T>): Promise<{ runs: number; result: T }> {
  const before = kdfStats.runs;
  const result = await fn();
  return { runs: kdfStats.runs - before, result };
}

export async function bodyOf(res: Response): Promise<ErrorBody> {
  return (await res.json()) as ErrorBody;
}

/** The region database of a world, for reading and moving rows the API does not expose. */
export const dbOfWorld = (w: World): D1Database => dbOf(w.jurisdiction);

export async function countRows(db: D1Database, sql: string, ...binds: unknown[]): Promise<number> {
  const row = await db
    .prepare(sql)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The row key of a throttle counter, as src/services/throttle.ts computes it. */
export const throttleKey = (limit: Limit, subject: string) => sha256Hex(`${limit.name}:${subject}`);

/** Sets a throttle counter directly: simulates earlier attempts (or a window that started long ago). */
export async function setThrottle(db: D1Database, limit: Limit, subject: string, count: number, windowStart: Date) {
  await db
    .prepare(
      "INSERT INTO throttles (key, window_start, count) VALUES (?1, ?2, ?3) " +
        "ON CONFLICT (key) DO UPDATE SET window_start = ?2, count = ?3",
    )
    .bind(await throttleKey(limit, subject), windowStart.getTime(), count)
    .run();
}

export async function throttleCount(db: D1Database, limit: Limit, subject: string): Promise<number | undefined> {
  const row = await db
    .prepare("SELECT count FROM throttles WHERE key = ?1")
    .bind(await throttleKey(limit, subject))
    .first<{ count: number }>();
  return row?.count;
}
