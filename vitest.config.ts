import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd against the real bindings (in-memory, isolated per test file) and the
// real migrations; they share no state or port with `npm start`.
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          REGION_MIGRATIONS: await readD1Migrations("./migrations/region"),
          DIRECTORY_MIGRATIONS: await readD1Migrations("./migrations/directory"),
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**"],
    setupFiles: ["./test/setup/apply-migrations.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
}));
