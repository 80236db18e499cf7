import { describe, expect, it } from "vitest";
import { CODE_ALPHABET, CODE_ENTROPY_BITS, formatCode, generateCode, normaliseCode } from "../../src/lib/codes";
import {
  CODE_ATTEMPTS_PER_CODE,
  CODE_FAILURES_PER_CLIENT,
  CODE_FAILURES_PER_CUSTOMER,
} from "../../src/services/code-attempts";
import { dbOfWorld, freshIp, setThrottle } from "../helpers/accounts";
import { envelopeOf } from "../helpers/envelope";
import { makeWorld, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import {
  type CodeCheck,
  checkCode,
  codeRow,
  codesOf,
  createCode,
  expireCode,
  me,
  redeem,
  session,
  signUpAndLogIn,
} from "../helpers/onboarding";

/** Checking a code before signing up (R-A1): its shape, the one answer for bad codes, attempt limits. */

/** Changes one character of a code into another character of the alphabet. */
function mistype(code: string): string {
  const at = code.length - 1;
  const other = CODE_ALPHABET[(CODE_ALPHABET.indexOf(code[at] ?? "A") + 1) % CODE_ALPHABET.length] ?? "A";
  return code.slice(0, at) + other;
}

const ownCode = async (w: World, body: object = {}) => createCode(w, await session.manager(w), w.tenancyIds[0], body);

describe("the code format", () => {
  it("carries at least 40 bits from an alphabet without 0, O, 1, I or L", () => {
    expect(CODE_ENTROPY_BITS).toBeGreaterThanOrEqual(40);
    for (const ambiguous of "0O1IL") expect(CODE_ALPHABET).not.toContain(ambiguous);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = generateCode();
      expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      for (const ch of code.replaceAll("-", "")) expect(CODE_ALPHABET).toContain(ch);
      seen.add(code);
    }
    expect(seen.size).toBe(500);
  });

  it("reads codes as people type them: any case, spaces and dashes anywhere", () => {
    expect(normaliseCode(" abcd efgh-jkmn ")).toBe("ABCDEFGHJKMN");
    expect(normaliseCode("AB-CD--EF GH\tJK MN")).toBe("ABCDEFGHJKMN");
    expect(formatCode("abcdefghjkmn")).toBe("ABCD-EFGH-JKMN");
  });
});

describe("POST /api/onboarding/code", () => {
  it("shows where a code leads, however it is typed", async () => {
    const w = await makeWorld();
    const code = await ownCode(w);
    const raw = code.code.replaceAll("-", "");
    for (const typed of [
      code.code,
      code.code.toLowerCase(),
      `${raw.slice(0, 6)} ${raw.slice(6)}`,
      ` ${raw.split("").join("-")} `,
    ]) {
      const res = await checkCode(w.slug, typed);
      expect(res.status, typed).toBe(200);
      const body = (await res.json()) as CodeCheck;
      expect(body.code).toBe(code.code);
      expect(body.places).toEqual([
        {
          buildingId: w.buildingIds[0],
          buildingName: expect.stringContaining("Building 1"),
          street: "Street 1",
          postalCode: "8000",
          city: "Zürich",
          unitName: "1.1",
        },
      ]);
    }
  });

  it("answers expired, used, revoked, mistyped and unknown codes with one identical 400 CODE_INVALID", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const [expired, used, revoked, valid] = [await ownCode(w), await ownCode(w), await ownCode(w), await ownCode(w)];
    await expireCode(w, expired.id);
    await signUpAndLogIn(w.slug, used.code);
    await api(`/api/codes/${revoked.id}`, { app: w.slug, session: manager, method: "DELETE" });

    const bodies: unknown[] = [];
    for (const typed of [expired.code, used.code, revoked.code, mistype(valid.code), "ZZZZ-ZZZZ-ZZZZ", "----"]) {
      const res = await checkCode(w.slug, typed);
      const { requestId: _, ...rest } = (await res.clone().json()) as { requestId: string };
      expect(await envelopeOf(res), typed).toBe("CODE_INVALID");
      bodies.push(rest);
    }
    for (const b of bodies) expect(b).toEqual(bodies[0]);
    // The near miss did not spend or reveal the real code.
    expect((await checkCode(w.slug, valid.code)).status).toBe(200);
  });

  it("does not know a code of another customer", async () => {
    const w = await makeWorld();
    const other = await makeWorld();
    const foreign = await ownCode(other);
    expect(await envelopeOf(await checkCode(w.slug, foreign.code))).toBe("CODE_INVALID");
    const resident = await signUpAndLogIn(w.slug, (await ownCode(w)).code);
    expect(await envelopeOf(await redeem(w.slug, resident.session, foreign.code))).toBe("CODE_INVALID");
    expect((await codeRow(other, foreign.id))?.use_count).toBe(0);
  });

  it("refuses a code shorter than 4 or longer than 64 characters, and unknown fields, with 400 VALIDATION_FAILED", async () => {
    const w = await makeWorld();
    for (const json of [
      { code: "AB" },
      { code: "A".repeat(65) },
      { code: 12345678 },
      {},
      { code: "ABCD-EFGH-JKMN", x: 1 },
    ]) {
      const res = await api("/api/onboarding/code", { app: w.slug, json });
      expect(await envelopeOf(res), JSON.stringify(json)).toBe("VALIDATION_FAILED");
    }
  });
});

describe("permanent codes", () => {
  it("check several accounts into the shared flat and stay usable", async () => {
    const w = await makeWorld();
    const manager = await session.manager(w);
    const code = await ownCode(w, { permanent: true });
    const a = await signUpAndLogIn(w.slug, code.code);
    const b = await signUpAndLogIn(w.slug, code.code);
    const c = await session.otherBuilding(w);
    expect((await redeem(w.slug, c, code.code)).status).toBe(200);

    for (const s of [a.session, b.session, c]) {
      expect((await me(w.slug, s)).memberships.map((m) => m.tenancyId)).toContain(w.tenancyIds[0]);
    }
    expect((await codeRow(w, code.id))?.use_count).toBe(3);
    expect((await codesOf(w, manager, w.buildingIds[0]))[0]?.status).toBe("unused");
    expect((await checkCode(w.slug, code.code)).status).toBe(200);
  });
});

describe("attempt limits", () => {
  it("answer a client with 429 RATE_LIMITED after 10 failed attempts, even for a valid code", async () => {
    const w = await makeWorld();
    const valid = await ownCode(w);
    const ip = freshIp();
    for (let i = 0; i < CODE_FAILURES_PER_CLIENT.max; i++) {
      expect(await envelopeOf(await checkCode(w.slug, `WRNG-CODE-${String(i).padStart(4, "X")}`, ip))).toBe(
        "CODE_INVALID",
      );
    }
    const blocked = await checkCode(w.slug, valid.code, ip);
    expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await envelopeOf(blocked)).toBe("RATE_LIMITED");
    const signup = await api("/api/onboarding/signup", {
      app: w.slug,
      json: { code: valid.code, name: "N", email: "n@example.test", password: "long enough pass" },
      headers: { "cf-connecting-ip": ip },
    });
    expect(await envelopeOf(signup)).toBe("RATE_LIMITED");
    // Another client is not affected, and the code was not spent.
    expect((await checkCode(w.slug, valid.code, freshIp())).status).toBe(200);
  });

  it("hold exactly for parallel guesses from one client", async () => {
    const w = await makeWorld();
    const ip = freshIp();
    const guesses = Array.from({ length: 25 }, (_, i) => `PARA-LLEL-${String(i).padStart(4, "X")}`);
    const codes = await Promise.all(guesses.map(async (g) => envelopeOf(await checkCode(w.slug, g, ip))));
    expect(codes.filter((c) => c === "CODE_INVALID")).toHaveLength(CODE_FAILURES_PER_CLIENT.max);
    expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(25 - CODE_FAILURES_PER_CLIENT.max);
  });

  it("count successful checks as no failures", async () => {
    const w = await makeWorld();
    const valid = await ownCode(w);
    const ip = freshIp();
    for (let i = 0; i < CODE_FAILURES_PER_CLIENT.max + 2; i++)
      expect((await checkCode(w.slug, valid.code, ip)).status).toBe(200);
  });

  it("allow 20 attempts per code value and hour from any clients, existing or not, then 429", async () => {
    const w = await makeWorld();
    const valid = await ownCode(w);
    for (const value of [valid.code, "QQQQ-QQQQ-QQQQ"]) {
      for (let i = 0; i < CODE_ATTEMPTS_PER_CODE.max; i++) {
        expect((await checkCode(w.slug, value, freshIp())).status, `${value} #${i}`).toBe(
          value === valid.code ? 200 : 400,
        );
      }
      // However it is typed: the limit counts the code, not the spelling.
      expect(await envelopeOf(await checkCode(w.slug, value.toLowerCase(), freshIp())), value).toBe("RATE_LIMITED");
    }
  });

  it("answer 429 once the customer's hourly failures are used up, against guessing from many clients", async () => {
    const w = await makeWorld();
    const valid = await ownCode(w);
    const limit = CODE_FAILURES_PER_CUSTOMER;
    await setThrottle(dbOfWorld(w), limit, w.customerId, limit.max, new Date());
    expect(await envelopeOf(await checkCode(w.slug, valid.code, freshIp()))).toBe("RATE_LIMITED");
  });
});
