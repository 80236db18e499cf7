import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "../../src/db/schema/api-clients";
import { MAX_IMAGE_BYTES } from "../../src/services/file-types";
import type { ServerMessage } from "../../src/shared/protocol";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login, ORIGIN_OF } from "../helpers/http";
import { clientToken, passwordToken, registerClient, v1 } from "../helpers/oauth";
import {
  category,
  errorCode,
  fileRows,
  HTML,
  PDF,
  PNG,
  report,
  type Sessions,
  send,
  sessionsOf,
  storedObjects,
  type TicketDto,
  upload,
} from "../helpers/tickets";
import { joinRoom } from "../helpers/ws";

/**
 * Allthings v1 resident services (R-I1 on R-M3, issue 8 item 6, decision 0028): uploads, tickets for a
 * resident and their public conversation through the integrator API, on the Service Center's own
 * services — same rules, same history, same live room event; internal notes never leave; another
 * customer's token sees nothing (404); restricted people are not served (R-P5).
 */
const SERVICES: ApiScope[] = ["user:profile", "resident-services:read", "resident-services:write"];
type Json = Record<string, unknown>;

let w: World;
let x: World;
let s: Sessions;
let token: string;
let foreign: string;
let cat: string;

async function ok(res: Response, status = 200): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  return JSON.parse(text) as Json;
}

/** POST /api/v1/files as the SDK sends it: multipart with parts `file` (named) and `path`. */
function v1Upload(t: string | undefined, data: Uint8Array, name: string, o: { path?: string; app?: string } = {}) {
  const origin = ORIGIN_OF(o.app ?? w.slug);
  const form = new FormData();
  form.append("file", new File([data], name, { type: "image/png" }));
  form.append("path", o.path ?? "");
  const headers = new Headers({ host: new URL(origin).host, accept: "application/json" });
  if (t) headers.set("authorization", `Bearer ${t}`);
  return exports.default.fetch(new Request(`${origin}/api/v1/files`, { method: "POST", headers, body: form }));
}

const newTicket = (o: Json = {}) => ({
  category: cat,
  title: "Heating is cold",
  description: "The radiator in the living room stays cold.",
  inputChannel: "app",
  utilisationPeriod: w.tenancyIds[0],
  files: [],
  ...o,
});
const count = async (sql: string, ...args: unknown[]) =>
  (
    await env.DB_CH.prepare(sql)
      .bind(...args)
      .first<{ n: number }>()
  )?.n ?? -1;

beforeAll(async () => {
  w = await makeWorld();
  x = await makeWorld();
  s = await sessionsOf(w);
  cat = (await category(w, s.admin)).id;
  token = await clientToken(await registerClient(s.admin, w.slug, { scopes: SERVICES }), w.slug);
  const xAdmin = await login(x.emails.admin, PASSWORD, x.slug);
  foreign = await clientToken(await registerClient(xAdmin, x.slug, { scopes: SERVICES }), x.slug);
});

describe("POST /v1/files and DELETE /v1/files/{id}", () => {
  it("stores an upload by its content as the integrator's pending file, in the SDK's shape", async () => {
    const f = await ok(await v1Upload(token, PNG, "deers.png", { path: "deers/" }), 201);
    expect(f).toMatchObject({
      name: "deers.png",
      originalFilename: "deers.png",
      extension: "png",
      type: "image/png",
      path: "deers",
      description: null,
      deletedAt: null,
      files: null,
    });
    const row = (await fileRows(w)).find((r) => r.id === f.id);
    // Nobody's own upload: no account, no craftsman, no person it is about until a ticket uses it.
    expect(row).toMatchObject({ state: "pending", uploaded_by: null, provider_id: null, subject_id: null });
    expect(await storedObjects(w)).toContain(String(row?.object_key));
  });

  it("refuses disguised and oversized files (415, 413) and stores nothing", async () => {
    const before = { rows: (await fileRows(w)).length, objects: (await storedObjects(w)).length };
    const disguised = await v1Upload(token, HTML, "photo.png");
    expect(disguised.status).toBe(415);
    expect(await errorCode(disguised)).toBe("FILE_TYPE_NOT_ALLOWED");
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    big.set(PNG);
    const huge = await v1Upload(token, big, "big.png");
    expect(huge.status).toBe(413);
    expect(await errorCode(huge)).toBe("FILE_TOO_LARGE");
    // A JSON body is not an upload.
    const notForm = await v1("/files", token, { app: w.slug, json: { file: "x" } });
    expect(notForm.status).toBe(415);
    expect(await errorCode(notForm)).toBe("UNSUPPORTED_MEDIA_TYPE");
    const empty = await v1("/files", token, { app: w.slug, method: "POST", emptyJson: true });
    expect(empty.status).toBe(415);
    expect((await fileRows(w)).length).toBe(before.rows);
    expect((await storedObjects(w)).length).toBe(before.objects);
  });

  it("stores a retried upload once (Idempotency-Key, R-I3)", async () => {
    const before = (await fileRows(w)).length;
    // A retry sends the same bytes (same multipart boundary).
    const form = new FormData();
    form.append("file", new File([PNG], "retry.png"));
    const encoded = new Response(form);
    const type = encoded.headers.get("content-type") ?? "";
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    const send = () =>
      exports.default.fetch(
        new Request(`${ORIGIN_OF(w.slug)}/api/v1/files`, {
          method: "POST",
          headers: {
            host: new URL(ORIGIN_OF(w.slug)).host,
            authorization: `Bearer ${token}`,
            "content-type": type,
            "idempotency-key": "upload-retry-1",
          },
          body: bytes,
        }),
      );
    const first = await ok(await send(), 201);
    const again = await send();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await ok(again, 201)).id).toBe(first.id);
    expect((await fileRows(w)).length).toBe(before + 1);
  });

  it("deletes an unused upload (204; then 404), never a resident's own pending upload", async () => {
    const f = await ok(await v1Upload(token, PNG, "gone.png"), 201);
    const key = String((await fileRows(w)).find((r) => r.id === f.id)?.object_key);
    const del = await v1(`/files/${f.id}`, token, { app: w.slug, method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe("");
    expect((await fileRows(w)).some((r) => r.id === f.id)).toBe(false);
    expect(await storedObjects(w)).not.toContain(key);
    expect((await v1(`/files/${f.id}`, token, { app: w.slug, method: "DELETE" })).status).toBe(404);
    const own = await upload(w, s.resident, PNG, "mine.png");
    expect((await v1(`/files/${own.id}`, token, { app: w.slug, method: "DELETE" })).status).toBe(404);
    expect((await fileRows(w)).some((r) => r.id === own.id)).toBe(true);
  });
});

describe("tickets for a resident", () => {
  let ticket: Json;
  let photoId: string;

  it("creates the ticket through the Service Center for the resident's period, with the uploaded photo", async () => {
    const staff = await joinRoom(w, "manager", { session: s.manager });
    photoId = (await ok(await v1Upload(token, PNG, "radiator.png"), 201)).id as string;
    ticket = await ok(
      await v1(`/users/${w.userIds.resident}/tickets`, token, { app: w.slug, json: newTicket({ files: [photoId] }) }),
      201,
    );
    expect(ticket).toMatchObject({
      title: "Heating is cold",
      description: "The radiator in the living room stays cold.",
      category: cat,
      status: "waiting-for-agent",
      files: [photoId],
      group: w.buildingIds[0],
      unit: w.unitIds[0],
      commentCount: 0,
      customerWaitingSinceIndicator: "green",
      labels: [],
      tags: [],
    });
    const e = ticket._embedded as Json & {
      createdBy: Json;
      conversations: { id: string; _embedded: { participants: Json[] } }[];
      files: Json[];
      unit: Json;
      group: Json;
      category: Json;
    };
    expect(e.createdBy.id).toBe(w.userIds.resident);
    expect(e.conversations).toHaveLength(1);
    expect(e.conversations[0]?.id).toBe(ticket.id);
    expect(e.files.map((f) => f.id)).toEqual([photoId]);
    expect(e.unit).toEqual({ id: w.unitIds[0], name: "1.1" });
    expect(e.category).toMatchObject({ id: cat, name: "Plumbing" });
    // The same live event as a report from the app, in the building's room.
    const created = await staff.take(
      (m): m is Extract<ServerMessage, { type: "ticket" }> =>
        m.type === "ticket" && m.event.kind === "ticket.created" && m.event.ticketId === ticket.id,
    );
    expect(created.event.status).toBe("waiting-for-agent");
    // The photo is now the resident's (export, erasure) and belongs to the ticket.
    expect((await fileRows(w)).find((r) => r.id === photoId)).toMatchObject({
      state: "attached",
      owner_type: "ticket",
      owner_id: ticket.id,
      subject_id: w.userIds.resident,
    });
    // The resident sees it in the app as their own report; staff in the queue.
    const mine = await send<TicketDto>(w, s.resident, "GET", `/api/tickets/${ticket.id}`, 200);
    expect(mine.photos.map((p) => p.id)).toEqual([photoId]);
    expect(
      await count("SELECT count(*) AS n FROM ticket_events WHERE ticket_id = ? AND kind = 'created'", ticket.id),
    ).toBe(1);
  });

  it("reads the ticket in the same shape", async () => {
    expect(await ok(await v1(`/tickets/${ticket.id}`, token, { app: w.slug }))).toEqual(ticket);
  });

  it("refuses a used photo (409 FILE_IN_USE on delete, FILE_NOT_ATTACHABLE on reuse) and a PDF as a photo", async () => {
    const del = await v1(`/files/${photoId}`, token, { app: w.slug, method: "DELETE" });
    expect(del.status).toBe(409);
    expect(await errorCode(del)).toBe("FILE_IN_USE");
    const reuse = await v1(`/users/${w.userIds.resident}/tickets`, token, {
      app: w.slug,
      json: newTicket({ files: [photoId] }),
    });
    expect(reuse.status).toBe(409);
    expect(await errorCode(reuse)).toBe("FILE_NOT_ATTACHABLE");
    const pdf = (await ok(await v1Upload(token, PDF, "scan.pdf"), 201)).id as string;
    const asPhoto = await v1(`/users/${w.userIds.resident}/tickets`, token, {
      app: w.slug,
      json: newTicket({ files: [pdf] }),
    });
    expect(asPhoto.status).toBe(415);
  });

  it("answers bad input with stable codes and writes nothing", async () => {
    const before = await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?", w.customerId);
    const cases: [string, Json, number, string][] = [
      [w.userIds.resident, newTicket({ title: "" }), 400, "VALIDATION_FAILED"],
      [w.userIds.resident, newTicket({ category: undefined }), 400, "VALIDATION_FAILED"],
      [w.userIds.resident, newTicket({ files: "nope" }), 400, "VALIDATION_FAILED"],
      // Not the resident's period (another building's), an unknown category, someone's private upload.
      [w.userIds.resident, newTicket({ utilisationPeriod: w.tenancyIds[1] }), 404, "NOT_FOUND"],
      [w.userIds.resident, newTicket({ category: "no-such-category" }), 404, "NOT_FOUND"],
      [w.userIds.resident, newTicket({ files: [(await upload(w, s.neighbour)).id] }), 404, "NOT_FOUND"],
      // A manager has no home here: no period of theirs.
      [w.userIds.manager, newTicket(), 404, "NOT_FOUND"],
      ["no-such-user", newTicket(), 404, "NOT_FOUND"],
    ];
    for (const [user, json, status, code] of cases) {
      const res = await v1(`/users/${user}/tickets`, token, { app: w.slug, json });
      expect(res.status, JSON.stringify(json)).toBe(status);
      expect(await errorCode(res)).toBe(code);
    }
    expect(await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?", w.customerId)).toBe(before);
  });
});

describe("the ticket's conversation", () => {
  let t: TicketDto;

  beforeAll(async () => {
    t = await report(w, s.resident, cat);
    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, {
      body: "Internal: tenant is difficult",
      internal: true,
    });
    await send(w, s.manager, "POST", `/api/tickets/${t.id}/messages`, 201, { body: "We send someone on Monday" });
    await send(w, s.manager, "PATCH", `/api/tickets/${t.id}`, 200, { status: "waiting-for-customer" });
  });

  it("shows public replies only, never internal notes", async () => {
    const conv = await ok(await v1(`/conversations/${t.id}`, token, { app: w.slug }));
    expect(conv).toMatchObject({ id: t.id, ticket: t.id, messageCount: 1 });
    const messages = (conv._embedded as { messages: Json[] }).messages;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      type: "text",
      content: { content: "We send someone on Monday" },
      internal: false,
      _embedded: { createdBy: { id: w.userIds.manager } },
    });
    const tk = await ok(await v1(`/tickets/${t.id}`, token, { app: w.slug }));
    expect(tk.commentCount).toBe(1);
    for (const body of [JSON.stringify(conv), JSON.stringify(tk)]) expect(body).not.toContain("tenant is difficult");
  });

  it("writes a reply for the reporter (text, then with a photo): the ticket waits for the agent again", async () => {
    const m = await ok(
      await v1(`/conversations/${t.id}/messages?forUser=${w.userIds.resident}`, token, {
        app: w.slug,
        json: { content: { content: "Monday is fine" }, type: "text" },
      }),
      201,
    );
    expect(m).toMatchObject({
      type: "text",
      content: { content: "Monday is fine" },
      internal: false,
      _embedded: { createdBy: { id: w.userIds.resident } },
    });
    const photo = (await ok(await v1Upload(token, PNG, "tap.png"), 201)).id as string;
    const withFile = await ok(
      await v1(`/conversations/${t.id}/messages?forUser=${w.userIds.resident}`, token, {
        app: w.slug,
        json: { content: { description: "Here is a photo", files: [photo] }, internal: false, type: "file" },
      }),
      201,
    );
    expect(withFile).toMatchObject({
      type: "file",
      content: { description: "Here is a photo", files: [photo] },
      _embedded: { createdBy: { id: w.userIds.resident } },
    });
    const seen = await send<TicketDto>(w, s.resident, "GET", `/api/tickets/${t.id}`, 200);
    expect(seen.status).toBe("waiting-for-agent");
    expect(seen.messages.map((x) => x.body)).toEqual([
      "We send someone on Monday",
      "Monday is fine",
      "Here is a photo",
    ]);
    expect((await fileRows(w)).find((r) => r.id === photo)).toMatchObject({
      state: "attached",
      owner_id: t.id,
      subject_id: w.userIds.resident,
    });
  });

  it("refuses internal notes, empty replies, a missing forUser, and users who may not write here", async () => {
    const before = await count("SELECT count(*) AS n FROM ticket_messages WHERE ticket_id = ?", t.id);
    const path = (forUser?: string) => `/conversations/${t.id}/messages${forUser ? `?forUser=${forUser}` : ""}`;
    const cases: [string, Json, number, string][] = [
      [
        path(w.userIds.manager),
        { content: { content: "Note" }, internal: true, type: "text" },
        400,
        "VALIDATION_FAILED",
      ],
      [path(w.userIds.resident), { content: { content: "  " }, type: "text" }, 400, "VALIDATION_FAILED"],
      [path(w.userIds.resident), { type: "text" }, 400, "VALIDATION_FAILED"],
      [path(), { content: { content: "Hi" }, type: "text" }, 400, "VALIDATION_FAILED"],
      // A flatmate and a resident of another building do not see this ticket.
      [path(w.userIds.neighbour), { content: { content: "Hi" }, type: "text" }, 404, "NOT_FOUND"],
      [path(w.userIds.otherBuilding), { content: { content: "Hi" }, type: "text" }, 404, "NOT_FOUND"],
    ];
    for (const [p, json, status, code] of cases) {
      const res = await v1(p, token, { app: w.slug, json });
      expect(res.status, `${p} ${JSON.stringify(json)}`).toBe(status);
      expect(await errorCode(res)).toBe(code);
    }
    expect(await count("SELECT count(*) AS n FROM ticket_messages WHERE ticket_id = ?", t.id)).toBe(before);
    expect((await v1(`/conversations/no-such-ticket`, token, { app: w.slug })).status).toBe(404);
  });

  it("lets staff of the building reply publicly for themselves", async () => {
    const m = await ok(
      await v1(`/conversations/${t.id}/messages?forUser=${w.userIds.manager}`, token, {
        app: w.slug,
        json: { content: { content: "Plumber confirmed" }, type: "text" },
      }),
      201,
    );
    expect(m._embedded).toMatchObject({ createdBy: { id: w.userIds.manager } });
    const row = await env.DB_CH.prepare("SELECT visibility FROM ticket_messages WHERE id = ?")
      .bind(m.id)
      .first<{ visibility: string }>();
    expect(row?.visibility).toBe("public");
  });
});

describe("access (R-I1)", () => {
  let t: TicketDto;
  let pending: string;
  beforeAll(async () => {
    t = await report(w, s.resident, cat);
    pending = (await ok(await v1Upload(token, PNG, "pending.png"), 201)).id as string;
  });

  it("shows and changes nothing of ours for another customer's token (404, no data)", async () => {
    const before = {
      messages: await count("SELECT count(*) AS n FROM ticket_messages WHERE customer_id = ?", w.customerId),
      tickets: await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?", w.customerId),
      files: (await fileRows(w)).length,
    };
    const calls: [string, Parameters<typeof v1>[2]][] = [
      [`/tickets/${t.id}`, {}],
      [`/conversations/${t.id}`, {}],
      [`/conversations/${t.id}/messages?forUser=${w.userIds.resident}`, { json: { content: { content: "x" } } }],
      [`/users/${w.userIds.resident}/tickets`, { json: newTicket() }],
      [`/files/${pending}`, { method: "DELETE" }],
    ];
    for (const host of [w.slug, x.slug]) {
      for (const [path, o] of calls) {
        const res = await v1(path, foreign, { ...o, app: host });
        const text = await res.text();
        expect(res.status, `${host} ${path}`).toBe(404);
        for (const secret of ["Leaking tap", w.userIds.resident, w.emails.resident, w.buildingIds[0]]) {
          expect(text).not.toContain(secret);
        }
      }
    }
    // The foreign client cannot attach our upload to a ticket of its own customer either.
    const xCat = (await category(x, await login(x.emails.admin, PASSWORD, x.slug))).id;
    const steal = await v1(`/users/${x.userIds.resident}/tickets`, foreign, {
      app: x.slug,
      json: { ...newTicket({ files: [pending] }), category: xCat, utilisationPeriod: x.tenancyIds[0] },
    });
    expect(steal.status).toBe(404);
    expect(await count("SELECT count(*) AS n FROM ticket_messages WHERE customer_id = ?", w.customerId)).toBe(
      before.messages,
    );
    expect(await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?", w.customerId)).toBe(before.tickets);
    expect((await fileRows(w)).length).toBe(before.files);
  });

  it("401 without a token, 403 without the scope, 403 for residents' password tokens", async () => {
    const masterOnly = await clientToken(
      await registerClient(s.admin, w.slug, { scopes: ["user:profile", "master-data:read", "master-data:write"] }),
      w.slug,
    );
    const own = await registerClient(s.admin, w.slug, { firstParty: true, scopes: SERVICES });
    const resident = (await passwordToken(own, w.emails.resident, PASSWORD, w.slug)).access_token;
    const admin = (await passwordToken(own, w.emails.admin, PASSWORD, w.slug)).access_token;
    const calls: [string, Parameters<typeof v1>[2]][] = [
      [`/tickets/${t.id}`, {}],
      [`/conversations/${t.id}`, {}],
      [`/conversations/${t.id}/messages?forUser=${w.userIds.resident}`, { json: { content: { content: "x" } } }],
      [`/users/${w.userIds.resident}/tickets`, { json: newTicket() }],
      [`/files/${pending}`, { method: "DELETE" }],
    ];
    for (const [path, o] of calls) {
      expect((await v1(path, undefined, { ...o, app: w.slug })).status, path).toBe(401);
      const refused = await v1(path, masterOnly, { ...o, app: w.slug });
      expect(refused.status, path).toBe(403);
      expect(refused.headers.get("www-authenticate")).toContain("resident-services:");
      expect((await v1(path, resident, { ...o, app: w.slug })).status, path).toBe(403);
    }
    expect((await v1Upload(undefined, PNG, "x.png")).status).toBe(401);
    expect((await v1Upload(masterOnly, PNG, "x.png")).status).toBe(403);
    // A customer admin's password token acts for the customer, like a client-credentials token.
    expect((await v1(`/tickets/${t.id}`, admin, { app: w.slug })).status).toBe(200);
    expect((await api(`/api/files/${pending}/content`, { app: w.slug, session: s.resident })).status).toBe(404);
  });

  it("follows the customer's Service Center switch for residents' tickets and replies (R-T3)", async () => {
    const fresh = await makeWorld();
    const fs = await sessionsOf(fresh);
    const fcat = (await category(fresh, fs.admin)).id;
    const ft = await report(fresh, fs.resident, fcat);
    const tk = await clientToken(await registerClient(fs.admin, fresh.slug, { scopes: SERVICES }), fresh.slug);
    await env.DB_CH.prepare(
      "INSERT INTO micro_apps (id, customer_id, property_id, app_key, enabled, custom_name) VALUES (?, ?, NULL, 'service-center', 0, NULL)",
    )
      .bind(crypto.randomUUID(), fresh.customerId)
      .run();
    const create = await v1(`/users/${fresh.userIds.resident}/tickets`, tk, {
      app: fresh.slug,
      json: { ...newTicket(), category: fcat, utilisationPeriod: fresh.tenancyIds[0] },
    });
    expect(create.status).toBe(403);
    expect(await errorCode(create)).toBe("MICRO_APP_DISABLED");
    const reply = await v1(`/conversations/${ft.id}/messages?forUser=${fresh.userIds.resident}`, tk, {
      app: fresh.slug,
      json: { content: { content: "Hello" }, type: "text" },
    });
    expect(reply.status).toBe(403);
    // Staff of the building keep working the ticket; the integrator still reads it.
    const staff = await v1(`/conversations/${ft.id}/messages?forUser=${fresh.userIds.manager}`, tk, {
      app: fresh.slug,
      json: { content: { content: "We are on it" }, type: "text" },
    });
    expect(staff.status).toBe(201);
    expect((await v1(`/tickets/${ft.id}`, tk, { app: fresh.slug })).status).toBe(200);
    expect(await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?", fresh.customerId)).toBe(1);
  });

  it("does not serve a resident whose processing is restricted (R-P5)", async () => {
    const fresh = await makeWorld();
    const fs = await sessionsOf(fresh);
    const fcat = (await category(fresh, fs.admin)).id;
    const ft = await report(fresh, fs.resident, fcat);
    const tk = await clientToken(await registerClient(fs.admin, fresh.slug, { scopes: SERVICES }), fresh.slug);
    expect((await v1(`/tickets/${ft.id}`, tk, { app: fresh.slug })).status).toBe(200);
    await env.DB_CH.prepare(
      "INSERT INTO processing_restrictions (id, customer_id, user_id, kind, created_at) VALUES (?, ?, ?, 'restriction', ?)",
    )
      .bind(crypto.randomUUID(), fresh.customerId, fresh.userIds.resident, Date.now())
      .run();
    expect((await v1(`/tickets/${ft.id}`, tk, { app: fresh.slug })).status).toBe(404);
    expect((await v1(`/conversations/${ft.id}`, tk, { app: fresh.slug })).status).toBe(404);
    const reply = await v1(`/conversations/${ft.id}/messages?forUser=${fresh.userIds.manager}`, tk, {
      app: fresh.slug,
      json: { content: { content: "Hello" }, type: "text" },
    });
    expect(reply.status).toBe(404);
    const create = await v1(`/users/${fresh.userIds.resident}/tickets`, tk, {
      app: fresh.slug,
      json: { ...newTicket(), category: fcat, utilisationPeriod: fresh.tenancyIds[0] },
    });
    expect(create.status).toBe(404);
    expect(await count("SELECT count(*) AS n FROM tickets WHERE customer_id = ?", fresh.customerId)).toBe(1);
  });
});
