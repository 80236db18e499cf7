import { renderSVG } from "uqr";
import { describe, expect, it } from "vitest";
import { LETTER_TEXTS } from "../../src/i18n/letters";
import { freshEmail } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import {
  addTenancy,
  type CodeDto,
  createCode,
  expireCode,
  session,
  setCustomer,
  signUpAndLogIn,
} from "../helpers/onboarding";

/** Printable activation letters (R-A1): one page per code, building, unit, code, link and QR code. */

const letters = (html: string) => html.match(/<article class="letter">/g)?.length ?? 0;
const linkOf = (w: World, code: CodeDto) => `${ORIGIN_OF(w.slug)}/signup?code=${code.code}`;

async function printed(w: World, staff: string, path: string): Promise<string> {
  const res = await api(path, { app: w.slug, session: staff });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  return res.text();
}

describe("GET /print/codes/{codeId}", () => {
  it("renders one letter with building, unit, code, personal link and its QR code, in the customer's language", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    const html = await printed(w, manager, `/print/codes/${code.id}`);

    expect(letters(html)).toBe(1);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain(LETTER_TEXTS.de.title);
    expect(html).toContain("Street 1");
    expect(html).toContain("8000 Zürich");
    expect(html).toContain(`${LETTER_TEXTS.de.unitLabel} 1.1`);
    expect(html).toMatch(/Building 1 [\w-]+/);
    expect(html).toContain(`<p class="code">${code.code}</p>`);
    expect(html).toContain(linkOf(w, code));
    // The QR code is inline SVG of exactly the personal link.
    expect(html).toContain("<svg");
    expect(html).toContain(renderSVG(linkOf(w, code), { border: 1 }));
    expect(html).toContain('href="/static/letter.css"');
  });

  it("greets the recipient the code was sent to", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    await api(`/api/codes/${code.id}/send`, {
      app: w.slug,
      session: manager,
      json: { email: freshEmail(), name: "Tina Tenant" },
    });
    const html = await printed(w, manager, `/print/codes/${code.id}`);
    expect(html).toContain(`${LETTER_TEXTS.de.greeting} Tina Tenant`);
  });

  it("prints in French, with a French date, when the customer's language is French", async () => {
    const w = await makeWorld();
    await setCustomer(w, { locale: "fr" });
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    const html = await printed(w, manager, `/print/codes/${code.id}`);

    expect(html).toContain('<html lang="fr">');
    const fr = LETTER_TEXTS.fr;
    for (const text of [fr.title, fr.codeLabel, fr.scan, `${fr.unitLabel} 1.1`]) {
      expect(html).toContain(text.replaceAll("'", "&#39;"));
    }
    const date = new Intl.DateTimeFormat("fr-CH", { dateStyle: "long", timeZone: "Europe/Zurich" }).format(
      new Date(code.expiresAt),
    );
    expect(html).toContain(`${fr.validUntil.replaceAll("'", "&#39;")} ${date}`);
    expect(html).not.toContain(LETTER_TEXTS.de.title);
  });

  it("escapes names it prints", async () => {
    const w = await makeWorld();
    await dbOf(w.jurisdiction)
      .prepare("UPDATE buildings SET name = ?1 WHERE id = ?2")
      .bind('<script>alert("x")</script>', w.buildingIds[0])
      .run();
    const manager = await session.manager(w);
    const code = await createCode(w, manager, w.tenancyIds[0]);
    const html = await printed(w, manager, `/print/codes/${code.id}`);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;");
  });

  it("answers an unknown code and one of another customer with 404 NOT_FOUND", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const foreign = await createCode(other, await session.manager(other), other.tenancyIds[0]);
    const manager = await session.manager(w);
    for (const id of [foreign.id, "no-such-code"]) {
      expect(await envelopeOf(await api(`/print/codes/${id}`, { app: w.slug, session: manager })), id).toBe(
        "NOT_FOUND",
      );
    }
  });
});

describe("GET /print/buildings/{buildingId}", () => {
  it("prints one letter per usable code of the building as one print job", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const second = await addTenancy(w);
    const third = await addTenancy(w, { startsOn: "2099-01-01" });
    const create = await api(`/api/buildings/${w.buildingIds[0]}/codes`, { app: w.slug, session: manager, json: {} });
    const usable = (await create.json()) as CodeDto[];
    expect(usable).toHaveLength(3);
    const [used, revoked, expired] = [
      await createCode(w, manager, second.tenancyId),
      await createCode(w, manager, third.tenancyId),
      await createCode(w, manager, w.tenancyIds[0]),
    ];
    await signUpAndLogIn(w.slug, used.code);
    await api(`/api/codes/${revoked.id}`, { app: w.slug, session: manager, method: "DELETE" });
    await expireCode(w, expired.id);

    const html = await printed(w, manager, `/print/buildings/${w.buildingIds[0]}`);
    expect(letters(html)).toBe(3);
    expect(html.match(/<svg/g)).toHaveLength(3);
    for (const c of usable) {
      expect(html.split(`<p class="code">${c.code}</p>`)).toHaveLength(2);
      expect(html).toContain(linkOf(w, c));
    }
    for (const c of [used, revoked, expired]) expect(html).not.toContain(c.code);
    for (const unit of ["1.1", second.unitName, third.unitName])
      expect(html).toContain(`${LETTER_TEXTS.de.unitLabel} ${unit}`);
    expect(html.match(/Street 1<br>8000 Zürich/g)).toHaveLength(3);
  });

  it("answers a building of another customer with 404 NOT_FOUND", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const res = await api(`/print/buildings/${other.buildingIds[0]}`, {
      app: w.slug,
      session: await session.manager(w),
    });
    expect(await envelopeOf(res)).toBe("NOT_FOUND");
  });
});
