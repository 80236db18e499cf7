import type { AppConfig } from "../app-env";
import { AppError } from "../lib/errors";

/**
 * SSRF guard for webhook targets (security F6, decision 0019). In production a target must be
 * `https:` on a public host name: no IP literals at all (Workers refuse direct-IP fetches anyway, and
 * an IP literal is how private ranges are reached), no `localhost`/`.localhost`/`.local`/`.internal`/
 * `.home.arpa` names, no single-label names, no credentials in the URL. Development allows `http:` and
 * loopback targets so tests and local receivers work. The URL parser normalises odd spellings first
 * (`http://2130706433/`, `0x7f.1`, `[::ffff:127.0.0.1]`), so the checks see the real address.
 */
export function checkWebhookUrl(raw: string, config: Pick<AppConfig, "environment">): URL {
  const refuse = (why: string) => new AppError("WEBHOOK_URL_REFUSED", `The webhook URL is not allowed: ${why}.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("not a valid absolute URL");
  }
  if (url.username || url.password) throw refuse("credentials in the URL");
  if (url.hash) throw refuse("a fragment is never sent");
  if (raw.length > 2048) throw refuse("longer than 2048 characters");
  const production = config.environment === "production";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && !production)) throw refuse("https only");
  if (!production) return url;

  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (isIpLiteral(host)) {
    const range = privateRange(host);
    throw refuse(range ? `${range} address` : "IP addresses are not allowed, use a host name");
  }
  if (!host.includes(".")) throw refuse("single-label host names are not allowed");
  if (LOCAL_NAMES.some((n) => host === n || host.endsWith(`.${n}`))) throw refuse("local host names are not allowed");
  return url;
}

const LOCAL_NAMES = ["localhost", "local", "internal", "home.arpa", "localdomain", "intranet", "lan"];

function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** The name of the special range an IP literal falls into (for the error message), or null if public. */
export function privateRange(host: string): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return v4Range(v4.slice(1).map(Number));
  const v6 = host.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const parts =
      mapped.length === 2
        ? (mapped[1] as string).split(".").map(Number)
        : [Number.parseInt(mapped[1] as string, 16), Number.parseInt(mapped[2] as string, 16)].flatMap((x) => [
            x >> 8,
            x & 255,
          ]);
    return v4Range(parts) ?? "IPv4-mapped";
  }
  if (v6 === "::" || v6 === "::1") return "loopback";
  if (/^f[cd]/.test(v6)) return "private (unique local)";
  if (/^fe[89ab]/.test(v6)) return "link-local";
  if (/^ff/.test(v6)) return "multicast";
  return null;
}

function v4Range([a = 0, b = 0]: number[]): string | null {
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b <= 127) return "shared (carrier-grade NAT)";
  if (a === 0) return "unspecified";
  if (a >= 224) return "multicast or reserved";
  if (a === 198 && (b === 18 || b === 19)) return "benchmarking";
  return null;
}
