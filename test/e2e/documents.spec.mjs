// Documents in a real browser (R-M4 Information, R-M5 My apartment; issues 6 and 8): the manager
// publishes a building document and gives Anna's tenancy a unit document; Anna sees and downloads
// both; Beat, her neighbour in the same building, sees the building document but never her unit's.
// Every screen passes axe; the resident's screens have no sideways scroll on a 375 px phone.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1"; // Limmatstrasse 12: Anna (unit 1.1) and Beat (unit 1.2)
const ANNAS_UNIT = "demo-ch-unit-1-1";
// A small real PDF: the server judges files by their bytes.
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n");
const PHONE = { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const stamp = Date.now() % 1_000_000;
const RULES = `Hausordnung ${stamp}`;
const CONTRACT = `Mietvertrag Anna ${stamp}`;
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Clicks a document's download link and returns the downloaded file's name and bytes. */
async function download(page, title) {
  const link = page.locator("li[data-document] a", { hasText: title });
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const chunks = [];
  for await (const c of await file.createReadStream()) chunks.push(c);
  return { name: file.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

test("a manager publishes documents, the resident downloads hers, a neighbour does not see them (R-M4, R-M5)", async () => {
  const manager = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(manager, "manager@demo.quartier.test", PASSWORD);

  // Information: a building document for this one building.
  await manager.goto(`${BASE}/app/${BUILDING}/information`);
  const publish = manager.locator("form", { has: manager.locator("#doc-title") });
  await publish.waitFor();
  await publish.locator("#doc-category").selectOption("house-rules");
  await publish.locator("#doc-title").fill(RULES);
  await publish
    .locator("#doc-file")
    .setInputFiles({ name: "hausordnung.pdf", mimeType: "application/pdf", buffer: PDF });
  await publish.locator('button[type="submit"]').click();
  await manager.locator('section[data-category="house-rules"] li[data-document]', { hasText: RULES }).waitFor();
  await manager.waitForLoadState("networkidle");
  assert.deepEqual(await violations(manager), [], "manager: Information");
  await shot(manager, "documents-manager-information");

  // My apartment, manager side: pick Anna's unit and give her current tenancy a contract.
  await manager.goto(`${BASE}/app/${BUILDING}/apartment`);
  await manager.locator(`#unit-docs-unit option[value="${ANNAS_UNIT}"]`).waitFor({ state: "attached" });
  await manager.locator("#unit-docs-unit").selectOption(ANNAS_UNIT);
  const add = manager.locator("form", { has: manager.locator("#unit-doc-title") });
  await add.waitFor();
  await add.locator("#unit-doc-tenancy option").nth(1).waitFor({ state: "attached" });
  await add.locator("#unit-doc-category").selectOption("contract");
  await add.locator("#unit-doc-title").fill(CONTRACT);
  await add
    .locator("#unit-doc-file")
    .setInputFiles({ name: "mietvertrag.pdf", mimeType: "application/pdf", buffer: PDF });
  await add.locator('button[type="submit"]').click();
  await manager.locator('section[data-category="contract"] li[data-document]', { hasText: CONTRACT }).waitFor();
  assert.deepEqual(await violations(manager), [], "manager: unit documents");
  await shot(manager, "documents-manager-unit");

  // Anna, on her phone: both documents, each downloads through the authorised file link.
  const anna = await (await browser.newContext({ ...PHONE, bypassCSP: true })).newPage();
  await loginViaForm(anna, "anna@demo.quartier.test", PASSWORD);
  await anna.goto(`${BASE}/app/${BUILDING}/information`);
  await anna.locator('nav.tabs a[href$="/information"][aria-current="page"]').waitFor();
  await anna.locator("li[data-document]", { hasText: RULES }).waitFor();
  assert.equal(await anna.locator("#doc-title").count(), 0, "residents do not publish");
  assert.equal(await anna.locator("li[data-document] button").count(), 0, "residents do not delete");
  const rules = await download(anna, RULES);
  assert.equal(rules.name, "hausordnung.pdf");
  assert.ok(rules.bytes.equals(PDF), "the downloaded building document is the uploaded file");
  assert.deepEqual(await violations(anna), [], "resident: Information");
  assert.ok((await anna.evaluate(() => document.documentElement.scrollWidth - innerWidth)) <= 0, "no sideways scroll");
  await shot(anna, "documents-resident-information");

  await anna.locator('nav.tabs a[href$="/apartment"]').click();
  await anna.locator('section[data-category="contract"] li[data-document]', { hasText: CONTRACT }).waitFor();
  const contract = await download(anna, CONTRACT);
  assert.equal(contract.name, "mietvertrag.pdf");
  assert.ok(contract.bytes.equals(PDF), "the downloaded unit document is the uploaded file");
  assert.deepEqual(await violations(anna), [], "resident: My apartment");
  assert.ok((await anna.evaluate(() => document.documentElement.scrollWidth - innerWidth)) <= 0, "no sideways scroll");
  await shot(anna, "documents-resident-apartment");
  const contractHref = await anna.locator("li[data-document] a", { hasText: CONTRACT }).getAttribute("href");

  // Beat lives in the same building, in another unit: the building's document, never Anna's contract.
  const beat = await (await browser.newContext()).newPage();
  await loginViaForm(beat, "beat@demo.quartier.test", PASSWORD);
  await beat.goto(`${BASE}/app/${BUILDING}/information`);
  await beat.locator("li[data-document]", { hasText: RULES }).waitFor();
  await beat.goto(`${BASE}/app/${BUILDING}/apartment`);
  await beat.locator("#apartment-title").waitFor();
  await beat.locator("section.documents [aria-busy]").waitFor({ state: "detached" });
  assert.doesNotMatch(await beat.locator("main").innerText(), new RegExp(CONTRACT), "no other unit's document");
  const status = await beat.evaluate(async (href) => (await fetch(href)).status, contractHref);
  assert.equal(status, 404, "the contract's file is not Beat's to download");

  // The manager deletes the building document: gone for residents at once.
  await manager.goto(`${BASE}/app/${BUILDING}/information`);
  const item = manager.locator("li[data-document]", { hasText: RULES });
  manager.once("dialog", (d) => d.accept());
  await item.getByRole("button").click();
  await item.waitFor({ state: "detached" });
  await beat.goto(`${BASE}/app/${BUILDING}/information`);
  await beat.locator("#info-title").waitFor();
  await beat.locator("section.documents [aria-busy]").waitFor({ state: "detached" });
  assert.equal(await beat.locator("li[data-document]", { hasText: RULES }).count(), 0, "deleted for residents");

  for (const p of [manager, anna, beat]) await p.context().close();
});
