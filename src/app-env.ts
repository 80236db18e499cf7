import type { Db } from "./db/client";
import type { Customer, Jurisdiction } from "./db/schema/customers";
import type { RegionStores } from "./region";
import type { Actor } from "./services/actor";

/** Everything a service needs, built once per request from `env` (the only place besides the DO). */
export interface Deps {
  db: Db;
  stores: RegionStores;
  now: () => Date;
  config: AppConfig;
}

export interface AppConfig {
  environment: "development" | "production";
  publicOrigin: string;
  appDomain: string;
}

export interface ResolvedApp {
  slug: string;
  customerId: string;
  jurisdiction: Jurisdiction;
  /** The origin browsers use for this app (e.g. http://demo-eu.localhost:8787). */
  origin: string;
}

export interface ApiClientPrincipal {
  clientId: string;
  customerId: string;
  scopes: readonly string[];
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    app: ResolvedApp | undefined;
    deps: Deps;
    customer: Customer;
    actor: Actor | null;
    sessionToken: string | undefined;
    /**
     * The integrator API client of a bearer token (/api/v1, /oauth), null for cookie sessions. With a
     * password-grant token `actor` is the user as well; with client credentials `actor` stays null.
     */
    apiClient: ApiClientPrincipal | null;
  };
};
