import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { UPLOAD_BYTES_PER_HOUR, UPLOADS_PER_HOUR } from "../../src/services/files";
import { dbOf, makeWorld, type World } from "../helpers/factories";
import { PLAIN_JPEG } from "../helpers/images";
import { errorCode, fileRows, type Sessions, sessionsOf, upload, uploadRequest } from "../helpers/tickets";

/**
 * Upload allowance per account (issue 8; security: bound what one session can pour into R2): 100 files
 * and 500 MiB an hour, exact D1 counters (decision 0002), 429 RATE_LIMITED with Retry-After.
 */

let w: World;
let s: Sessions;
beforeAll(async () => {
  w = await makeWorld();
  s = await sessionsOf(w);
});

/** Sets an account's counter as if it had uploaded `count` (files or bytes) `agoMs` ago. */
async function setCounter(limit: { name: string }, userId: string, count: number, agoMs = 60_000) {
  const key = await sha256Hex(`${limit.name}:${w.customerId}:user:${userId}`);
  await dbOf(w.jurisdiction)
    .prepare(
      "INSERT INTO throttles (key, window_start, count) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, count = excluded.count",
    )
    .bind(key, Date.now() - agoMs, count)
    .run();
}

describe("upload rate limit (per account)", () => {
  it("counts uploads: the 101st within the hour is 429 with Retry-After, and nothing is stored", async () => {
    await setCounter(UPLOADS_PER_HOUR, w.userIds.resident, UPLOADS_PER_HOUR.max - 1);
    await upload(w, s.resident, PLAIN_JPEG, "100th.jpg");
    const before = (await fileRows(w)).length;
    const res = await uploadRequest(w, s.resident, PLAIN_JPEG, "101st.jpg");
    expect(res.status).toBe(429);
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(3000);
    expect(retry).toBeLessThanOrEqual(3600);
    const body = (await res.clone().json()) as { error: { details: { retryAfterSeconds: number } }; requestId: string };
    expect(body.requestId).toBeTruthy();
    expect(body.error.details.retryAfterSeconds).toBe(retry);
    expect(await errorCode(res)).toBe("RATE_LIMITED");
    expect((await fileRows(w)).length).toBe(before);
  });

  it("is per account: a neighbour of the same customer still uploads", async () => {
    await upload(w, s.neighbour, PLAIN_JPEG, "mine.jpg");
  });

  it("counts bytes: past 500 MiB an hour even one small photo is refused", async () => {
    await setCounter(UPLOAD_BYTES_PER_HOUR, w.userIds.manager, UPLOAD_BYTES_PER_HOUR.max - 100);
    const res = await uploadRequest(w, s.manager, PLAIN_JPEG, "small.jpg");
    expect(res.status).toBe(429);
    expect(await errorCode(res)).toBe("RATE_LIMITED");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("starts afresh once the hour has passed", async () => {
    await setCounter(UPLOADS_PER_HOUR, w.userIds.admin, UPLOADS_PER_HOUR.max + 50, 61 * 60_000);
    await upload(w, s.admin, PLAIN_JPEG, "next-hour.jpg");
  });
});
