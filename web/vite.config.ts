import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The web app (resident app and manager console). Built into the Worker's static assets under
 * /app/; its HTML goes through the Worker (security headers, CSP), its hashed files do not.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/app/",
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "public/app",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    sourcemap: true,
    manifest: true,
  },
});
