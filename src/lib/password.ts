import { argon2id } from "@noble/hashes/argon2.js";
import { base64url } from "./crypto";

/**
 * Password hashing with argon2id (OWASP setting: 19 MiB, t=2, p=1) in pure JS from @noble/hashes.
 * Production Workers cap WebCrypto PBKDF2 at 100,000 iterations and cannot compile WASM at runtime,
 * so neither is used. Stored as a PHC string so parameters can be raised later (rehash on login).
 */
export const ARGON2_PARAMS = { m: 19_456, t: 2, p: 1, dkLen: 32 } as const;

/** Counts KDF runs; tests read it to prove that throttled and unknown-user paths do the same work. */
export const kdfStats = { runs: 0 };

export function hashPassword(password: string): string {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = derive(password, salt, ARGON2_PARAMS);
  const { m, t, p } = ARGON2_PARAMS;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${base64url(salt)}$${base64url(hash)}`;
}

export function verifyPassword(password: string, phc: string): boolean {
  const parsed = parsePhc(phc);
  if (!parsed) {
    // Same work for malformed stored values, so timing tells nothing.
    derive(password, new Uint8Array(16), ARGON2_PARAMS);
    return false;
  }
  const hash = derive(password, parsed.salt, parsed.params);
  return constantTimeEqual(hash, parsed.hash);
}

/**
 * A well-formed hash with the current parameters that no password matches: compared against for
 * unknown accounts (no enumeration). Random bytes instead of a real hash, so building it runs no
 * KDF: computed lazily, the first unknown-address login of an isolate did twice the work.
 */
let dummy: string | undefined;
export function dummyHash(): string {
  const { m, t, p, dkLen } = ARGON2_PARAMS;
  const random = (n: number) => base64url(crypto.getRandomValues(new Uint8Array(n)));
  dummy ??= `$argon2id$v=19$m=${m},t=${t},p=${p}$${random(16)}$${random(dkLen)}`;
  return dummy;
}

export function needsRehash(phc: string): boolean {
  const parsed = parsePhc(phc);
  return !parsed || parsed.params.m !== ARGON2_PARAMS.m || parsed.params.t !== ARGON2_PARAMS.t;
}

function derive(password: string, salt: Uint8Array, params: { m: number; t: number; p: number }) {
  kdfStats.runs++;
  return argon2id(password, salt, { ...params, dkLen: ARGON2_PARAMS.dkLen });
}

function parsePhc(phc: string) {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(phc);
  if (!m) return undefined;
  return {
    params: { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) },
    salt: fromBase64url(m[4] ?? ""),
    hash: fromBase64url(m[5] ?? ""),
  };
}

function fromBase64url(s: string): Uint8Array {
  const b = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
