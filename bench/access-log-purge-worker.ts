import product from "../src/index";

export { BuildingRoom, EchoRoom } from "../src/index";

/**
 * The product Worker for bench/access-log-purge.mjs, unchanged except that during the hourly purge the
 * two buckets are wrapped with counters of the R2 operations under `access-log/` (list calls, keys
 * listed, delete calls, keys deleted, largest call, time spent in them). After the product's own
 * scheduled handler returns, the counters are logged as one line of numbers:
 * `{"accessLogPurgeIo":{"ch":{…},"eu":{…}}}`. The purge code itself runs as in production.
 */
interface Io {
  listCalls: number;
  keysListed: number;
  maxListLimit: number;
  deleteCalls: number;
  keysDeleted: number;
  maxKeysPerDelete: number;
  r2Ms: number;
  maxCallMs: number;
}
const PREFIX = "access-log/";
const newIo = (): Io => ({
  listCalls: 0,
  keysListed: 0,
  maxListLimit: 0,
  deleteCalls: 0,
  keysDeleted: 0,
  maxKeysPerDelete: 0,
  r2Ms: 0,
  maxCallMs: 0,
});

function counted(bucket: R2Bucket, io: Io): R2Bucket {
  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await run();
    } finally {
      const ms = Date.now() - t0;
      io.r2Ms += ms;
      io.maxCallMs = Math.max(io.maxCallMs, ms);
    }
  };
  return new Proxy(bucket, {
    get(target, prop) {
      if (prop === "list")
        return async (options?: R2ListOptions) => {
          if (!options?.prefix?.startsWith(PREFIX)) return target.list(options);
          const page = await timed(() => target.list(options));
          io.listCalls++;
          io.keysListed += page.objects.length;
          io.maxListLimit = Math.max(io.maxListLimit, options.limit ?? 1000);
          return page;
        };
      if (prop === "delete")
        return async (keys: string | string[]) => {
          const all = Array.isArray(keys) ? keys : [keys];
          const n = all.filter((k) => k.startsWith(PREFIX)).length;
          if (n === 0) return target.delete(keys);
          await timed(() => target.delete(keys));
          io.deleteCalls++;
          io.keysDeleted += n;
          io.maxKeysPerDelete = Math.max(io.maxKeysPerDelete, all.length);
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

export default {
  ...product,
  async scheduled(controller, env, ctx) {
    if (controller.cron !== "17 * * * *") return product.scheduled(controller, env, ctx);
    const io = { ch: newIo(), eu: newIo() };
    const wrapped: Env = { ...env, FILES_CH: counted(env.FILES_CH, io.ch), FILES_EU: counted(env.FILES_EU, io.eu) };
    const t0 = Date.now();
    try {
      await product.scheduled(controller, wrapped, ctx);
    } finally {
      console.log(JSON.stringify({ accessLogPurgeIo: { ...io, handlerMs: Date.now() - t0 } }));
    }
  },
} satisfies ExportedHandler<Env>;
