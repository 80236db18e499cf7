// Accessibility of the main screens (issue 6, item 6): axe-core finds no serious or critical
// violation on the login page, the pinboard, the chat, the neighbours page and the manager console.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { BASE, launch, loginViaForm } from "./browser.mjs";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const PASSWORD = "quartier-demo";
const BUILDING = "demo-ch-building-1";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function violations(page) {
  // The product's CSP forbids injected scripts; this context bypasses it for axe only.
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

test("the main screens have no serious or critical axe violations", async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/?lang=en`);
  assert.deepEqual(await violations(page), [], "login page");

  await loginViaForm(page, "manager@demo.quartier.test", PASSWORD);
  for (const section of ["pinboard", "chat", "manage"]) {
    await page.goto(`${BASE}/app/${BUILDING}/${section}`);
    await page.locator("main h1").waitFor();
    await page.waitForLoadState("networkidle");
    assert.deepEqual(await violations(page), [], section);
  }
  await context.close();

  const resident = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(resident, "anna@demo.quartier.test", PASSWORD);
  await resident.goto(`${BASE}/app/${BUILDING}/neighbours`);
  await resident.locator("main h1").waitFor();
  await resident.waitForLoadState("networkidle");
  assert.deepEqual(await violations(resident), [], "neighbours");
  await resident.context().close();
});
