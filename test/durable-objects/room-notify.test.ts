import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NotifyIntent } from "../../src/shared/room-rpc";
import { makeWorld } from "../helpers/factories";
import { cid, joinRoom, pause, post, write } from "../helpers/ws";

/** After a direct message or a new post, the room sends one content-free intent to its region's notify queue. */

afterEach(() => {
  vi.restoreAllMocks();
});

function capture(queue: Queue) {
  const sent: NotifyIntent[] = [];
  const accepted: QueueSendResponse = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
  const spy = vi.spyOn(queue, "send").mockImplementation(async (body) => {
    sent.push(body as NotifyIntent);
    return accepted;
  });
  return { sent, spy };
}

async function until(check: () => boolean) {
  for (let i = 0; i < 40 && !check(); i++) await pause(25);
}

describe("notification intents", () => {
  it("sends one intent per direct message and per new post, without content, to the room's region", async () => {
    const w = await makeWorld({ jurisdiction: "ch" });
    const ch = capture(env.NOTIFY_CH);
    const eu = capture(env.NOTIFY_EU);
    const a = await joinRoom(w, "resident");
    const b = await joinRoom(w, "neighbour");

    await write(a, { type: "dm.send", clientId: cid(), toUserId: w.userIds.neighbour, body: "secret-dm-text" });
    const p = await post(a, "secret-post-text");
    await write(a, { type: "chat.send", clientId: cid(), body: "chat is not notified" });
    await write(b, { type: "comment.create", clientId: cid(), postId: p.postId, body: "nor are comments" });
    await until(() => ch.sent.length >= 2);
    await pause(100);

    expect(ch.sent).toHaveLength(2);
    expect(eu.sent).toHaveLength(0);
    const [dm, pinboard] = ch.sent;
    expect(dm).toMatchObject({
      kind: "room.activity",
      customerId: w.customerId,
      buildingId: w.buildingIds[0],
      category: "messages",
      ref: { type: "dm" },
      authorId: w.userIds.resident,
      recipientIds: [w.userIds.neighbour],
    });
    expect(dm?.connectedUserIds.sort()).toEqual([w.userIds.neighbour, w.userIds.resident].sort());
    expect(pinboard).toMatchObject({
      category: "pinboard",
      ref: { type: "post", id: p.postId },
      recipientIds: null,
      authorId: w.userIds.resident,
    });
    expect(JSON.stringify(ch.sent)).not.toMatch(/secret|Person/);
  });

  it("uses the EU queue for an EU customer, and a failing queue never fails the write", async () => {
    const w = await makeWorld({ jurisdiction: "eu" });
    const ch = capture(env.NOTIFY_CH);
    const failing = vi.spyOn(env.NOTIFY_EU, "send").mockRejectedValue(new Error("queue down"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const a = await joinRoom(w, "resident");
    const seq = await write(a, { type: "post.create", clientId: cid(), body: "still stored" });
    expect(seq).toBe(1);
    await until(() => logged.mock.calls.length > 0);
    expect(failing).toHaveBeenCalledTimes(1);
    expect(ch.sent).toHaveLength(0);
    expect(JSON.stringify(logged.mock.calls)).toContain("notifyFailed");
    expect(JSON.stringify(logged.mock.calls)).not.toContain("still stored");
  });
});
