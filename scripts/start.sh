#!/usr/bin/env bash
# `npm start`: apply every local D1 migration, seed the demo data (idempotent), run the Worker on
# http://localhost:8787 with local D1, Durable Objects, R2 and Queues. No account, no network.
set -euo pipefail
export WRANGLER_SEND_METRICS=false CI=1
for db in DIRECTORY DB_CH DB_EU; do
  wrangler d1 migrations apply "$db" --local >/dev/null
done
tsx scripts/seed.ts
# The web app (resident app and manager console) is served from the Worker's static assets.
vite build --config web/vite.config.ts --logLevel warn
node scripts/web-size.mjs
exec wrangler dev --port 8787 --ip 127.0.0.1 --show-interactive-dev-session=false
