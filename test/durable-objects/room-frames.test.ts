import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_FRAME_BYTES, MAX_TEXT } from "../../src/shared/protocol";
import { makeWorld } from "../helpers/factories";
import { cid, eventWithSeq, headSeqOf, joinRoom, post, type RoomClient, write } from "../helpers/ws";

/** Every frame is validated: bad ones get a typed error to the sender only and change nothing. */

afterEach(() => {
  vi.useRealTimers();
});

const padded = (bytes: number) => {
  const head = '{"type":"chat.send","clientId":"padding-1","body":"';
  return `${head}${"x".repeat(bytes - head.length - 2)}"}`;
};

/** Sends frames one by one and returns the error code each one got. */
async function codesFor(c: RoomClient, frames: (string | ArrayBuffer)[]) {
  const codes: string[] = [];
  for (const f of frames) {
    c.send(f);
    const e = await c.next("error");
    expect(e.clientId).toBeUndefined();
    codes.push(e.code);
  }
  return codes;
}

/** The bystander received nothing but the one event that followed, and the room still works. */
async function expectNothingLeaked(a: RoomClient, b: RoomClient, headBefore: number) {
  const ok = await post(a, "still works");
  expect(ok.seq).toBe(headBefore + 1);
  await eventWithSeq(b, ok.seq);
  // The roster follows the resume; nothing else reached the bystander.
  expect(b.log.map((m) => m.type)).toEqual(["welcome", "roster", "event"]);
}

describe("invalid frames", () => {
  it("answers malformed JSON frames with BAD_MESSAGE to the sender only", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");
    const base = { type: "post.create", clientId: "client-ok-1", body: "x" };
    const frames = [
      "not json",
      "",
      "[]",
      "null",
      '"resume"',
      JSON.stringify({ type: "post.nuke", clientId: "abcdefgh" }),
      JSON.stringify({ type: "post.create", clientId: "abcdefgh" }),
      JSON.stringify({ ...base, authorId: w.userIds.neighbour }),
      JSON.stringify({ ...base, staff: true }),
      '{"__proto__":{"staff":true},"type":"resume","lastSeq":0}',
      JSON.stringify({ type: "resume", lastSeq: -1 }),
      JSON.stringify({ type: "resume", lastSeq: 1.5 }),
      JSON.stringify({ type: "resume", lastSeq: "0" }),
      JSON.stringify({ type: "reaction.toggle", clientId: "abcdefgh", postId: "p", emoji: "💩" }),
      JSON.stringify({ ...base, body: "   " }),
      JSON.stringify({ ...base, body: "x".repeat(MAX_TEXT + 1) }),
      JSON.stringify({ ...base, clientId: "short" }),
      JSON.stringify({ ...base, body: "broken \ud800 text" }),
    ];
    expect(await codesFor(a, frames)).toEqual(frames.map(() => "BAD_MESSAGE"));
    expect(await headSeqOf(w)).toBe(0);
    await expectNothingLeaked(a, b, 0);
  });

  it("answers binary frames with BAD_MESSAGE and frames over 64 KiB with TOO_LARGE, counted in bytes", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    await post(a, "before");
    const b = await joinRoom(w, "neighbour");
    const e = "é".repeat(40_000); // 40,000 UTF-16 units, 80,000 bytes
    const frames: [string | ArrayBuffer, string][] = [
      [new Uint8Array([123, 125]).buffer, "BAD_MESSAGE"],
      [new ArrayBuffer(MAX_FRAME_BYTES + 1), "TOO_LARGE"],
      [padded(MAX_FRAME_BYTES + 1), "TOO_LARGE"],
      [JSON.stringify({ type: "chat.send", clientId: "wide-chars-1", body: e }), "TOO_LARGE"],
      [JSON.stringify({ type: "resume", lastSeq: 0, pad: e }), "TOO_LARGE"],
      // Exactly at the cap the frame is read (and refused for its overlong body).
      [padded(MAX_FRAME_BYTES), "BAD_MESSAGE"],
    ];
    expect(
      await codesFor(
        a,
        frames.map(([f]) => f),
      ),
    ).toEqual(frames.map(([, code]) => code));
    expect(await headSeqOf(w)).toBe(1);
    await expectNothingLeaked(a, b, 1);
  });

  it("accepts text at the length limit and multi-byte text within the frame cap", async () => {
    const w = await makeWorld();
    const a = await joinRoom(w, "resident");
    const long = await post(a, "x".repeat(MAX_TEXT));
    expect(long.post.body).toHaveLength(MAX_TEXT);
    const emoji = await post(a, "🏠".repeat(MAX_TEXT / 2));
    expect(emoji.post.body).toBe("🏠".repeat(MAX_TEXT / 2));
    const trimmed = await post(a, "  padded  ");
    expect(trimmed.post.body).toBe("padded");
  });
});

describe("rate limit", () => {
  it("acknowledges a burst of 20 frames and answers the rest with RATE_LIMITED, storing nothing more", async () => {
    const w = await makeWorld();
    // The bucket refills by the room's clock: a slow machine must not add tokens during the test.
    vi.useFakeTimers({ toFake: ["Date"] });
    const a = await joinRoom(w, "resident", { lastSeq: 0 });
    const b = await joinRoom(w, "neighbour");
    // The resume took one token of 20.
    const burst = Array.from({ length: 30 }, () => ({
      type: "post.create" as const,
      clientId: cid("burst"),
      body: "spam",
    }));
    for (const m of burst) a.send(m);
    const acks = [];
    for (let i = 0; i < 19; i++) acks.push(await a.next("ack"));
    const limited = [];
    for (let i = 0; i < 11; i++) limited.push(await a.next("error"));
    expect(acks.map((m) => m.clientId)).toEqual(burst.slice(0, 19).map((m) => m.clientId));
    expect(acks.map((m) => m.seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(new Set(limited.map((m) => m.code))).toEqual(new Set(["RATE_LIMITED"]));
    expect(await headSeqOf(w)).toBe(19);
    // Another connection has its own bucket.
    const fromB = await write(b, { type: "chat.send", clientId: cid(), body: "not limited" });
    expect(fromB).toBe(20);
    expect(b.log.filter((m) => m.type === "event")).toHaveLength(20);
    expect(a.log.filter((m) => m.type === "ack")).toHaveLength(19);
  });

  it("refills one frame per second", async () => {
    const w = await makeWorld();
    vi.useFakeTimers({ toFake: ["Date"] });
    const a = await joinRoom(w, "resident", { lastSeq: 0 });
    for (let i = 0; i < 19; i++) await write(a, { type: "chat.send", clientId: cid(), body: `${i}` });
    a.send({ type: "chat.send", clientId: cid(), body: "one too many" });
    expect(await a.next("error")).toMatchObject({ code: "RATE_LIMITED" });
    vi.setSystemTime(Date.now() + 5_000);
    for (let i = 0; i < 5; i++) await write(a, { type: "chat.send", clientId: cid(), body: `refilled ${i}` });
    a.send({ type: "chat.send", clientId: cid(), body: "again too many" });
    expect(await a.next("error")).toMatchObject({ code: "RATE_LIMITED" });
    expect(await headSeqOf(w)).toBe(24);
  });
});
