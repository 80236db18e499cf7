/**
 * The contract between the Worker and the building rooms beyond the WebSocket: what the Worker hands
 * a room over RPC (announcements, moderation, access changes) and what a room hands the Worker through
 * the region's notify queue (who should hear of new activity). Both sides import these types.
 */

/** An announcement as a room shows it (a copy of the D1 record, delivered by the Worker's fan-out). */
export interface AnnouncementDelivery {
  id: string;
  title: string;
  body: string;
  /** The sender as residents see it (the manager's name or the customer's name). */
  authorName: string;
  /** Epoch ms. */
  publishedAt: number;
  ackRequired: boolean;
}

export interface DeliveryResult {
  /** The room's sequence number of the announcement event (the same on a repeated delivery). */
  seq: number;
  /** People with a live connection at delivery time: they saw it live, so no "immediately" mail. */
  connectedUserIds: string[];
}

/** A post as moderation sees it (ids only; the content stays in the room). */
export interface PostInfo {
  postId: string;
  authorId: string;
  hidden: boolean;
}

export type NotifyCategory = "announcements" | "messages" | "pinboard";

/**
 * A notification intent, sent by a room to its jurisdiction's notify queue after a write. No content:
 * the consumer resolves recipients and preferences in D1 and mails a link back into the app.
 */
export interface NotifyIntent {
  kind: "room.activity";
  customerId: string;
  buildingId: string;
  category: Exclude<NotifyCategory, "announcements">;
  /** "dm": a direct message to `recipientIds`; "post": a new post for all residents of the building. */
  ref: { type: "dm" | "post"; id: string };
  authorId: string;
  /** Explicit recipients (dm); null: every current resident of the building. */
  recipientIds: string[] | null;
  /** Live in the room when the write happened: they have seen it, no "immediately" mail. */
  connectedUserIds: string[];
  /** Epoch ms. */
  at: number;
}

/** Who hears a live ticket event in a building's room: these people, and (when `staff`) its staff. */
export interface TicketAudience {
  userIds: string[];
  staff: boolean;
}
