import { resolve } from "node:path";
import { getPlatformProxy } from "wrangler";
import { seedDemo } from "../../src/seed/demo";

/**
 * Seeds the demo customers into the bench's own local state (idempotent), not `.wrangler/state`.
 * `wrangler dev --persist-to <dir>` and `wrangler d1 ... --persist-to <dir>` store under `<dir>/v3`,
 * while getPlatformProxy's `persist.path` is used as given, so the caller passes `<dir>/v3`.
 *
 *   tsx bench/lib/seed.ts bench/.state/v3
 */
const target = process.argv[2];
if (!target) throw new Error("usage: tsx bench/lib/seed.ts <persist-dir>/v3");
const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: resolve(target) } });
try {
  const logins = await seedDemo(proxy.env);
  console.log(JSON.stringify({ seeded: logins.length, persist: resolve(target) }));
} finally {
  await proxy.dispose();
}
