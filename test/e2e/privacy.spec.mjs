// The privacy center in a real browser (issue 6 with issue 5): a resident sees her data grouped by
// category and downloads an export that contains the post she just wrote.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { strFromU8, unzipSync } from "fflate";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a resident chooses her notification mails, sees her data and downloads an export with her post", async () => {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await loginViaForm(page, "beat@demo.quartier.test", PASSWORD);
  await page.goto(`${BASE}/app/${BUILDING}/pinboard`);
  await page.locator('[data-status="online"]').waitFor();
  const text = `Velo zu verschenken ${Date.now()}`;
  await page.locator("#new-post").fill(text);
  await page.locator("form.compose").first().locator('button[type="submit"]').click();
  await page.locator(".post:not(.pending)", { hasText: text }).waitFor();

  await page.goto(`${BASE}/app/${BUILDING}/privacy`);
  // Notification mails per category: the choice is kept in the account.
  await page.locator("#notify-pinboard").selectOption("never");
  await page.locator("#notifications-title ~ form button[type=submit]").click();
  await page.locator("#notifications-title ~ form [role=status]").waitFor();
  await page.reload();
  assert.equal(await page.locator("#notify-pinboard").inputValue(), "never");

  await page.locator("#mydata-title ~ button").click();
  await page.locator("details").first().waitFor();
  assert.ok((await page.locator("details").count()) >= 3, "several categories");
  await page.locator("#export-title ~ button").click();
  const link = page.locator('a[download][href*="/api/me/exports/"]');
  await link.waitFor();
  await shot(page, "privacy-center");

  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const zip = unzipSync(new Uint8Array(await (await download.createReadStream()).toArray().then(Buffer.concat)));
  const names = Object.keys(zip);
  assert.ok(names.includes("manifest.json") && names.includes("database.json"), names.join(", "));
  const rooms = names.filter((n) => n.startsWith("rooms/")).map((n) => strFromU8(zip[n]));
  assert.ok(
    rooms.some((r) => r.includes(text)),
    "the export holds the post",
  );
  await page.context().close();
});
