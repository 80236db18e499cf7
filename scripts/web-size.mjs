// Prints the web app's initial download (the entry chunk, its static imports and CSS), gzipped, and
// fails when the JavaScript exceeds the budget of issue 6 (120 KB gzipped). Run after `vite build`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_JS = 120 * 1024;
const out = new URL("../web/public/app/", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(out, ".vite/manifest.json"), "utf8"));
const entry = Object.values(manifest).find((c) => c.isEntry);
if (!entry) throw new Error("no entry chunk in the Vite manifest");

const js = new Set();
const css = new Set();
const visit = (chunk) => {
  if (js.has(chunk.file)) return;
  js.add(chunk.file);
  for (const f of chunk.css ?? []) css.add(f);
  for (const key of chunk.imports ?? []) visit(manifest[key]);
};
visit(entry);

const gz = (files) => [...files].reduce((n, f) => n + gzipSync(readFileSync(join(out, f)), { level: 9 }).length, 0);
const jsBytes = gz(js);
const cssBytes = gz(css);
const kb = (n) => (n / 1024).toFixed(1);
console.log(`web initial js=${kb(jsBytes)}KB css=${kb(cssBytes)}KB gzipped (budget js ${kb(BUDGET_JS)}KB)`);
if (jsBytes > BUDGET_JS) {
  console.error("The web app's initial JavaScript is over budget.");
  process.exit(1);
}
