import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Jurisdiction } from "../db/schema/customers";
import { apps } from "../db/schema/directory";

export type DirectoryEntry = { slug: string; customerId: string; jurisdiction: Jurisdiction };

/**
 * Slug → customer and jurisdiction. The mapping changes only when a customer is onboarded, so each
 * isolate keeps positive answers for a minute; unknown slugs are never cached.
 */
const cache = new Map<string, { entry: DirectoryEntry; at: number }>();
const TTL_MS = 60_000;

export async function lookupApp(directory: D1Database, slug: string): Promise<DirectoryEntry | undefined> {
  const hit = cache.get(slug);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.entry;
  const [row] = await drizzle(directory).select().from(apps).where(eq(apps.slug, slug));
  if (!row) return undefined;
  const entry = { slug: row.slug, customerId: row.customerId, jurisdiction: row.jurisdiction };
  cache.set(slug, { entry, at: Date.now() });
  return entry;
}

export async function registerApp(directory: D1Database, entry: DirectoryEntry, now: Date) {
  await drizzle(directory)
    .insert(apps)
    .values({ ...entry, createdAt: now })
    .onConflictDoNothing();
}

/** Which app a host name addresses: `<slug>.<domain>`, or the bare local host for the dev default. */
export function slugFromHost(host: string, appDomain: string, devDefault: string | undefined): string | undefined {
  const name = host.toLowerCase().replace(/:\d+$/, "");
  if (devDefault && (name === appDomain || name === "127.0.0.1")) return devDefault;
  if (name.endsWith(`.${appDomain}`)) {
    const slug = name.slice(0, -appDomain.length - 1);
    if (/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(slug)) return slug;
  }
  return undefined;
}
