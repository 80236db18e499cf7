import { describe, expect, it } from "vitest";
import { loginAs } from "../helpers/accounts";
import { makeWorld, PASSWORD } from "../helpers/factories";
import { api } from "../helpers/http";

/** The way between the account pages and the app (issue 6, items 2 and 4; decision 0026). */

describe("GET /", () => {
  it("sends a logged-in person to the app, and shows the login to everyone else", async () => {
    const w = await makeWorld();
    const session = await loginAs(w.slug, w.emails.resident, PASSWORD);
    // The test entry follows redirects: what arrives is the app's shell, not the login page.
    const home = await api("/?lang=fr", { app: w.slug, session });
    expect(home.status).toBe(200);
    const shell = await home.text();
    expect(shell).toContain('<div id="app">');
    expect(shell).not.toContain("/api/auth/login");
    const out = await api("/", { app: w.slug });
    expect(out.status).toBe(200);
    const page = await out.text();
    expect(page).toContain('data-endpoint="/api/auth/login"');
    expect(page).not.toContain('<div id="app">');
  });
});

describe("the language switch of the account pages", () => {
  it("keeps the token, code or search of the link the person came with", async () => {
    const w = await makeWorld();
    for (const path of [
      "/verify-email?token=tok-123",
      "/reset-password?token=tok-123",
      "/access-request?token=tok-123",
      "/signup?code=tok-123",
      "/request-access?q=tok-123",
    ]) {
      const html = await (await api(`${path}&lang=de`, { app: w.slug })).text();
      const [name] = path.slice(path.indexOf("?") + 1).split("=");
      expect(html, path).toContain(`href="?${name}=tok-123&amp;lang=fr"`);
      expect(html, path).toContain('<strong lang="de">DE</strong>');
    }
  });
});
