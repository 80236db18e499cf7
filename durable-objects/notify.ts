import type { NotifyIntent } from "../src/shared/room-rpc";

/** What a handler knows of an intent; the room adds who, where and when after the commit. */
export type PendingIntent = Pick<NotifyIntent, "category" | "ref" | "recipientIds">;

export function completeIntents(
  pending: readonly PendingIntent[],
  o: Pick<NotifyIntent, "customerId" | "buildingId" | "authorId" | "connectedUserIds" | "at">,
): NotifyIntent[] {
  return pending.map((p) => ({ kind: "room.activity", ...o, ...p }));
}

/**
 * Sends notification intents to the region's notify queue after a write has committed. A failure is
 * logged (ids only) and swallowed: the write stands, and a missed e-mail is better than a lost message.
 */
export async function sendIntents(queue: Queue, intents: readonly NotifyIntent[]) {
  for (const intent of intents) {
    try {
      await queue.send(intent);
    } catch (e) {
      console.error(
        JSON.stringify({
          notifyFailed: intent.ref.type,
          refId: intent.ref.id,
          buildingId: intent.buildingId,
          error: e instanceof Error ? e.name : "unknown",
        }),
      );
    }
  }
}
