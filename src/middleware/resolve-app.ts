import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { type Customer, customers } from "../db/schema/customers";
import { configFrom, DEV_DEFAULT_APP } from "../lib/config";
import { AppError } from "../lib/errors";
import { regionStores } from "../region";
import { lookupApp, slugFromHost } from "../services/directory";

const customerCache = new Map<string, { row: Customer; at: number }>();
const CUSTOMER_TTL_MS = 30_000;

/**
 * Step 1 and 2 of the request path: the host names the app, the directory names its customer and
 * jurisdiction, and the region adapter hands out that jurisdiction's stores. This middleware and the
 * Durable Object are the only readers of `env`.
 */
export const resolveApp = createMiddleware<AppEnv>(async (c, next) => {
  const config = configFrom(c.env);
  const url = new URL(c.req.url);
  const host = c.req.header("host") ?? url.host;
  const slug = slugFromHost(host, config.appDomain, config.environment === "development" ? DEV_DEFAULT_APP : undefined);
  const entry = slug ? await lookupApp(c.env.DIRECTORY, slug) : undefined;
  if (!entry) throw new AppError("UNKNOWN_APP", "There is no app at this address.");

  const stores = regionStores(c.env, entry.jurisdiction);
  const deps = { db: createDb(stores.db), stores, now: () => new Date(), config };
  const cached = customerCache.get(entry.customerId);
  let customer = cached && Date.now() - cached.at < CUSTOMER_TTL_MS ? cached.row : undefined;
  if (!customer) {
    customer = await deps.db.query.customers.findFirst({ where: eq(customers.id, entry.customerId) });
    if (!customer) throw new AppError("UNKNOWN_APP", "There is no app at this address.");
    customerCache.set(customer.id, { row: customer, at: Date.now() });
  }
  c.set("app", { ...entry, origin: `${url.protocol}//${host}` });
  c.set("deps", deps);
  c.set("customer", customer);
  await next();
});

/** Drops cached customer settings after a change, in this isolate (others refresh within 30 s). */
export function forgetCustomer(customerId: string) {
  customerCache.delete(customerId);
}
