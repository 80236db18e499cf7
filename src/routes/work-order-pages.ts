import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { WORK_ORDER_TEXTS } from "../i18n/work-order-pages";
import { AppError } from "../lib/errors";
import { esc, page } from "../lib/html";
import { pageLocale } from "../lib/locale";
import { readUpload, serveFile } from "../services/files";
import {
  PROVIDER_STATUSES,
  postWorkOrderUpdate,
  uploadWorkOrderFile,
  workOrderFile,
  workOrderView,
} from "../services/work-orders";
import { declare } from "./define";

/**
 * The craftsman's work-order page (R-M3): no account, the link's token is the only key, and it opens
 * one ticket until it expires or the manager revokes it. Plain HTML forms (no script needed, the CSP
 * allows none inline); each post answers with a redirect back to the page.
 */
declare("GET", "/work-orders/:token", "public");
declare("POST", "/work-orders/:token", "public");
declare("POST", "/work-orders/:token/files", "public");
declare("GET", "/work-orders/:token/files/:fileId", "public");

const MAX_FORM_BYTES = 16 * 1024;

type View = Awaited<ReturnType<typeof workOrderView>>;

function render(lang: keyof typeof WORK_ORDER_TEXTS, token: string, v: View, uploadError?: string) {
  const t = WORK_ORDER_TEXTS[lang];
  const base = `/work-orders/${encodeURIComponent(token)}`;
  const contact = v.contact ? `${esc(v.contact.name)}, ${esc(v.contact.email)}` : esc(t.noContact);
  const messages = v.messages
    .map(
      (m) =>
        `<li><time>${esc(m.createdAt.slice(0, 16).replace("T", " "))}</time> ${m.mine ? `<strong>${esc(t.you)}</strong>: ` : ""}${esc(m.body)}</li>`,
    )
    .join("");
  const files = v.files
    .map((f) => `<li><a href="${base}/files/${encodeURIComponent(f.id)}">${esc(f.name)}</a></li>`)
    .join("");
  const options = PROVIDER_STATUSES.map((s) => `<option value="${s}">${esc(t.statuses[s])}</option>`).join("");
  return page(
    lang,
    `${t.title}: ${v.ticket.title}`,
    `<h1>${esc(t.title)}: ${esc(v.ticket.title)}</h1>
<p>${esc(v.provider)} · ${esc(t.status)}: <strong>${esc(t.statuses[v.ticket.status] ?? v.ticket.status)}</strong></p>
<p>${esc(v.ticket.description)}</p>
<dl><dt>${esc(t.place)}</dt><dd>${esc(v.place.building)}</dd><dt>${esc(t.unit)}</dt><dd>${esc(v.place.unit ?? t.commonAreas)}</dd>
<dt>${esc(t.contact)}</dt><dd>${contact}</dd></dl>
<h2>${esc(t.photos)}</h2><ul>${files}</ul>
<h2>${esc(t.conversation)}</h2><ul>${messages}</ul>
<form method="post" action="${base}"><label>${esc(t.status)}<select name="status"><option value="">${esc(t.keepStatus)}</option>${options}</select></label>
<label>${esc(t.comment)}<textarea name="comment" maxlength="5000"></textarea></label><button type="submit">${esc(t.send)}</button></form>
${uploadError ? `<p role="alert">${esc(uploadError)}</p>` : ""}<form method="post" action="${base}/files" enctype="multipart/form-data"><label>${esc(t.upload)}<input type="file" name="file" accept="image/jpeg,image/png,image/webp,image/heic,application/pdf" required></label><button type="submit">${esc(t.uploadButton)}</button></form>
<p>${esc(t.validUntil)} ${esc(v.expiresAt.slice(0, 10))}</p>`,
  );
}

/** Ended and unknown links answer with a page in the customer's language (410 / 404), never the ticket. */
function ended(c: Parameters<typeof pageLocale>[0], e: unknown) {
  if (!(e instanceof AppError) || (e.code !== "WORK_ORDER_ENDED" && e.code !== "NOT_FOUND")) throw e;
  const t = WORK_ORDER_TEXTS[pageLocale(c)];
  const text = e.code === "WORK_ORDER_ENDED" ? t.ended : t.notFound;
  return c.html(
    page(pageLocale(c), t.title, `<h1>${esc(t.title)}</h1><p role="alert">${esc(text)}</p>`),
    e.status as 404,
  );
}

/** The page's words for a refused upload, or undefined for errors that are not about the file. */
function uploadErrorText(lang: keyof typeof WORK_ORDER_TEXTS, e: unknown): string | undefined {
  if (!(e instanceof AppError)) return undefined;
  const t = WORK_ORDER_TEXTS[lang];
  switch (e.code) {
    case "FILE_TOO_LARGE":
    case "PAYLOAD_TOO_LARGE":
      return t.uploadTooLarge;
    case "FILE_TYPE_NOT_ALLOWED":
      return t.uploadWrongType;
    case "RATE_LIMITED":
      return t.uploadRateLimited;
    case "VALIDATION_FAILED":
      return t.uploadMissing;
    default:
      return undefined;
  }
}

export const workOrderPageRoutes = new Hono<AppEnv>()
  .get("/work-orders/:token", async (c) => {
    const token = c.req.param("token");
    try {
      const v = await workOrderView(c.var.deps, c.var.customer.id, token);
      c.header("cache-control", "no-store");
      return c.html(render(pageLocale(c), token, v));
    } catch (e) {
      return ended(c, e);
    }
  })
  .post("/work-orders/:token", async (c) => {
    const token = c.req.param("token");
    if (Number(c.req.header("content-length") ?? "0") > MAX_FORM_BYTES) {
      throw new AppError("PAYLOAD_TOO_LARGE", "The form is too large.");
    }
    const form = await c.req.parseBody();
    const status = PROVIDER_STATUSES.find((s) => s === form.status);
    const comment = typeof form.comment === "string" ? form.comment.trim().slice(0, 5_000) : "";
    try {
      await postWorkOrderUpdate(c.var.deps, c.var.customer.id, token, {
        status,
        comment: comment || undefined,
      });
    } catch (e) {
      return ended(c, e);
    }
    return c.redirect(`/work-orders/${encodeURIComponent(token)}`, 303);
  })
  .post("/work-orders/:token/files", async (c) => {
    const token = c.req.param("token");
    try {
      await uploadWorkOrderFile(c.var.deps, c.var.customer.id, token, await readUpload(c.req.raw));
    } catch (e) {
      // A refused file: the page again with the reason, in its language, with the error's status
      // (and Retry-After when rate limited); never the JSON envelope on this no-script page.
      const lang = pageLocale(c);
      const text = uploadErrorText(lang, e);
      if (!text || !(e instanceof AppError)) return ended(c, e);
      try {
        const v = await workOrderView(c.var.deps, c.var.customer.id, token);
        c.header("cache-control", "no-store");
        for (const [k, value] of Object.entries(e.headers ?? {})) c.header(k, value);
        return c.html(render(lang, token, v, text), e.status as 400);
      } catch (e2) {
        return ended(c, e2);
      }
    }
    return c.redirect(`/work-orders/${encodeURIComponent(token)}`, 303);
  })
  .get("/work-orders/:token/files/:fileId", async (c) => {
    try {
      const f = await workOrderFile(c.var.deps, c.var.customer.id, c.req.param("token"), c.req.param("fileId"));
      return serveFile(c.var.deps, f);
    } catch (e) {
      return ended(c, e);
    }
  });
