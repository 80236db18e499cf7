import { describe, expect, it } from "vitest";
import { INVITES_PER_RESIDENT } from "../../src/services/invitations";
import { freshEmail, loginAs, mailsTo } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, ORIGIN_OF } from "../helpers/http";
import {
  type CodeDto,
  checkCode,
  codesOf,
  expireCode,
  me,
  session,
  setCustomer,
  signUpAndLogIn,
} from "../helpers/onboarding";

/** Residents invite a flatmate or family member into their own unit (R-A3). */

const DAY_MS = 86_400_000;

const invite = (w: World, s: string, json: object) => api("/api/invitations", { app: w.slug, session: s, json });

async function invited(w: World, s: string, email = freshEmail("invitee")): Promise<CodeDto> {
  const res = await invite(w, s, { email, name: "Flo Flatmate" });
  expect(res.status).toBe(201);
  return (await res.json()) as CodeDto;
}

async function pending(w: World, s: string): Promise<CodeDto[]> {
  const res = await api("/api/invitations", { app: w.slug, session: s });
  expect(res.status).toBe(200);
  return (await res.json()) as CodeDto[];
}

const withdraw = (w: World, s: string, codeId: string) =>
  api(`/api/invitations/${codeId}`, { app: w.slug, session: s, method: "DELETE" });

describe("POST /api/invitations", () => {
  it("mails the invitee a single-use code and a link that lead into the inviter's unit", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    const email = freshEmail("Invitee");
    const code = await invited(w, resident, email);

    expect(code).toMatchObject({ source: "neighbour", permanent: false, status: "sent", sendCount: 1 });
    expect(code.recipientEmail).toBe(email.toLowerCase());
    const days = (Date.parse(code.expiresAt) - Date.now()) / DAY_MS;
    expect(days).toBeGreaterThan(13.99);
    expect(days).toBeLessThanOrEqual(14);
    const [mail] = await mailsTo(w.slug, email);
    expect(mail?.template).toBe("neighbour-invitation");
    expect(mail?.subject).toContain(`Person resident`);
    expect(mail?.body).toContain(`${ORIGIN_OF(w.slug)}/signup?code=${code.code}`);
    expect(mail?.body).toContain(code.code);

    const { session: invitee } = await signUpAndLogIn(w.slug, code.code, email);
    expect((await me(w.slug, invitee)).memberships.map((m) => [m.unitId, m.tenancyId])).toEqual([
      [w.unitIds[0], w.tenancyIds[0]],
    ]);
    // The manager sees it among the building's codes, used.
    const listed = (await codesOf(w, await session.manager(w), w.buildingIds[0])).find((c) => c.id === code.id);
    expect(listed).toMatchObject({ source: "neighbour", status: "used" });
  });

  it("answers 403 INVITES_DISABLED when the customer has switched invitations off", async () => {
    const w = await makeWorld();
    await setCustomer(w, { allowNeighbourInvites: false });
    const email = freshEmail();
    expect(await envelopeOf(await invite(w, await session.resident(w), { email }))).toBe("INVITES_DISABLED");
    expect(await mailsTo(w.slug, email)).toEqual([]);
  });

  it("answers the 6th invitation of a resident within a day with 429 RATE_LIMITED", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    for (let i = 0; i < INVITES_PER_RESIDENT.max; i++) await invited(w, resident);
    const email = freshEmail("sixth");
    const res = await invite(w, resident, { email });
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await envelopeOf(res)).toBe("RATE_LIMITED");
    expect(await mailsTo(w.slug, email)).toEqual([]);
    expect(await pending(w, resident)).toHaveLength(INVITES_PER_RESIDENT.max);
    // The limit is the resident's own: the flatmate can still invite.
    await invited(w, await loginAs(w.slug, w.emails.neighbour, PASSWORD));
  });

  it("answers staff without a home with 409 NO_TENANCY", async () => {
    const w = await makeWorld();
    for (const s of [await session.manager(w), await session.admin(w)]) {
      expect(await envelopeOf(await invite(w, s, { email: freshEmail() }))).toBe("NO_TENANCY");
    }
  });

  it("answers a home the resident does not live in with 409 NO_TENANCY", async () => {
    const w = await makeWorld();
    const res = await invite(w, await session.resident(w), { email: freshEmail(), tenancyId: w.tenancyIds[1] });
    expect(await envelopeOf(res)).toBe("NO_TENANCY");
  });

  it("refuses a malformed address or unknown fields with 400 VALIDATION_FAILED and a visitor with 401", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    for (const json of [
      { email: "nope" },
      {},
      { email: freshEmail(), permanent: true },
      { email: freshEmail(), name: "" },
    ]) {
      expect(await envelopeOf(await invite(w, resident, json)), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
    expect(await envelopeOf(await api("/api/invitations", { app: w.slug, json: { email: freshEmail() } }))).toBe(
      "UNAUTHENTICATED",
    );
    expect(await pending(w, resident)).toEqual([]);
  });
});

describe("GET /api/invitations", () => {
  it("lists the resident's own pending invitations, newest first, without used, withdrawn or expired ones", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    const [used, withdrawn, expired, older, newer] = [
      await invited(w, resident),
      await invited(w, resident),
      await invited(w, resident),
      await invited(w, resident),
      await invited(w, resident),
    ];
    await signUpAndLogIn(w.slug, used.code);
    expect((await withdraw(w, resident, withdrawn.id)).status).toBe(204);
    await expireCode(w, expired.id);
    await invited(w, await loginAs(w.slug, w.emails.neighbour, PASSWORD));

    expect((await pending(w, resident)).map((c) => c.id)).toEqual([newer.id, older.id]);
  });
});

describe("DELETE /api/invitations/{codeId}", () => {
  it("withdraws a pending invitation: its code stops working", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    const code = await invited(w, resident);
    expect((await checkCode(w.slug, code.code)).status).toBe(200);

    expect((await withdraw(w, resident, code.id)).status).toBe(204);
    expect(await envelopeOf(await checkCode(w.slug, code.code))).toBe("CODE_INVALID");
    expect(await pending(w, resident)).toEqual([]);
    expect(await envelopeOf(await withdraw(w, resident, code.id))).toBe("NOT_FOUND");
  });

  it("answers someone else's invitation, a manager's code and a used invitation with 404 NOT_FOUND", async () => {
    const w = await makeWorld();
    const resident = await session.resident(w);
    const manager = await session.manager(w);
    const theirs = await invited(w, resident);
    const used = await invited(w, resident);
    await signUpAndLogIn(w.slug, used.code);
    const managers = await api(`/api/tenancies/${w.tenancyIds[0]}/codes`, { app: w.slug, session: manager, json: {} });
    const managerCode = (await managers.json()) as CodeDto;

    const flatmate = await loginAs(w.slug, w.emails.neighbour, PASSWORD);
    expect(await envelopeOf(await withdraw(w, flatmate, theirs.id))).toBe("NOT_FOUND");
    expect(await envelopeOf(await withdraw(w, manager, theirs.id))).toBe("NOT_FOUND");
    expect(await envelopeOf(await withdraw(w, resident, managerCode.id))).toBe("NOT_FOUND");
    expect(await envelopeOf(await withdraw(w, resident, used.id))).toBe("NOT_FOUND");
    expect((await checkCode(w.slug, theirs.code)).status).toBe(200);
    expect((await checkCode(w.slug, managerCode.code)).status).toBe(200);
  });
});
