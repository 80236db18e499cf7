// Verifies the production settings of wrangler.toml before a deploy (and in `npm test`):
// every store of both jurisdictions is bound in Cloudflare's `eu` storage jurisdiction, the two
// jurisdictions never share a database, bucket or queue, and no development convenience is on.
// workerd cannot emulate jurisdictions, so this check is what stands in for them locally.
import { unstable_readConfig } from "wrangler";

const problems = [];
const cfg = unstable_readConfig({ config: "wrangler.toml", env: "production" }, { hideWarnings: true });
const vars = cfg.vars ?? {};

if (vars.ENVIRONMENT !== "production") problems.push("vars.ENVIRONMENT must be 'production'");
for (const devOnly of [
  "JURISDICTION_EMULATION",
  "DEV_MAIL_VIEWER",
  "TEST_HOOKS",
  "SEED_DEMO",
  "ALLOW_LOOPBACK_WEBHOOKS",
  // bench/api-v1.mjs switches the per-client API rate limit off in development only.
  "API_RATE_LIMIT",
]) {
  if (devOnly in vars) problems.push(`vars.${devOnly} is a development convenience and must not be set in production`);
}
if (!String(vars.PUBLIC_ORIGIN ?? "").startsWith("https://")) problems.push("vars.PUBLIC_ORIGIN must be https");
// The OAuth2 signing key is a secret (`wrangler secret put OAUTH_SIGNING_KEY --env production`), never a
// var in the file: the development key is public. The Worker also refuses keys shorter than 32 bytes.
if ("OAUTH_SIGNING_KEY" in vars)
  problems.push("vars.OAUTH_SIGNING_KEY must not be set in production: use `wrangler secret put OAUTH_SIGNING_KEY`");
// The operator token (decision 0038) is a secret too; the Worker refuses a missing, short or dev token.
if ("OPS_TOKEN" in vars)
  problems.push("vars.OPS_TOKEN must not be set in production: use `wrangler secret put OPS_TOKEN`");

const d1 = new Map((cfg.d1_databases ?? []).map((d) => [d.binding, d]));
for (const binding of ["DIRECTORY", "DB_CH", "DB_EU"]) {
  const d = d1.get(binding);
  if (!d) problems.push(`d1 ${binding} is missing`);
  else if (d.jurisdiction !== "eu") problems.push(`d1 ${binding} must have jurisdiction = "eu"`);
}
if (d1.get("DB_CH")?.database_name === d1.get("DB_EU")?.database_name)
  problems.push("DB_CH and DB_EU must be different databases");

const r2 = new Map((cfg.r2_buckets ?? []).map((b) => [b.binding, b]));
for (const binding of ["FILES_CH", "FILES_EU"]) {
  const b = r2.get(binding);
  if (!b) problems.push(`r2 ${binding} is missing`);
  else if (b.jurisdiction !== "eu") problems.push(`r2 ${binding} must have jurisdiction = "eu"`);
}
if (r2.get("FILES_CH")?.bucket_name === r2.get("FILES_EU")?.bucket_name)
  problems.push("FILES_CH and FILES_EU must be different buckets");

const producers = new Map((cfg.queues?.producers ?? []).map((q) => [q.binding, q.queue]));
if (!producers.get("ACCESS_LOG_CH") || !producers.get("ACCESS_LOG_EU"))
  problems.push("both access-log queues must be bound");
if (producers.get("ACCESS_LOG_CH") === producers.get("ACCESS_LOG_EU"))
  problems.push("the access-log queues must differ");
if (!producers.get("NOTIFY_CH") || !producers.get("NOTIFY_EU")) problems.push("both notify queues must be bound");
if (producers.get("NOTIFY_CH") === producers.get("NOTIFY_EU")) problems.push("the notify queues must differ");
const consumed = new Set((cfg.queues?.consumers ?? []).map((q) => q.queue));
for (const q of producers.values()) if (!consumed.has(q)) problems.push(`queue ${q} has no consumer`);

const rooms = (cfg.durable_objects?.bindings ?? []).find((b) => b.name === "BUILDING_ROOM");
if (!rooms) problems.push("durable object BUILDING_ROOM is missing (the region adapter binds it to jurisdiction 'eu')");
if ((cfg.durable_objects?.bindings ?? []).some((b) => b.name === "ECHO_ROOM"))
  problems.push("ECHO_ROOM is the benchmark's echo room, a development convenience");

if (problems.length) {
  console.error(`Production configuration refused:\n - ${problems.join("\n - ")}`);
  process.exit(1);
}
console.log("Production configuration OK: D1, R2 in jurisdiction eu; ch and eu stores apart; no dev conveniences.");
