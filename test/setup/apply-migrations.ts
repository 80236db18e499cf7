import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same migration files that `npm start` and deploys apply, to every database.
await applyD1Migrations(env.DIRECTORY, env.DIRECTORY_MIGRATIONS);
await applyD1Migrations(env.DB_CH, env.REGION_MIGRATIONS);
await applyD1Migrations(env.DB_EU, env.REGION_MIGRATIONS);
