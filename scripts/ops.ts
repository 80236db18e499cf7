import { parseArgs } from "node:util";
import { JURISDICTIONS, type Jurisdiction, LOCALES, type Locale } from "../src/db/schema/customers";
import { processingRecord } from "../src/privacy/datamap";
import { createCustomer } from "../src/services/customers";
import { openLocalEnv } from "./local-env";
import { datamapJson, erasuresCommand, holdsCommand, ledgerCommand, PRIVACY_USAGE } from "./ops-privacy";
import { PURGE_USAGE, purgeCommand } from "./ops-purge";

/**
 * Operator commands on the local stores: `npm run ops -- <command> [options]`.
 *   create-customer --slug acme --name "ACME Verwaltung AG" --jurisdiction ch --locale de
 *                   --admin-email admin@acme.example --admin-name "Ada Admin"
 *   datamap --json
 *   ledger replay | erasures run | holds add|release|list   (privacy: see ops-privacy.ts)
 *   purge --dry-run [--jurisdiction ch|eu]                   counts of what the purge would delete
 */
const [command, ...rest] = process.argv.slice(2);

function usage(): never {
  console.error(`usage: npm run ops -- create-customer --slug <slug> --name <name> --jurisdiction ch|eu [--locale de|fr|it|en] --admin-email <e-mail> --admin-name <name>
       npm run ops -- datamap [--json]
${PRIVACY_USAGE}
${PURGE_USAGE}`);
  process.exit(2);
}

if (command === "create-customer") {
  const { values } = parseArgs({
    args: rest,
    options: {
      slug: { type: "string" },
      name: { type: "string" },
      jurisdiction: { type: "string" },
      locale: { type: "string", default: "de" },
      "admin-email": { type: "string" },
      "admin-name": { type: "string" },
    },
  });
  const j = values.jurisdiction as Jurisdiction;
  const l = values.locale as Locale;
  if (
    !values.slug ||
    !values.name ||
    !JURISDICTIONS.includes(j) ||
    !LOCALES.includes(l) ||
    !values["admin-email"] ||
    !values["admin-name"]
  )
    usage();
  const { env, dispose } = await openLocalEnv();
  try {
    const origin = `http://${values.slug}.localhost:8787`;
    const result = await createCustomer(
      { directory: env.DIRECTORY, region: j === "ch" ? env.DB_CH : env.DB_EU },
      {
        slug: values.slug,
        name: values.name,
        jurisdiction: j,
        locale: l,
        admin: { email: values["admin-email"], name: values["admin-name"] },
      },
      origin,
    );
    console.log(`Customer ${values.slug} created in jurisdiction ${j}: ${origin}`);
    console.log(`The first admin sets a password with this one-time link (72 hours):\n  ${result.setPasswordLink}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  } finally {
    await dispose();
  }
} else if (command === "datamap") {
  const rows = processingRecord();
  if (rest.includes("--json")) {
    await datamapJson();
  } else {
    for (const r of rows)
      console.log(`${r.store}.${r.table}.${r.column}\t${r.category}\t${r.basis}\t${r.erasure}\t${r.retention}`);
  }
} else if (command === "ledger") {
  if (!(await ledgerCommand(rest))) usage();
} else if (command === "erasures") {
  if (!(await erasuresCommand(rest))) usage();
} else if (command === "holds") {
  if (!(await holdsCommand(rest))) usage();
} else if (command === "purge") {
  if (!(await purgeCommand(rest))) usage();
} else {
  usage();
}
