import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { DEV_OPS_TOKEN } from "../../src/lib/ops-token";
import { REPLAY_PATH } from "../../src/routes/ops";
import { dbOf, makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, errorOf } from "../helpers/http";
import { restoreD1, restoreRoom, roomSnapshot } from "../helpers/restore";
import { rowsOfCustomer } from "../helpers/scan";
import { sessionOf } from "../helpers/ws";
import { canaryScan, erasureScene, foreignKeyProblems } from "./privacy-erasure-scene";

// R-P4 after a backup restore, in production (decisions 0025, 0038): the operator route replays the
// erasure ledger inside the Worker in bounded, resumable pages, behind the OPS_TOKEN bearer secret
// (constant-time check; 401 without it; 404 where no valid secret is configured), counts only.

const AUTH = { authorization: `Bearer ${DEV_OPS_TOKEN}` };

interface Report {
  jurisdiction: string;
  entries: number;
  unreadable: number;
  replayed: number;
  skipped: number;
  stepsDone: number;
  stepsFailed: number;
  stepsHeld: number;
  cursor: string | null;
  done: boolean;
}

const replay = (query: string, headers: Record<string, string> = AUTH, app = "demo") =>
  api(`${REPLAY_PATH}?${query}`, { method: "POST", headers, app });

/** Calls the route page by page until the ledger is done; returns every page's report. */
async function replayAll(jurisdiction: string, limit: number): Promise<Report[]> {
  const pages: Report[] = [];
  let cursor: string | null = null;
  do {
    const res = await replay(`jurisdiction=${jurisdiction}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as Report;
    pages.push(page);
    cursor = page.cursor;
    expect(pages.length).toBeLessThan(50);
  } while (cursor);
  return pages;
}

const sum = (pages: Report[], k: keyof Report) => pages.reduce((n, p) => n + (p[k] as number), 0);

/** The app with other bindings (production settings), called like the platform would. */
async function fetchWith(bindings: Partial<Env> & { OPS_TOKEN?: string }, headers: Record<string, string>) {
  const req = new Request(`https://quartier.example${REPLAY_PATH}?jurisdiction=ch`, { method: "POST", headers });
  const ctx = createExecutionContext();
  const res = await createApp().fetch(req, { ...env, ...bindings } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe(`POST ${REPLAY_PATH}: who may call it`, () => {
  it("answers 401 without the token, with a wrong one or another scheme, and changes nothing", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-wrong-token-wrong-token-0000" },
      { authorization: `Bearer ${DEV_OPS_TOKEN}x` },
      { authorization: `Basic ${btoa(`ops:${DEV_OPS_TOKEN}`)}` },
      { authorization: `Bearer  ${DEV_OPS_TOKEN}` },
    ];
    for (const headers of variants) {
      const res = await replay("jurisdiction=ch", headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("does not exist in production without a valid secret (missing, short or the development value): 404", async () => {
    const prod = { ENVIRONMENT: "production" as const };
    for (const [bindings, token] of [
      [prod, DEV_OPS_TOKEN],
      [{ ...prod, OPS_TOKEN: "short-secret" }, "short-secret"],
      [{ ...prod, OPS_TOKEN: DEV_OPS_TOKEN }, DEV_OPS_TOKEN],
    ] as const) {
      const res = await fetchWith(bindings, { authorization: `Bearer ${token}` });
      expect(res.status, JSON.stringify(bindings)).toBe(404);
      expect((await errorOf(res)).code).toBe("NOT_FOUND");
    }
    // With a real secret configured, a wrong token is 401 (the route exists).
    const secret = "a".repeat(20) + crypto.randomUUID();
    const wrong = await fetchWith({ ...prod, OPS_TOKEN: secret }, { authorization: `Bearer ${DEV_OPS_TOKEN}` });
    expect(wrong.status).toBe(401);
  });

  it("refuses bad queries with 400 VALIDATION_FAILED", async () => {
    for (const q of [
      "",
      "jurisdiction=us",
      "jurisdiction=ch&limit=0",
      "jurisdiction=ch&limit=51",
      "jurisdiction=ch&limit=ten",
      "jurisdiction=ch&cursor=%2F..%2Fsecret",
      `jurisdiction=ch&cursor=${btoa("../../exports/x.zip").replaceAll("=", "")}`,
      "jurisdiction=ch&other=1",
    ]) {
      const res = await replay(q);
      expect(res.status, q).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
  });

  it("is not in the public API description", async () => {
    const doc = await (await api("/api/openapi.json")).text();
    expect(doc).not.toContain("/ops/");
  });
});

const loginStatus = async (w: World, who: "resident" | "neighbour") =>
  (await api("/api/auth/login", { app: w.slug, json: { email: w.emails[who], password: PASSWORD } })).status;

describe(`POST ${REPLAY_PATH}: replay after a backup restore`, () => {
  // Two erasures, a restore and three replays over rooms, R2 and D1: slow on a loaded machine.
  it("re-erases what the restore brought back, page by page with the cursor; running it again is harmless", {
    timeout: 120_000,
  }, async () => {
    const w = await makeWorld();
    const scene = await erasureScene(w);
    const db = dbOf(w.jurisdiction);
    const d1Snap = await rowsOfCustomer(db, w.customerId);
    const roomSnaps = await Promise.all(w.buildingIds.map((b) => roomSnapshot(w, b)));

    // Two erasures: two ledger objects, so a page of one leaves a cursor.
    for (const who of ["resident", "neighbour"] as const) {
      const res = await api("/api/me/erasure", {
        app: w.slug,
        session: await sessionOf(w, who),
        json: { password: PASSWORD },
      });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { state: string }).state).toBe("done");
    }
    expect(await canaryScan(w, scene.needles)).toEqual([]);

    await restoreD1(db, w.customerId, d1Snap);
    for (const [i, b] of w.buildingIds.entries()) await restoreRoom(w, b, roomSnaps[i] ?? []);
    expect((await canaryScan(w, scene.needles)).length).toBeGreaterThan(0);
    expect(await loginStatus(w, "resident")).toBe(200);
    expect(await loginStatus(w, "neighbour")).toBe(200);

    const log = vi.spyOn(console, "log");
    const pages = await replayAll("ch", 1);
    expect(pages.length).toBe(2);
    expect(pages[0]?.done).toBe(false);
    expect(pages.at(-1)).toMatchObject({ done: true, cursor: null, jurisdiction: "ch" });
    expect(sum(pages, "entries")).toBe(2);
    expect(sum(pages, "replayed")).toBe(2);
    expect(sum(pages, "unreadable")).toBe(0);
    expect(sum(pages, "stepsFailed")).toBe(0);
    expect(await canaryScan(w, scene.needles)).toEqual([]);
    expect(await foreignKeyProblems()).toEqual([]);
    expect(await loginStatus(w, "resident")).toBe(401);
    expect(await loginStatus(w, "neighbour")).toBe(401);
    // Counts only, in the answer and in the log: no account or request id.
    const logged = log.mock.calls.map((c) => String(c[0])).join("\n");
    for (const id of [w.userIds.resident, w.userIds.neighbour, w.customerId]) {
      expect(JSON.stringify(pages)).not.toContain(id);
      expect(logged).not.toContain(id);
    }
    log.mockRestore();

    // Again from the start, in one page: harmless, nothing comes back.
    const again = await replayAll("ch", 50);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ entries: 2, replayed: 2, stepsFailed: 0, unreadable: 0, done: true });
    expect(await canaryScan(w, scene.needles)).toEqual([]);

    // The other jurisdiction's ledger is another bucket: nothing of this customer there.
    const eu = await replayAll("eu", 50);
    expect(eu[0]).toMatchObject({ entries: 0, replayed: 0, done: true });
  });
});
