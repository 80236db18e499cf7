import { safeEqual, sha256Hex } from "./crypto";

/**
 * The operator credential (decision 0038): a bearer secret `OPS_TOKEN`, set in production with
 * `wrangler secret put OPS_TOKEN --env production` (at least 32 characters, e.g. `openssl rand -hex 32`).
 * Development uses a fixed, public value so that `npm start` and the tests need no setup; production
 * refuses it, and refuses a missing or short secret: the operator routes then do not exist (404).
 */
export const DEV_OPS_TOKEN = "dev-only-ops-token-not-for-production-0123456789";
const DEV_PREFIX = "dev-only-";
export const MIN_OPS_TOKEN_LENGTH = 32;

/** The configured token, or null when the operator routes must not exist in this environment. */
export function opsToken(env: { ENVIRONMENT: string; OPS_TOKEN?: string }): string | null {
  const production = env.ENVIRONMENT === "production";
  const token = env.OPS_TOKEN ?? (production ? undefined : DEV_OPS_TOKEN);
  if (!token || token.length < MIN_OPS_TOKEN_LENGTH) return null;
  if (production && token.startsWith(DEV_PREFIX)) return null;
  return token;
}

/**
 * Whether an Authorization header carries the token. Both sides are hashed first, so the comparison
 * is constant-time over equal lengths and reveals neither the token's length nor a matching prefix.
 */
export async function isOpsBearer(header: string | undefined, token: string): Promise<boolean> {
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
  const given = m?.[1] ?? "";
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(token)]);
  return safeEqual(a, b) && given !== "";
}
