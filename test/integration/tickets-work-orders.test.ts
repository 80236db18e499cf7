import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { mailsTo } from "../helpers/accounts";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import {
  category,
  JPEG,
  PNG,
  report,
  type Sessions,
  send,
  sessionsOf,
  type TicketDto,
  upload,
} from "../helpers/tickets";

/** Craftsman links (R-M3): one ticket, no account, expiring and revocable, only what the manager shares. */

let w: World;
let s: Sessions;
let cat: string;
let provider: { id: string; email: string };
beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
  cat = (await category(w, s.admin)).id;
  const email = `plumber-${w.customerId}@example.test`;
  provider = await send(w, s.admin, "POST", "/api/service-providers", 201, {
    name: "Plumb AG",
    email,
    trade: "plumbing",
  });
});

async function assign(t: TicketDto, shareContact = false) {
  await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { providerId: provider.id, shareContact });
  const mail = (await mailsTo(w.slug, provider.email)).find((m) => m.template === "work-order");
  const token = mail && /\/work-orders\/([A-Za-z0-9_-]{43})/.exec(mail.body)?.[1];
  if (!token) throw new Error("no work-order mail");
  return token;
}

const page = (token: string, path = "") => api(`/work-orders/${token}${path}`, { app: w.slug });

/** A form post as the page's browser sends it, without following the redirect back to the page. */
function postPage(path: string, body: BodyInit) {
  const origin = ORIGIN_OF(w.slug);
  return exports.default.fetch(
    new Request(`${origin}${path}`, {
      method: "POST",
      body,
      redirect: "manual",
      headers: { host: new URL(origin).host, origin },
    }),
  );
}
const form = (token: string, fields: Record<string, string>) =>
  postPage(`/work-orders/${token}`, new URLSearchParams(fields));

describe("work-order links", () => {
  it("show one ticket without resident contact or internal notes, and take status, comments and photos", async () => {
    const photo = await upload(w, s.resident, JPEG, "leak.jpg");
    const t = await report(w, s.resident, cat, { photoIds: [photo.id] });
    const notePhoto = await upload(w, s.manager, PNG, "note.png");
    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, {
      body: "Internal: check the warranty",
      internal: true,
      fileIds: [notePhoto.id],
    });
    const token = await assign(t);
    const res = await page(token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain("Leaking tap");
    expect(html).toContain(`/work-orders/${token}/files/${photo.id}`);
    expect(html).not.toContain(notePhoto.id);
    expect(html).not.toContain("check the warranty");
    expect(html).not.toContain(w.emails.resident);
    expect(html).not.toContain("<script>");
    expect((await page(token, `/files/${photo.id}`)).status).toBe(200);
    expect((await page(token, `/files/${notePhoto.id}`)).status).toBe(404);

    const posted = await form(token, { status: "waiting-for-external", comment: "Parts ordered" });
    expect(posted.status, await posted.clone().text()).toBe(303);
    const fd = new FormData();
    fd.append("file", new File([PNG], "done.png"));
    const up = await postPage(`/work-orders/${token}/files`, fd);
    expect(up.status).toBe(303);
    const seen = await send<TicketDto>(w, s.resident, "GET", `/api/tickets/${t.id}`, 200);
    expect(seen.status).toBe("waiting-for-external");
    expect(seen.messages.at(-1)).toMatchObject({ authorKind: "provider", body: "Parts ordered" });
    expect(seen.photos.map((p) => p.name)).toContain("done.png");
    const staff = await send<TicketDto>(w, s.manager, "GET", `/api/tickets/${t.id}`, 200);
    expect(staff.history.at(-1)).toMatchObject({ kind: "status", to: "waiting-for-external" });
    expect(staff.provider?.id).toBe(provider.id);
  });

  it("shows the reporter's contact only when the manager chose to share it", async () => {
    const t = await report(w, s.resident, cat);
    const token = await assign(t, true);
    expect(await (await page(token)).text()).toContain(w.emails.resident);
  });

  it("open only their own ticket's files", async () => {
    const a = await report(w, s.resident, cat);
    const otherPhoto = await upload(w, s.resident);
    await report(w, s.resident, cat, { photoIds: [otherPhoto.id] });
    const token = await assign(a);
    expect((await page(token, `/files/${otherPhoto.id}`)).status).toBe(404);
  });

  it("stop working when revoked, replaced or expired", async () => {
    const t = await report(w, s.resident, cat);
    const first = await assign(t);
    await send(w, s.manager, "DELETE", `/api/tickets/${t.id}/work-orders`, 200);
    const revoked = await page(first);
    expect(revoked.status).toBe(410);
    expect(await revoked.text()).not.toContain("Leaking tap");
    expect((await form(first, { comment: "late" })).status).toBe(410);

    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { providerId: null });
    const second = await assign(t);
    expect((await page(second)).status).toBe(200);
    await dbOf(w.jurisdiction)
      .prepare("UPDATE work_order_links SET expires_at = ? WHERE ticket_id = ? AND revoked_at IS NULL")
      .bind(Date.now() - 1, t.id)
      .run();
    expect((await page(second)).status).toBe(410);
    expect((await page("A".repeat(43))).status).toBe(404);
    const after = await send<TicketDto>(w, s.manager, "GET", `/api/tickets/${t.id}`, 200);
    expect(after.messages).toEqual([]);
  });

  it("only staff assign providers, and only the customer's own", async () => {
    const t = await report(w, s.resident, cat);
    await send(w, s.resident, "PATCH", `/api/tickets/${t.id}`, 403, { providerId: provider.id });
    const other = await makeWorld();
    const os = await sessionsOf(other);
    const theirs = await send<{ id: string }>(other, os.admin, "POST", "/api/service-providers", 201, {
      name: "Other AG",
      email: "other-ag@example.test",
    });
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 404, { providerId: theirs.id });
  });
});
