import { defineConfig } from "drizzle-kit";

// The directory database: routing only, no personal data.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/directory.ts",
  out: "./migrations/directory",
});
