import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { MAX_IMAGE_BYTES } from "../../src/services/file-types";
import { UPLOADS_PER_HOUR } from "../../src/services/files";
import { mailsTo } from "../helpers/accounts";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { ORIGIN_OF } from "../helpers/http";
import { GPS_JPEG, PLAIN_JPEG } from "../helpers/images";
import { category, fileRows, HTML, report, type Sessions, send, sessionsOf } from "../helpers/tickets";

/**
 * The craftsman's no-script work-order page (R-M3) answers a refused upload with the page itself and the
 * reason in the page's language (issue 8), with the error's status, never the JSON envelope.
 */

let w: World;
let s: Sessions;
let token: string;
let providerId: string;
beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
  const cat = (await category(w, s.admin)).id;
  const email = `roofer-${w.customerId}@example.test`;
  providerId = (
    await send<{ id: string }>(w, s.admin, "POST", "/api/service-providers", 201, {
      name: "Roof AG",
      email,
      trade: "roof",
    })
  ).id;
  const t = await report(w, s.resident, cat);
  await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { providerId });
  const mail = (await mailsTo(w.slug, email)).find((m) => m.template === "work-order");
  token = /\/work-orders\/([A-Za-z0-9_-]{43})/.exec(mail?.body ?? "")?.[1] ?? "";
  expect(token).toHaveLength(43);
});

function post(data: Uint8Array | null, lang: string, name = "photo.jpg") {
  const origin = ORIGIN_OF(w.slug);
  const fd = new FormData();
  if (data) fd.append("file", new File([data], name));
  return exports.default.fetch(
    new Request(`${origin}/work-orders/${token}/files`, {
      method: "POST",
      body: fd,
      redirect: "manual",
      headers: { host: new URL(origin).host, origin, "accept-language": lang },
    }),
  );
}

async function expectPage(res: Response, status: number, text: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  const html = await res.text();
  expect(html).toContain(`<p role="alert">${text}`);
  // Still the whole page: the ticket and the upload form to try again.
  expect(html).toContain("Leaking tap");
  expect(html).toContain(`action="/work-orders/${token}/files"`);
  expect(html).not.toContain('"error"');
}

describe("refused uploads on the work-order page", () => {
  it("too large: 413 with the reason in German", async () => {
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    big.set(PLAIN_JPEG);
    await expectPage(await post(big, "de-CH"), 413, "Die Datei ist zu gross");
  });

  it("wrong type and damaged photos: 415 in French and Italian", async () => {
    await expectPage(await post(HTML, "fr"), 415, "Ce fichier n&#39;a pas été accepté");
    await expectPage(await post(GPS_JPEG.subarray(0, 500), "it"), 415, "Questo file non è stato accettato");
  });

  it("no file chosen: 400 in English", async () => {
    await expectPage(await post(null, "en"), 400, "Please choose a file first.");
  });

  it("rate limited (per craftsman company): 429 with Retry-After, in the page's language", async () => {
    const key = await sha256Hex(`${UPLOADS_PER_HOUR.name}:${w.customerId}:provider:${providerId}`);
    await dbOf(w.jurisdiction)
      .prepare("INSERT OR REPLACE INTO throttles (key, window_start, count) VALUES (?, ?, ?)")
      .bind(key, Date.now() - 60_000, UPLOADS_PER_HOUR.max)
      .run();
    const res = await post(PLAIN_JPEG, "en");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    await expectPage(res, 429, "Too many uploads in the last hour.");
    await dbOf(w.jurisdiction).prepare("DELETE FROM throttles WHERE key = ?").bind(key).run();
    // Allowed again: the redirect back to the page, and the photo stored stripped.
    const ok = await post(GPS_JPEG, "en");
    expect(ok.status).toBe(303);
  });

  it("nothing was stored for any refused upload", async () => {
    const providerFiles = (await fileRows(w)).filter((r) => r.provider_id === providerId);
    expect(providerFiles).toHaveLength(1);
  });

  it("an ended link still answers with the ended page, not an upload error", async () => {
    await dbOf(w.jurisdiction)
      .prepare("UPDATE work_order_links SET expires_at = ? WHERE revoked_at IS NULL AND customer_id = ?")
      .bind(Date.now() - 1, w.customerId)
      .run();
    const res = await post(HTML, "en");
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain("expired or was revoked");
    expect(html).not.toContain("Leaking tap");
  });
});
