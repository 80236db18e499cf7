/**
 * The `next` of a login (deep links through the login, issue 6, decision 0026): where to land after
 * logging in. Only a path on this origin is accepted; anything that could leave it (a scheme, `//host`,
 * a backslash that browsers read as a slash, control characters that URL parsing drops) is refused.
 */
const BASE = "https://next.invalid";

export function safeNext(raw: string | undefined | null): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return null;
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  if (raw.includes("\\")) return null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
  }
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Normalisation (dot segments, encoding) must not have produced a protocol-relative path.
  if (!path.startsWith("/") || path.startsWith("//")) return null;
  return path;
}

/** The login page, remembering where the person was going (`next` only when it is safe). */
export function loginUrl(requestUrl: string): string {
  const u = new URL(requestUrl);
  const next = safeNext(`${u.pathname}${u.search}`);
  return next && next !== "/" ? `/?next=${encodeURIComponent(next)}` : "/";
}
