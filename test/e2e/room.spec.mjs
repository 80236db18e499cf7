// The resident app's live building room in a real browser (issue 6 with issue 4): two neighbours
// see each other's post, comment and chat message live; a resident of the other building does not;
// an unsent message survives a reload and is sent once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function resident(email) {
  const page = await (await browser.newContext()).newPage();
  await loginViaForm(page, email, PASSWORD);
  await page.goto(`${BASE}/app/`);
  await page.locator('[data-status="online"]').waitFor();
  return page;
}

test("two neighbours see each other's post, comment and chat message live; the other building does not", async () => {
  const anna = await resident("anna@demo.quartier.test");
  const beat = await resident("beat@demo.quartier.test");
  const chiara = await resident("chiara@demo.quartier.test");

  const text = `Flohmarkt im Hof am Samstag ${Date.now()}`;
  await anna.getByRole("textbox", { name: /New post|Neuer Beitrag/ }).fill(text);
  await anna.getByRole("button", { name: /^(Post|Veröffentlichen)$/ }).click();
  const seen = beat.locator(".post", { hasText: text });
  await seen.waitFor({ timeout: 10_000 });
  assert.match(await seen.locator(".author").first().innerText(), /Anna Keller/);

  const reply = `Ich bringe Kuchen ${Date.now()}`;
  await seen.getByPlaceholder(/comment|Kommentar/i).fill(reply);
  await seen.getByRole("button", { name: /^(Comment|Kommentieren)$/ }).click();
  await anna.locator(".post", { hasText: text }).locator(".comments", { hasText: reply }).waitFor({ timeout: 10_000 });

  await beat.getByRole("link", { name: "Chat" }).click();
  await anna.getByRole("link", { name: "Chat" }).click();
  const hello = `Hallo Haus ${Date.now()}`;
  await beat.getByRole("textbox", { name: /Message to the building|Nachricht an das Haus/ }).fill(hello);
  await beat.getByRole("button", { name: /^(Send|Senden)$/ }).click();
  await anna.locator(".chat li", { hasText: hello }).waitFor({ timeout: 10_000 });
  await shot(anna, "room-chat");
  await shot(beat, "room-pinboard");

  // Chiara lives in the other building: her pinboard and chat never show them.
  await chiara.reload();
  await chiara.locator('[data-status="online"]').waitFor();
  assert.equal(await chiara.locator(".post", { hasText: text }).count(), 0);
  await chiara.getByRole("link", { name: "Chat" }).click();
  assert.equal(await chiara.locator(".chat li", { hasText: hello }).count(), 0);
  for (const p of [anna, beat, chiara]) await p.context().close();
});

test("a message the room never acknowledged survives a reload and is stored exactly once", async () => {
  const anna = await resident("anna@demo.quartier.test");
  const beat = await resident("beat@demo.quartier.test");
  await beat.getByRole("link", { name: "Chat" }).click();

  // The room is unreachable: the WebSocket is answered by a stand-in that swallows every frame.
  let reachable = false;
  await anna.routeWebSocket(/\/rooms\//, (ws) => {
    if (reachable) ws.connectToServer();
  });
  await anna.reload();
  await anna.getByRole("link", { name: "Chat" }).click();
  const text = `Ohne Verbindung geschrieben ${Date.now()}`;
  await anna.getByRole("textbox", { name: /Message to the building|Nachricht an das Haus/ }).fill(text);
  await anna.getByRole("button", { name: /^(Send|Senden)$/ }).click();
  await anna.locator(".chat li.pending", { hasText: text }).waitFor();
  assert.equal(await beat.locator(".chat li", { hasText: text }).count(), 0);

  // Back to the real room, after a reload: the kept write goes out once and is acknowledged.
  reachable = true;
  await anna.reload();
  await anna.locator('[data-status="online"]').waitFor();
  await beat.locator(".chat li", { hasText: text }).waitFor({ timeout: 10_000 });
  await anna.locator(".chat li:not(.pending)", { hasText: text }).waitFor({ timeout: 10_000 });
  await anna.waitForFunction(() => localStorage.getItem("quartier.outbox") === null);
  await beat.waitForTimeout(500);
  assert.equal(await beat.locator(".chat li", { hasText: text }).count(), 1, "stored and shown once");
  for (const p of [anna, beat]) await p.context().close();
});
