#!/usr/bin/env bash
# worker-configuration.d.ts is generated from wrangler.toml (`npm run types`); fail when it is stale.
set -euo pipefail
tmp=worker-configuration.check.d.ts
trap 'rm -f "$tmp"' EXIT
wrangler types "$tmp" >/dev/null
if ! diff -q <(sed 1,2d "$tmp") <(sed 1,2d worker-configuration.d.ts) >/dev/null; then
  echo "worker-configuration.d.ts is stale: run \`npm run types\` and commit it." >&2
  exit 1
fi
