import { defineConfig } from "drizzle-kit";

// The schema of each jurisdiction's database (DB_CH, DB_EU): same tables, separate stores.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations/region",
});
