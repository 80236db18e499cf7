// My Neighbours in a real browser (issue 6 with issue 4, R-M8): profiles are opt-in, presence is seen
// only by those who show their own, a direct message reaches only its recipient, typing shows live.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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

async function neighbours(email) {
  const page = await (await browser.newContext()).newPage();
  await loginViaForm(page, email, PASSWORD);
  await page.goto(`${BASE}/app/${BUILDING}/neighbours`);
  await page.locator('[data-status="online"]').waitFor();
  return page;
}

async function showProfile(page, about) {
  const form = page.locator("form.compose").first();
  await form.locator('input[name="visible"]').check();
  await form.locator('input[name="showPresence"]').check();
  await form.locator('textarea[name="about"]').fill(about);
  await form.locator('button[type="submit"]').click();
  await form.locator('[role="status"]').waitFor();
}

test("neighbours who opt in see each other online and exchange a direct message with typing", async () => {
  const anna = await neighbours("anna@demo.quartier.test");
  const beat = await neighbours("beat@demo.quartier.test");
  await showProfile(anna, "Ich giesse gern Pflanzen.");
  await showProfile(beat, "Velo-Flickstation im Keller.");

  // Each sees the other's profile and presence (both show theirs).
  const beatCard = anna.locator(".neighbour", { hasText: "Velo-Flickstation" });
  await beatCard.waitFor({ timeout: 10_000 });
  await beatCard.filter({ hasText: /online/ }).waitFor({ timeout: 10_000 });
  await beat.locator(".neighbour", { hasText: "Pflanzen" }).waitFor({ timeout: 10_000 });

  await beatCard.getByRole("button").click();
  await beat.locator(".neighbour", { hasText: "Pflanzen" }).getByRole("button").click();
  const text = `Kannst du mein Paket annehmen? ${Date.now()}`;
  const input = anna.locator("#dm-input");
  await input.pressSequentially("Hallo", { delay: 20 });
  await beat.locator(".typing", { hasText: /schreibt|typing/ }).waitFor({ timeout: 5_000 });
  await input.fill(text);
  await anna.locator("#dm-input").press("Enter");
  await beat.locator(".chat li", { hasText: text }).waitFor({ timeout: 10_000 });
  await shot(beat, "neighbours-dm");

  // Chiara (other building) has no way to it; Anna's DM never reaches the building chat.
  await beat.goto(`${BASE}/app/${BUILDING}/chat`);
  await beat.locator('[data-status="online"]').waitFor();
  assert.equal(await beat.locator(".chat li", { hasText: text }).count(), 0);
  for (const p of [anna, beat]) await p.context().close();
});
