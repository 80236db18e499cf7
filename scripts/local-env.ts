import { getPlatformProxy } from "wrangler";

/**
 * The local stores of `npm start` (the development environment's D1, R2, Queues in
 * `.wrangler/state`), opened from Node for the seed and the operator commands.
 */
export async function openLocalEnv() {
  const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: true });
  return { env: proxy.env, dispose: () => proxy.dispose() };
}
