// Micro-apps per property (R-T3, issue 6, decision 0040): the customer admin switches the pinboard off
// for one property with the keyboard; after a reload a resident there no longer has the tab (and the
// API refuses it), a resident of another property still has it. The screen passes axe.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { violations } from "./axe.mjs";
import { BASE, launch, loginViaForm, shot } from "./browser.mjs";

const PASSWORD = "quartier-demo";
const HOME = "demo-ch-building-1"; // Anna's building, property "Wohnpark Limmat"
const ERP = { id: "qc_demo-ch-erp", secret: "qs_demo-ch-erp-secret" }; // documented demo client
const n = Date.now() % 1_000_000;
const other = { email: `sihl-${n}@example.test`, password: "a long e2e passphrase" };
let browser;
/** The second property, its building and resident, made through the integrator API as an ERP would. */
const made = { propertyId: "", propertyName: `Sihlpark ${n}`, buildingId: "" };

before(async () => {
  browser = await launch();
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${BASE}/?lang=en`);
  const ids = await page.evaluate(
    async ({ erp, other, name }) => {
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: erp.id,
        client_secret: erp.secret,
      });
      const token = (await (await fetch("/oauth/token", { method: "POST", body: form })).json()).access_token;
      const v1 = async (path, body) => {
        const res = await fetch(`/api/v1${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        return res.json();
      };
      const property = await v1("/apps/demo-ch/properties", { name, timezone: "Europe/Zurich" });
      const group = await v1(`/properties/${property.id}/groups`, {
        name: "Sihlstrasse 3",
        address: { street: "Sihlstrasse", houseNumber: "3", postalCode: "8001", city: "Zürich", country: "CH" },
      });
      const unit = await v1(`/groups/${group.id}/units`, { name: "1.1", type: "rented" });
      const period = await v1(`/units/${unit.id}/utilisation-periods`, { startDate: "2024-01-01" });
      await v1("/users", { email: other.email, username: "Sina Sihl", locale: "en_US", plainPassword: other.password });
      await v1(`/utilisation-periods/${period.id}/users`, { email: other.email });
      return { propertyId: property.id, buildingId: group.id };
    },
    { erp: ERP, other, name: made.propertyName },
  );
  Object.assign(made, ids);
  await page.context().close();
});
after(async () => {
  await browser?.close();
});

const pinboardTab = (page) => page.locator('nav.tabs a[href$="/pinboard"]');

async function resident(email, password, buildingId) {
  const page = await (await browser.newContext()).newPage();
  await loginViaForm(page, email, password);
  await page.goto(`${BASE}/app/${buildingId}/privacy`);
  await page.locator("nav.tabs").waitFor();
  return page;
}

test("an admin switches the pinboard off for one property; only its residents lose the tab", async () => {
  const sina = await resident(other.email, other.password, made.buildingId);
  const anna = await resident("anna@demo.quartier.test", PASSWORD, HOME);
  await pinboardTab(sina).waitFor();
  await pinboardTab(anna).waitFor();

  // axe is injected as a script: this context bypasses the app's CSP for it (as app-admin.spec does).
  const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await loginViaForm(admin, "admin@demo.quartier.test", PASSWORD);
  // The demo admin reads German (the customer's language): the labels below are the German catalogue's.
  await admin.goto(`${BASE}/app/${HOME}/admin`);
  const picker = admin.getByLabel("Liegenschaft", { exact: true });
  await picker.waitFor();
  await picker.selectOption({ label: made.propertyName });
  const form = admin.locator('form[data-property-app="pinboard"]');
  const inherit = form.getByRole("radio", { name: "Wie die Kundeneinstellung (ein)" });
  await inherit.waitFor();
  assert.equal(await inherit.isChecked(), true, "no override yet");
  await admin.waitForLoadState("networkidle");
  assert.deepEqual(await violations(admin), [], "micro-apps screen");

  // Keyboard only: arrows move through the radio group, Tab to the name field and the button, Enter saves.
  await inherit.focus();
  await admin.keyboard.press("ArrowDown");
  await admin.keyboard.press("ArrowDown");
  assert.equal(await form.getByRole("radio", { name: "In dieser Liegenschaft immer aus" }).isChecked(), true);
  await admin.keyboard.press("Tab");
  const name = form.getByLabel("Name in dieser Liegenschaft");
  assert.equal(await name.evaluate((el) => el === document.activeElement), true);
  await admin.keyboard.press("Tab");
  const saved = (method) =>
    admin.waitForResponse((r) => r.request().method() === method && r.url().includes("/micro-apps/pinboard"));
  const put = saved("PUT");
  await admin.keyboard.press("Enter");
  assert.equal((await put).status(), 200);
  await form.getByRole("status").filter({ hasText: "Gespeichert." }).waitFor();
  assert.deepEqual(await violations(admin), [], "micro-apps screen after saving");
  await shot(admin, "admin-apps-property");

  // The resident of that property: no tab after a reload, and the API refuses the app itself.
  await sina.reload();
  await sina.locator("nav.tabs").waitFor();
  assert.equal(await pinboardTab(sina).count(), 0, "no pinboard tab in the switched-off property");
  const refused = await sina.evaluate(async (b) => {
    const res = await fetch(`/api/buildings/${b}/posts`);
    return { status: res.status, code: (await res.json()).error?.code };
  }, made.buildingId);
  assert.deepEqual(refused, { status: 403, code: "MICRO_APP_DISABLED" });
  // A resident of the other property keeps it.
  await anna.reload();
  await pinboardTab(anna).waitFor();

  // The admin's own tabs follow at once (no reload): the building picker shows Sihlpark's tabs.
  assert.equal(await pinboardTab(admin).count(), 1, "still on in the admin's current building");
  await admin.locator("header.top label", { hasText: "Gebäude" }).locator("select").selectOption(made.buildingId);
  await admin.locator(`nav.tabs a[href^="/app/${made.buildingId}/"]`).first().waitFor();
  assert.equal(await pinboardTab(admin).count(), 0, "off in the switched-off property's building");

  // Back to "as the customer setting" (also leaves the demo as it was): the tab returns.
  await inherit.check();
  const del = saved("DELETE");
  await form.getByRole("button").click();
  assert.equal((await del).status(), 200);
  await sina.reload();
  await pinboardTab(sina).waitFor();
  for (const p of [sina, anna, admin]) await p.context().close();
});
