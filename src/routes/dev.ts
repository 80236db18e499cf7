import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { esc, page } from "../lib/html";
import { listOutbox } from "../services/mail";
import { LOGIN_PER_IP, reset } from "../services/throttle";
import { declare, defineRoute, guard } from "./define";
import { errorResponses, json } from "./schemas";

/**
 * Development-only tools (ENVIRONMENT=development; 404 in production): the mail viewer, so a person
 * running `npm start` can click verification and reset links, and its JSON twin for tests.
 */
const mailSchema = z
  .object({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    body: z.string(),
    template: z.string(),
    createdAt: z.string(),
  })
  .openapi("DevMail");

const listMail = defineRoute("dev", {
  method: "get",
  path: "/api/dev/mail",
  tags: ["Development"],
  summary: "Mails in this app's outbox, newest first (development only)",
  request: { query: z.object({ to: z.string().max(254).optional(), before: z.string().max(40).optional() }) },
  responses: { 200: json(z.array(mailSchema)), ...errorResponses },
});

/**
 * Locally every browser is the same client address, so a long browser suite (test/e2e, dozens of
 * logins) would run into the per-IP login limit meant for one attacker. The suite forgets that one
 * window before each login; the per-account limits stay.
 */
const resetLoginIp = defineRoute("dev", {
  method: "delete",
  path: "/api/dev/throttles/login-ip",
  tags: ["Development"],
  summary: "Forget the per-IP login window of this client address (development only)",
  responses: { 204: { description: "Forgotten" }, ...errorResponses },
});

declare("GET", "/_dev/mail", "dev");

export const devRoutes = new OpenAPIHono<AppEnv>()
  .openapi(resetLoginIp, async (c) => {
    // The same address the login route counts (src/routes/auth.ts).
    await reset(c.var.deps, LOGIN_PER_IP, c.req.header("cf-connecting-ip") ?? "unknown");
    return c.body(null, 204);
  })
  .openapi(listMail, async (c) => {
    const rows = await listOutbox(c.var.deps, c.var.customer.id, c.req.valid("query"));
    return c.json(
      rows.map((m) => ({
        id: m.id,
        to: m.toAddress,
        subject: m.subject,
        body: m.bodyText,
        template: m.template,
        createdAt: m.createdAt.toISOString(),
      })),
      200,
    );
  })
  .get("/_dev/mail", guard("dev"), async (c) => {
    const rows = await listOutbox(c.var.deps, c.var.customer.id);
    const linkify = (s: string) => esc(s).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');
    const items = rows
      .map(
        (m) =>
          `<article><h2>${esc(m.subject)}</h2><p><small>${esc(m.toAddress)} · ${esc(m.createdAt.toISOString())}</small></p><pre>${linkify(m.bodyText)}</pre></article>`,
      )
      .join("");
    return c.html(
      page(
        "en",
        "Dev mail viewer",
        `<h1>Dev mail viewer (${esc(c.var.customer.slug)})</h1>${items || "<p>No mail yet.</p>"}`,
      ),
    );
  });
