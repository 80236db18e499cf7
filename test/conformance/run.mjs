// Allthings SDK conformance (issue 7): starts the product locally (own state, port 8791 or
// CONFORMANCE_PORT, demo data incl. the documented demo API clients), then drives it through the
// unmodified public client `@allthings/sdk@2.16.0` and asserts the shapes it hands back.
// `npm run test:conformance`; part of `npm test`. Shares nothing with `npm start` (port 8787).
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  killAllSync,
  nodeBin,
  prepareLocalState,
  repoRoot,
  start,
  stop,
  tail,
  waitForHttp,
  wranglerJs,
} from "../../bench/lib/proc.mjs";

const root = repoRoot();
const port = Number(process.env.CONFORMANCE_PORT ?? 8791);
const state = join(root, `.wrangler/conformance-state-${port}`);
const logs = join(root, `.wrangler/conformance-logs-${port}`);
const base = `http://localhost:${port}`;

// The documented demo clients and logins of the default demo customer (src/seed/demo*.ts, README).
const APP_ID = "demo-ch";
const ERP = { clientId: "qc_demo-ch-erp", clientSecret: "qs_demo-ch-erp-secret" };
const FIRST_PARTY = { clientId: "qc_demo-ch-app", clientSecret: "qs_demo-ch-app-secret" };
const ADMIN = { username: "admin@demo.quartier.test", password: "quartier-demo" };
const RESIDENT = { username: "anna@demo.quartier.test", password: "quartier-demo" };
/** A real 1×1 PNG (uploads are judged by their bytes and photos are re-encoded without metadata). */
const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

rmSync(state, { recursive: true, force: true });
mkdirSync(logs, { recursive: true });
process.on("exit", killAllSync);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

// The SDK reads its environment once, when the module loads: set it first, then require.
process.env.ALLTHINGS_REST_API_URL = base;
process.env.ALLTHINGS_OAUTH_URL = base;
delete process.env.ALLTHINGS_OAUTH_CLIENT_ID;
delete process.env.ALLTHINGS_OAUTH_CLIENT_SECRET;
delete process.env.ALLTHINGS_OAUTH_USERNAME;
delete process.env.ALLTHINGS_OAUTH_PASSWORD;
const require = createRequire(import.meta.url);
const sdk = require("@allthings/sdk");

/** A client with few, short retries: a wrong 401 (the SDK retries those) fails within seconds. */
const client = (o) =>
  sdk.restClient({
    username: undefined,
    password: undefined,
    clientSecret: undefined,
    requestMaxRetries: 2,
    requestBackOffInterval: 50,
    ...o,
  });

const results = [];
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`  ✓ ${name}`);
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - t0, error: e });
    console.log(
      `  ✗ ${name}\n      ${String(e?.message ?? e)
        .split("\n")
        .join("\n      ")}`,
    );
  }
}
const rejectsWith = async (promise, status) => {
  await assert.rejects(promise, (e) => String(e.message).startsWith(String(status)));
};

async function main() {
  const u = Date.now().toString(36);
  const erp = client({ ...ERP });
  const admin = client({ ...FIRST_PARTY, ...ADMIN });
  const ctx = {};

  await check("token by client credentials; raw GET /v1/properties answers the list envelope", async () => {
    const r = await erp.get("/v1/properties", { filter: "{}", limit: 5, page: 1 });
    assert.ok(Array.isArray(r._embedded.items));
    assert.equal(typeof r.total, "number");
  });

  await check("token by password (e-mail as username); getCurrentUser", async () => {
    const me = await admin.getCurrentUser();
    assert.equal(me.email, ADMIN.username);
    assert.equal(typeof me.id, "string");
    assert.deepEqual(me.tenantIds, {});
    const raw = await admin.get("/v1/me");
    assert.equal(raw.id, me.id);
  });

  await check("refresh token: the SDK refreshes and keeps working", async () => {
    await admin.oauth.refreshToken();
    const me = await admin.getCurrentUser();
    assert.equal(me.email, ADMIN.username);
  });

  await check("a client-credentials token has no account: /v1/me is 403 (not a retried 401)", async () => {
    await rejectsWith(erp.getCurrentUser(), 403);
  });

  await check("a resident's password token may not read master data: 403", async () => {
    const resident = client({ ...FIRST_PARTY, ...RESIDENT });
    assert.equal((await resident.getCurrentUser()).email, RESIDENT.username);
    await rejectsWith(resident.getProperties(), 403);
  });

  await check("appGetById", async () => {
    const app = await erp.appGetById(APP_ID);
    assert.equal(app.id, APP_ID);
    assert.equal(typeof app.name, "string");
    assert.equal(typeof app.siteUrl, "string");
  });

  await check("propertyCreate / propertyGetById / propertyUpdateById / getProperties (UTF-8 filter)", async () => {
    const p = await erp.propertyCreate(APP_ID, {
      name: `Pröpärty ${u}`,
      timezone: "Europe/Berlin",
      externalId: `P-${u}`,
      label: "CF",
    });
    assert.equal(p.name, `Pröpärty ${u}`);
    assert.equal(p.timezone, "Europe/Berlin");
    assert.equal(p.externalId, `P-${u}`);
    const got = await erp.propertyGetById(p.id);
    assert.deepEqual(got, p);
    const upd = await erp.propertyUpdateById(p.id, { label: "CF2" });
    assert.equal(upd.label, "CF2");
    const list = await erp.getProperties(1, -1, { name: `Pröpärty ${u}` });
    assert.equal(list.total, 1);
    assert.equal(list._embedded.items[0].id, p.id);
    ctx.property = p;
  });

  await check("groupCreate (propertyManagerID) / groupGetById (remapped) / groupUpdateById / getGroups", async () => {
    const g = await erp.groupCreate(ctx.property.id, {
      name: `Haus ${u}`,
      propertyManagerId: "pm-cf",
      externalId: `G-${u}`,
      address: { street: "Hauptstrasse", houseNumber: "7", postalCode: "8000", city: "Zürich", country: "CH" },
    });
    assert.equal(g.name, `Haus ${u}`);
    assert.equal(g.propertyManagerID, "pm-cf");
    const got = await erp.groupGetById(g.id);
    assert.equal(got.propertyManagerId, "pm-cf");
    assert.deepEqual(got.address, {
      street: "Hauptstrasse",
      houseNumber: "7",
      postalCode: "8000",
      city: "Zürich",
      country: "CH",
      latitude: null,
      longitude: null,
      type: null,
    });
    assert.equal(got.stats.unitCount, 0);
    const upd = await erp.groupUpdateById(g.id, { description: "Eingang Nord" });
    assert.equal(upd.description, "Eingang Nord");
    const list = await erp.getGroups(1, 10, { externalId: [`G-${u}`] });
    assert.equal(list.total, 1);
    ctx.group = g;
  });

  await check("unitCreate (unset objectType/size are null) / unitGetById / unitUpdateById / getUnits", async () => {
    const un = await erp.unitCreate(ctx.group.id, { name: "1.1", type: "rented", externalId: `U-${u}` });
    assert.equal(un.objectType, null);
    assert.equal(un.size, null);
    assert.equal(un.type, "rented");
    const upd = await erp.unitUpdateById(un.id, { objectType: "flat", size: 74.5 });
    assert.equal(upd.objectType, "flat");
    assert.equal(upd.size, 74.5);
    assert.equal((await erp.unitGetById(un.id)).size, 74.5);
    const list = await erp.getUnits(1, -1, { group: ctx.group.id });
    assert.equal(list.total, 1);
    ctx.unit = un;
  });

  await check("utilisationPeriodCreate / GetById / UpdateById (invitations, users, tenantIds remapped)", async () => {
    const up = await erp.utilisationPeriodCreate(ctx.unit.id, { startDate: "2025-01-01", externalId: `V-${u}` });
    assert.equal(up.startDate, "2025-01-01");
    assert.equal(up.endDate, null);
    assert.deepEqual(up.invitations, []);
    assert.deepEqual(up.users, []);
    assert.deepEqual(up.tenantIds, []);
    const upd = await erp.utilisationPeriodUpdateById(up.id, { endDate: "2099-12-31" });
    assert.equal(upd.endDate, "2099-12-31");
    assert.equal((await erp.utilisationPeriodGetById(up.id)).externalId, `V-${u}`);
    await rejectsWith(erp.utilisationPeriodCreate(ctx.unit.id, { startDate: "2026-01-01" }), 409);
    ctx.period = up;
  });

  await check(
    "userCreate / userGetById / userUpdateById (tenantIDs ↔ tenantIds) / getUsers / userGetByEmail",
    async () => {
      const email = `cf-${u}@example.test`;
      const user = await erp.userCreate(APP_ID, `Conformance ${u}`, {
        email,
        locale: "de_DE",
        plainPassword: "conformance password 1",
        externalId: `T-${u}`,
      });
      assert.equal(user.email, email);
      assert.equal(user.username, `Conformance ${u}`);
      assert.deepEqual(user.tenantIDs, {});
      const got = await erp.userGetById(user.id);
      assert.deepEqual(got.tenantIds, {});
      assert.equal(got.locale, "de_DE");
      const upd = await erp.userUpdateById(user.id, { locale: "fr_FR" });
      assert.equal(upd.locale, "fr_FR");
      const byEmail = await erp.userGetByEmail(email.toUpperCase());
      assert.equal(byEmail.total, 1);
      assert.equal(byEmail._embedded.items[0].id, user.id);
      ctx.user = user;
    },
  );

  await check("filters and pagination: any-of lists, AND of keys, pages with a stable total", async () => {
    const emails = [1, 2, 3].map((n) => `page${n}-${u}@example.test`);
    for (const [i, email] of emails.entries())
      await erp.userCreate(APP_ID, `Page ${i}`, { email, locale: "de_DE", externalId: `PG-${u}-${i}` });
    const first = await erp.getUsers(1, 2, { email: emails });
    const second = await erp.getUsers(2, 2, { email: emails });
    assert.equal(first.total, 3);
    assert.equal(second.total, 3);
    assert.equal(first._embedded.items.length, 2);
    assert.equal(second._embedded.items.length, 1);
    const ids = new Set([...first._embedded.items, ...second._embedded.items].map((x) => x.id));
    assert.equal(ids.size, 3);
    const none = await erp.getUsers(1, -1, { email: emails[0], externalId: `PG-${u}-2` });
    assert.equal(none.total, 0);
  });

  await check(
    "utilisationPeriodCheckInUser / userGetUtilisationPeriods / the new user logs in / check-out (204)",
    async () => {
      const up = await erp.utilisationPeriodCheckInUser(ctx.period.id, { email: ctx.user.email });
      assert.deepEqual(
        up.users.map((x) => x.id),
        [ctx.user.id],
      );
      const mine = await erp.userGetUtilisationPeriods(ctx.user.id);
      assert.deepEqual(
        mine.map((x) => x.id),
        [ctx.period.id],
      );
      const newcomer = client({ ...FIRST_PARTY, username: ctx.user.email, password: "conformance password 1" });
      assert.equal((await newcomer.getCurrentUser()).id, ctx.user.id);
      assert.equal(await erp.utilisationPeriodCheckOutUser(ctx.period.id, ctx.user.id), true);
      assert.deepEqual(await erp.userGetUtilisationPeriods(ctx.user.id), []);
    },
  );

  await check(
    "registration codes: create (tenantID → externalId), update, get, add to a period, delete (204) → 404",
    async () => {
      const code = await erp.registrationCodeCreate(`CF${u}`.toUpperCase().padEnd(10, "X"), ctx.period.id, {
        externalId: `R-${u}`,
        permanent: false,
      });
      assert.equal(code.externalId, `R-${u}`);
      assert.deepEqual(code.utilisationPeriods, [ctx.period.id]);
      const upd = await erp.registrationCodeUpdateById(code.id, { permanent: true });
      assert.equal(upd.permanent, true);
      assert.equal(upd.externalId, `R-${u}`);
      const got = await erp.registrationCodeGetById(code.id);
      assert.equal(got.code, code.code);
      const added = await erp.utilisationPeriodAddRegistrationCode(
        ctx.period.id,
        `CFB${u}`.toUpperCase().padEnd(10, "Y"),
      );
      assert.equal(typeof added.id, "string");
      const up = await erp.utilisationPeriodGetById(ctx.period.id);
      assert.equal(up.invitations.length, 2);
      assert.equal(await erp.registrationCodeDelete(code.id), true);
      await rejectsWith(erp.registrationCodeGetById(code.id), 404);
      await rejectsWith(erp.registrationCodeCreate("1234", ctx.period.id), 400);
    },
  );

  // Resident services (P3, decision 0028): uploads, tickets for a resident, the ticket's conversation.
  const png = () => Buffer.from(PNG_1X1, "base64");

  await check("fileCreate (multipart; path without trailing slash) / fileDelete (204)", async () => {
    const f = await erp.fileCreate({ file: png(), name: "deers.png", path: "deers/" });
    assert.equal(f.name, "deers.png");
    assert.equal(f.type, "image/png");
    assert.equal(f.path, "deers");
    assert.equal(await erp.fileDelete(f.id), true);
    await rejectsWith(erp.fileDelete(f.id), 404);
    await rejectsWith(erp.fileCreate({ file: Buffer.from("<html>not a photo</html>"), name: "x.png" }), 415);
  });

  await check("ticketCreate (with a photo, for a checked-in user) / ticketGetById", async () => {
    await erp.utilisationPeriodCheckInUser(ctx.period.id, { email: ctx.user.email });
    const t = await erp.ticketCreate(ctx.user.id, ctx.period.id, {
      category: `${APP_ID}-cat-plumbing`,
      title: `Tap ${u}`,
      description: "The kitchen tap drips.",
      inputChannel: "app",
      files: [{ content: png(), filename: "tap.png" }],
    });
    assert.equal(t.title, `Tap ${u}`);
    assert.equal(t.description, "The kitchen tap drips.");
    assert.equal(t.files.length, 1);
    assert.equal(t.status, "waiting-for-agent");
    assert.equal(t._embedded.createdBy.id, ctx.user.id);
    const got = await erp.ticketGetById(t.id);
    assert.deepEqual(got, t);
    await rejectsWith(
      erp.ticketCreate(ctx.user.id, "no-such-period", {
        category: `${APP_ID}-cat-plumbing`,
        title: "x",
        description: "x",
        inputChannel: "app",
      }),
      404,
    );
    ctx.ticket = t;
  });

  await check("conversationGetById / conversationCreateMessage (text, with attachment; forUser)", async () => {
    const convId = ctx.ticket._embedded.conversations[0].id;
    const conv = await erp.conversationGetById(convId);
    assert.equal(conv.id, convId);
    assert.equal(typeof conv.createdAt, "string");
    const text = await erp.conversationCreateMessage(convId, { body: "Still dripping", userId: ctx.user.id });
    assert.equal(text.content.content, "Still dripping");
    assert.equal(text._embedded.createdBy.id, ctx.user.id);
    const withFile = await erp.conversationCreateMessage(convId, {
      body: "See the photo",
      userId: ctx.user.id,
      attachments: [{ content: png(), filename: "drip.png" }],
    });
    assert.equal(withFile.content.description, "See the photo");
    assert.equal(withFile.content.files.length, 1);
    assert.equal(withFile._embedded.createdBy.id, ctx.user.id);
    const after = await erp.conversationGetById(convId);
    assert.equal(after._embedded.messages.length, 2);
    await erp.utilisationPeriodCheckOutUser(ctx.period.id, ctx.user.id);
  });

  await check("lookupIds by external id (null for unknown ones)", async () => {
    const r = await erp.lookupIds(APP_ID, { resource: sdk.EnumResource.property, externalIds: [`P-${u}`, "missing"] });
    assert.deepEqual(r, { [`P-${u}`]: ctx.property.id, missing: null });
    const users = await erp.lookupIds(APP_ID, { resource: sdk.EnumResource.user, externalIds: `T-${u}` });
    assert.deepEqual(users, { [`T-${u}`]: ctx.user.id });
  });

  await check("upsert by external id: creating again updates the same record", async () => {
    const again = await erp.propertyCreate(APP_ID, {
      name: `Renamed ${u}`,
      timezone: "Europe/Berlin",
      externalId: `P-${u}`,
    });
    assert.equal(again.id, ctx.property.id);
    assert.equal(again.name, `Renamed ${u}`);
  });

  await check("another customer's records are 404 for this customer's token", async () => {
    const eu = client({ clientId: "qc_demo-eu-erp", clientSecret: "qs_demo-eu-erp-secret" });
    await rejectsWith(eu.propertyGetById(ctx.property.id), 404);
    const list = await eu.getProperties(1, -1, { externalId: `P-${u}` });
    assert.equal(list.total, 0);
  });
}

let status = 1;
await prepareLocalState(state, { logPath: join(logs, "setup.log") });
const server = start(
  "wrangler dev (conformance)",
  nodeBin(),
  [
    wranglerJs(),
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ],
  { logPath: join(logs, "server.log") },
);
try {
  await waitForHttp(server, { port, path: "/api/openapi.json", status: 200, timeoutMs: 120_000 });
  console.log(`Allthings SDK ${require("@allthings/sdk/package.json").version} against ${base}`);
  await main();
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length}/${results.length} conformance checks passed`);
  status = failed.length ? 1 : 0;
} catch (e) {
  console.error(e);
  console.error(tail(join(logs, "server.log"), 40));
} finally {
  await stop(server);
}
process.exit(status);
