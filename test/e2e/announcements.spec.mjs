// A manager's announcement in a real browser (issue 6 with issue 4): composed in the manager console,
// it appears live and pinned for a resident, who confirms it; the manager's count rises.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1"; // Limmatstrasse 12: Anna and Beat live here
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("an announcement reaches a resident live, pinned; her confirmation raises the manager's count", async () => {
  const anna = await (await browser.newContext()).newPage();
  await loginViaForm(anna, "anna@demo.quartier.test", PASSWORD);
  await anna.goto(`${BASE}/app/${BUILDING}/pinboard`);
  await anna.locator('[data-status="online"]').waitFor();

  const manager = await (await browser.newContext()).newPage();
  await loginViaForm(manager, "manager@demo.quartier.test", PASSWORD);
  await manager.goto(`${BASE}/app/${BUILDING}/manage`);
  const title = `Wasserunterbruch ${Date.now()}`;
  await manager.locator("#a-title").fill(title);
  await manager.locator("#a-body").fill("Am Dienstag von 8 bis 10 Uhr gibt es kein Wasser.");
  await manager.locator('input[name="ackRequired"]').check();
  await manager.locator('form.compose button[type="submit"]').click();
  const row = manager.locator("tr", { hasText: title });
  await row.waitFor();
  assert.match(await row.locator(".count-ack").innerText(), /^0 \/ \d+$/);

  const pinned = anna.locator(".announcement", { hasText: title });
  await pinned.waitFor({ timeout: 15_000 });
  await shot(anna, "announcement-resident");
  await pinned.locator("button").click();
  await pinned.locator("button").waitFor({ state: "detached" });

  await manager.reload();
  await manager.locator("tr", { hasText: title }).waitFor();
  assert.match(await manager.locator("tr", { hasText: title }).locator(".count-ack").innerText(), /^1 \/ \d+$/);
  assert.match(await manager.locator("tr", { hasText: title }).locator(".count-read").innerText(), /^1 \/ \d+$/);
  await shot(manager, "announcement-manager");
  for (const p of [anna, manager]) await p.context().close();
});
