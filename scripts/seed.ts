import { DEMO_PASSWORD, seedDemo } from "../src/seed/demo";
import { DEMO_API_CLIENTS } from "../src/seed/demo-api-clients";
import { openLocalEnv } from "./local-env";

// Seeds the demo customers into the local databases (idempotent) and prints the logins.
const { env, dispose } = await openLocalEnv();
try {
  const logins = await seedDemo(env);
  const url = (app: string) => (app === "demo" ? "http://localhost:8787" : `http://${app}.localhost:8787`);
  console.log("\nQuartier demo logins (password for all: %s)", DEMO_PASSWORD);
  for (const app of [...new Set(logins.map((l) => l.app))]) {
    console.log(`\n  ${url(app)}`);
    for (const l of logins.filter((x) => x.app === app)) console.log(`    ${l.email.padEnd(34)} ${l.role}`);
  }
  console.log("\nIntegrator API clients (OAuth2 token endpoint: POST http://localhost:8787/oauth/token)");
  for (const c of DEMO_API_CLIENTS) {
    const grant = c.firstParty ? "password grant (demo logins)" : "client_credentials";
    console.log(`    ${c.app.padEnd(8)} ${c.clientId.padEnd(20)} ${c.clientSecret.padEnd(28)} ${grant}`);
  }
  console.log("\n  Dev mail viewer: http://localhost:8787/_dev/mail  ·  API docs: http://localhost:8787/api/docs\n");
} finally {
  await dispose();
}
