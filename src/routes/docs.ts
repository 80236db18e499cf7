import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { esc, page } from "../lib/html";
import { declare } from "./define";

declare("GET", "/api/openapi.json", "public");
declare("GET", "/api/docs", "public");

const INFO = {
  openapi: "3.1.0",
  info: {
    title: "Quartier API",
    version: "0.1.0",
    description:
      "Quartier's own API. Errors share one envelope: {error:{code,message,details?},requestId}. Request bodies are application/json, at most 64 KiB; unknown fields are refused.",
  },
};

type Operation = { summary?: string; "x-access"?: string; requestBody?: unknown; parameters?: unknown[] };

/**
 * `/api/openapi.json` is generated from the zod schemas that validate the requests; `/api/docs`
 * renders it on the server (no third-party script or CDN, so it works offline and under our CSP).
 */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  app.get("/api/openapi.json", (c) => c.json(app.getOpenAPI31Document(INFO)));
  app.get("/api/docs", (c) => {
    const doc = app.getOpenAPI31Document(INFO);
    const rows: string[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
        const body = op.requestBody
          ? `<details><summary>Body</summary><pre>${esc(JSON.stringify(op.requestBody, null, 2))}</pre></details>`
          : "";
        rows.push(
          `<section><h2><code>${esc(method.toUpperCase())} ${esc(path)}</code></h2><p>${esc(op.summary ?? "")}</p><p>Access: <strong>${esc(op["x-access"] ?? "")}</strong></p>${body}</section>`,
        );
      }
    }
    return c.html(
      page(
        "en",
        "Quartier API",
        `<h1>Quartier API</h1><p>${esc(INFO.info.description)}</p><p><a href="/api/openapi.json">openapi.json</a></p>${rows.join("\n")}`,
      ),
    );
  });
}
