import { renderSVG } from "uqr";
import type { Customer } from "../db/schema/customers";
import type { ActivationCode } from "../db/schema/onboarding";
import { LETTER_TEXTS } from "../i18n/letters";
import { formatCode } from "../lib/codes";
import { formatDate } from "../lib/format";
import { esc } from "../lib/html";
import { signupLink } from "./invitations";

export interface LetterInput {
  code: ActivationCode;
  recipient: string | null;
  buildingName: string;
  street: string;
  postalCode: string;
  city: string;
  unitName: string;
}

/** One A4 page per code: building, unit, code, personal link and its QR code (R-A1 letters). */
function letterPage(customer: Customer, origin: string, l: LetterInput) {
  const t = LETTER_TEXTS[customer.locale];
  const link = signupLink(origin, l.code.code);
  const qr = renderSVG(link, { border: 1 });
  const steps = t.steps.map((s) => `<li>${esc(s)}</li>`).join("");
  return `<article class="letter">
<header><p class="sender">${esc(customer.name)}</p>
<p class="address">${l.recipient ? `${esc(l.recipient)}<br>` : ""}${esc(l.street)}<br>${esc(l.postalCode)} ${esc(l.city)}<br>${esc(t.unitLabel)} ${esc(l.unitName)}</p></header>
<h1>${esc(t.title)}</h1>
<p>${esc(t.greeting)}${l.recipient ? ` ${esc(l.recipient)}` : ""}</p>
<p>${esc(t.intro.replace("{app}", customer.name))}</p>
<ol>${steps}</ol>
<section class="credentials">
<div><p class="label">${esc(t.codeLabel)}</p><p class="code">${esc(formatCode(l.code.code))}</p>
<p class="label">${esc(t.linkLabel)}</p><p class="link">${esc(link)}</p>
<p>${esc(t.validUntil)} ${esc(formatDate(l.code.expiresAt, customer.locale, customer.jurisdiction))}</p>
<p>${esc(l.buildingName)} · ${esc(t.unitLabel)} ${esc(l.unitName)}</p></div>
<figure class="qr">${qr}<figcaption>${esc(t.scan)}</figcaption></figure>
</section>
<footer><p>${esc(t.privacy)}</p></footer>
</article>`;
}

/** A print job: every letter on its own page (`break-after: page` in letter.css). */
export function renderLetters(customer: Customer, origin: string, letters: LetterInput[]) {
  const t = LETTER_TEXTS[customer.locale];
  return `<!doctype html>
<html lang="${esc(customer.locale)}">
<head><meta charset="utf-8"><title>${esc(t.title)}</title>
<link rel="stylesheet" href="/static/letter.css"></head>
<body>
${letters.map((l) => letterPage(customer, origin, l)).join("\n")}
</body>
</html>`;
}
