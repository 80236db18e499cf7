import { beforeAll, describe, expect, it } from "vitest";
import { MAX_IMAGE_BYTES, MAX_PDF_BYTES } from "../../src/services/file-types";
import { makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  AVIF,
  errorCode,
  fileRows,
  HEIC,
  HTML,
  JPEG,
  PDF,
  PNG,
  type Sessions,
  sessionsOf,
  storedObjects,
  upload,
  uploadRequest,
  WEBP,
} from "../helpers/tickets";

/** Uploads (R-M3 photos, R-M4/R-M5 documents): type by content, size limits, private until used. */

let w: World;
let other: World;
let s: Sessions;
beforeAll(async () => {
  w = await makeWorld();
  other = await makeWorld();
  s = await sessionsOf(w);
});

describe("POST /api/files", () => {
  it("stores JPEG, PNG, WebP, HEIC and PDF by their content, under random keys, with a D1 record", async () => {
    const cases: [Uint8Array, string, string][] = [
      [JPEG, "a.jpg", "image/jpeg"],
      [PNG, "b.png", "image/png"],
      [WEBP, "c.webp", "image/webp"],
      [HEIC, "IMG_0001.HEIC", "image/heic"],
      // The name says nothing: a PDF named .png is stored as the PDF it is.
      [PDF, "scan.png", "application/pdf"],
    ];
    for (const [data, name, type] of cases) {
      const f = await upload(w, s.resident, data, name);
      expect(f).toMatchObject({ name, contentType: type, size: data.byteLength });
    }
    const rows = await fileRows(w);
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r).toMatchObject({ state: "pending", subject_id: w.userIds.resident, uploaded_by: w.userIds.resident });
      // Unguessable: 256 random bits under the customer's prefix, nothing of the name.
      expect(String(r.object_key)).toMatch(new RegExp(`^files/${w.customerId}/[A-Za-z0-9_-]{43}$`));
    }
    expect((await storedObjects(w)).sort()).toEqual(rows.map((r) => String(r.object_key)).sort());
  });

  it("refuses disguised files with 415 FILE_TYPE_NOT_ALLOWED and stores nothing", async () => {
    const fresh = await makeWorld();
    const fs = await sessionsOf(fresh);
    const disguised: [Uint8Array, string, string][] = [
      [HTML, "photo.jpg", "image/jpeg"],
      [AVIF, "photo.heic", "image/heic"],
      [new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), "x.png", "image/png"],
      [new Uint8Array(0), "empty.pdf", "application/pdf"],
    ];
    for (const [data, name, type] of disguised) {
      const res = await uploadRequest(fresh, fs.resident, data, name, type);
      expect(res.status, name).toBe(415);
      expect(await errorCode(res)).toBe("FILE_TYPE_NOT_ALLOWED");
    }
    expect(await fileRows(fresh)).toEqual([]);
    expect(await storedObjects(fresh)).toEqual([]);
  });

  it("refuses oversize photos and PDFs with 413 FILE_TOO_LARGE and stores nothing", async () => {
    const fresh = await makeWorld();
    const fs = await sessionsOf(fresh);
    const bigPhoto = new Uint8Array(MAX_IMAGE_BYTES + 1);
    bigPhoto.set(JPEG);
    const res = await uploadRequest(fresh, fs.resident, bigPhoto, "big.jpg");
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe("FILE_TOO_LARGE");
    const bigPdf = new Uint8Array(MAX_PDF_BYTES + 1);
    bigPdf.set(PDF);
    const res2 = await uploadRequest(fresh, fs.resident, bigPdf, "big.pdf");
    expect(res2.status).toBe(413);
    expect(await errorCode(res2)).toBe("FILE_TOO_LARGE");
    // A PDF may be larger than a photo: 12 MiB passes.
    const midPdf = new Uint8Array(12 * 1024 * 1024);
    midPdf.set(PDF);
    expect((await uploadRequest(fresh, fs.resident, midPdf, "mid.pdf")).status).toBe(201);
    expect(await fileRows(fresh)).toHaveLength(1);
    expect(await storedObjects(fresh)).toHaveLength(1);
  });

  it("takes multipart only on the upload route, and needs a session", async () => {
    const form = new FormData();
    form.append("file", new File([PNG], "p.png"));
    const elsewhere = await api("/api/tickets", { app: w.slug, session: s.resident, method: "POST", body: form });
    expect(elsewhere.status).toBe(415);
    expect(await errorCode(elsewhere)).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect((await uploadRequest(w, undefined, PNG, "p.png")).status).toBe(401);
    const noFile = await api("/api/files", { app: w.slug, session: s.resident, method: "POST", body: new FormData() });
    expect(noFile.status).toBe(400);
    // JSON (or any other body) on the upload route is a clear 415, not a spent stream and a 500.
    const asJson = await api("/api/files", { app: w.slug, session: s.resident, method: "POST", json: { file: "x" } });
    expect(asJson.status).toBe(415);
    expect(await errorCode(asJson)).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("GET /api/files/{fileId}/content", () => {
  it("serves a pending upload to its uploader only, as an attachment that never runs as a page", async () => {
    const f = await upload(w, s.resident, PDF, "contract.pdf");
    const res = await api(`/api/files/${f.id}/content`, { app: w.slug, session: s.resident });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PDF);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''contract.pdf");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("cache-control")).toContain("no-store");
    for (const who of [s.neighbour, s.otherBuilding, s.manager]) {
      const denied = await api(`/api/files/${f.id}/content`, { app: w.slug, session: who });
      expect(denied.status).toBe(404);
    }
  });

  it("gives another customer nothing", async () => {
    const f = await upload(w, s.resident);
    const os = await sessionsOf(other);
    const theirHost = await api(`/api/files/${f.id}/content`, { app: other.slug, session: os.admin });
    expect(theirHost.status).toBe(404);
    const ourHost = await api(`/api/files/${f.id}/content`, { app: w.slug, session: os.admin });
    expect(ourHost.status).toBe(401);
  });
});
