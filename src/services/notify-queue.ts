import { z } from "zod";
import type { Deps } from "../app-env";
import { errorCode } from "./fan-out";
import { sendDueNotifications } from "./notification-mails";
import { type NotifyEvent, notify } from "./notifications";

const ident = z.string().min(1).max(64);
const people = z.array(ident).max(50_000);

/**
 * The notify queue carries two kinds of message, both references only: a room's `NotifyIntent`
 * (src/shared/room-rpc.ts) and the fan-out's `AnnouncementNotice` (announcement-delivery.ts). The
 * queue is a trust boundary like HTTP: every message is validated; only the fields used are kept.
 */
const messageSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("room.activity"),
    customerId: ident,
    buildingId: ident,
    category: z.enum(["messages", "pinboard"]),
    ref: z.object({ type: z.enum(["dm", "post"]), id: ident }),
    authorId: ident,
    recipientIds: people.nullable(),
    connectedUserIds: people,
    at: z.number().int().positive(),
  }),
  z.object({
    kind: z.literal("announcement.delivered"),
    customerId: ident,
    buildingId: ident,
    announcementId: ident,
    authorId: ident,
    connectedUserIds: people,
    at: z.number().int().positive(),
  }),
]);

export function toNotifyEvent(body: unknown): NotifyEvent | null {
  const r = messageSchema.safeParse(body);
  if (!r.success) return null;
  const m = r.data;
  const common = {
    customerId: m.customerId,
    buildingId: m.buildingId,
    authorId: m.authorId,
    connectedUserIds: m.connectedUserIds,
    at: new Date(m.at),
  };
  return m.kind === "room.activity"
    ? { ...common, category: m.category, ref: m.ref, recipientIds: m.recipientIds }
    : { ...common, category: "announcements", ref: { type: "announcement", id: m.announcementId }, recipientIds: null };
}

/**
 * One batch of the jurisdiction's notify queue: items are recorded per message (a failing message is
 * retried alone; an invalid one is dropped, never retried), then due mails go out once per customer.
 */
export async function consumeNotifyBatch(deps: Deps, messages: readonly Message<unknown>[]) {
  const customers = new Set<string>();
  let invalid = 0;
  for (const m of messages) {
    const ev = toNotifyEvent(m.body);
    if (!ev) {
      invalid++;
      m.ack();
      continue;
    }
    try {
      await notify(deps, ev);
      customers.add(ev.customerId);
      m.ack();
    } catch (e) {
      console.error(JSON.stringify({ notifyFailed: errorCode(e) }));
      m.retry({ delaySeconds: 30 });
    }
  }
  // Counts only: the messages name people.
  if (invalid > 0) console.log(JSON.stringify({ notifyInvalidMessages: invalid }));
  for (const customerId of customers) await sendDueNotifications(deps, { customerId });
}
