import { eq } from "drizzle-orm";
import { createDb } from "../db/client";
import { type ApiScope, apiClients } from "../db/schema/api-clients";
import type { Jurisdiction } from "../db/schema/customers";
import { sha256Hex } from "../lib/crypto";
import { insertClient } from "../services/oauth";
import { type SeedEnv, seedRegionDb } from "./demo";

/**
 * Documented OAuth2 clients of the demo customers (development only, printed by `npm start` and listed
 * in README): an integrator client (client credentials, all scopes) and a first-party
 * client (password grant with the demo logins) per customer. Fixed credentials, like the demo passwords.
 */
export interface DemoApiClient {
  app: string;
  customerId: string;
  jurisdiction: Jurisdiction;
  clientId: string;
  clientSecret: string;
  name: string;
  firstParty: boolean;
  scopes: ApiScope[];
}

const ALL: ApiScope[] = [
  "user:profile",
  "master-data:read",
  "master-data:write",
  "resident-services:read",
  "resident-services:write",
];

export const DEMO_API_CLIENTS: DemoApiClient[] = [
  { key: "ch", app: "demo", jurisdiction: "ch" as const },
  { key: "eu", app: "demo-eu", jurisdiction: "eu" as const },
].flatMap((c) => [
  {
    app: c.app,
    customerId: `demo-${c.key}`,
    jurisdiction: c.jurisdiction,
    clientId: `qc_demo-${c.key}-erp`,
    clientSecret: `qs_demo-${c.key}-erp-secret`,
    name: "Demo ERP (integrator)",
    firstParty: false,
    scopes: ALL,
  },
  {
    app: c.app,
    customerId: `demo-${c.key}`,
    jurisdiction: c.jurisdiction,
    clientId: `qc_demo-${c.key}-app`,
    clientSecret: `qs_demo-${c.key}-app-secret`,
    name: "Demo first-party app (password grant)",
    firstParty: true,
    scopes: ALL,
  },
]);

export async function seedDemoApiClients(env: SeedEnv, now = new Date()) {
  for (const c of DEMO_API_CLIENTS) {
    const db = seedRegionDb(env, c.jurisdiction);
    await insertClient(createDb(db), env.DIRECTORY, c.jurisdiction, {
      id: c.clientId,
      customerId: c.customerId,
      name: c.name,
      scopes: c.scopes.join(" "),
      secretHash: await sha256Hex(c.clientSecret),
      firstParty: c.firstParty,
      createdBy: null,
      createdAt: now,
      revokedAt: null,
    });
    // A state seeded by an earlier version keeps its clients: bring the demo clients' scopes up to date
    // (new scopes arrive with new capabilities, e.g. resident-services).
    await createDb(db)
      .update(apiClients)
      .set({ scopes: c.scopes.join(" ") })
      .where(eq(apiClients.id, c.clientId));
  }
  return DEMO_API_CLIENTS;
}
