import { createDb } from "../db/client";
import { serviceProviders, ticketCategories } from "../db/schema/tickets";
import { DEMO_CUSTOMERS, type SeedEnv, seedRegionDb } from "./demo";

/** Demo ticket categories (with answer deadlines) and a craftsman company per demo customer (issue 8). */
const CATEGORIES = [
  { key: "plumbing", de: "Sanitär", en: "Plumbing", hours: 48 },
  { key: "heating", de: "Heizung", en: "Heating", hours: 24 },
  { key: "electrical", de: "Elektrisch", en: "Electrical", hours: 48 },
  { key: "common", de: "Allgemeine Bereiche", en: "Common areas", hours: 120 },
];

export async function seedDemoTickets(env: SeedEnv, now = new Date()) {
  for (const c of DEMO_CUSTOMERS) {
    const db = createDb(seedRegionDb(env, c.jurisdiction));
    const cid = `demo-${c.key}`;
    await db.batch([
      db
        .insert(ticketCategories)
        .values(
          CATEGORIES.map((x) => ({
            id: `demo-${c.key}-cat-${x.key}`,
            customerId: cid,
            name: c.locale === "de" ? x.de : x.en,
            deadlineHours: x.hours,
            createdAt: now,
          })),
        )
        .onConflictDoNothing(),
      db
        .insert(serviceProviders)
        .values({
          id: `demo-${c.key}-provider`,
          customerId: cid,
          name: "Sanitär Muster AG",
          email: `plumber@${c.domain}`,
          trade: "plumbing",
          createdAt: now,
        })
        .onConflictDoNothing(),
    ]);
  }
}
