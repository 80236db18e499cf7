// Service Center in a real browser (issue 8): a resident reports a defect with a photo; the manager's
// reply appears in her open ticket live, without a reload, and her photo is shown to both.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1"; // Limmatstrasse 12: Anna lives here
// A real 1x1 PNG (the server judges files by their bytes, the browser shows it).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a resident reports a defect with a photo and sees the manager's reply live", async () => {
  const anna = await (await browser.newContext()).newPage();
  await loginViaForm(anna, "anna@demo.quartier.test", PASSWORD);
  await anna.goto(`${BASE}/app/${BUILDING}/tickets`);
  await anna.locator('[data-status="online"]').waitFor();
  const title = `Tropfender Hahn ${Date.now()}`;
  const form = anna.locator("form.new-ticket");
  await form.locator('select[name="categoryId"] option').first().waitFor({ state: "attached" });
  await form.locator('input[name="title"]').fill(title);
  await form.locator('textarea[name="description"]').fill("Der Küchenhahn tropft die ganze Nacht.");
  await form.locator('input[name="photo"]').setInputFiles({ name: "hahn.png", mimeType: "image/png", buffer: PNG });
  await form.locator('button[type="submit"]').click();
  const mine = anna.locator("article.ticket", { hasText: title });
  await mine.waitFor();
  await mine.locator("img.thumb").waitFor();

  const manager = await (await browser.newContext()).newPage();
  await loginViaForm(manager, "manager@demo.quartier.test", PASSWORD);
  await manager.goto(`${BASE}/app/${BUILDING}/tickets`);
  await manager.locator(".ticket-list button", { hasText: title }).click();
  const theirs = manager.locator("article.ticket", { hasText: title });
  await theirs.locator("img.thumb").waitFor();
  const answer = "Der Sanitär kommt am Montag um 9 Uhr.";
  await theirs.locator('textarea[name="body"]').fill(answer);
  await theirs.locator('form.reply button[type="submit"]').click();
  await theirs.locator(".messages", { hasText: answer }).waitFor();

  // Anna did not reload: the room's ticket event brought the reply.
  await mine.locator(".messages", { hasText: answer }).waitFor({ timeout: 15_000 });
  assert.equal(await anna.locator(".message.internal").count(), 0);
  await shot(anna, "ticket-resident");
  await shot(manager, "ticket-manager");
  for (const p of [anna, manager]) await p.context().close();
});
