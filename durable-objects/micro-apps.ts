import type { ClientMessage, RoomEvent } from "../src/shared/protocol";
import type { RoomApp } from "../src/shared/room-identity";

/**
 * Micro-app switches inside the room (R-T3, decisions 0035 and 0037). The door resolves which of the
 * room's apps are off for a resident of this building and sends them in the connection's identity
 * (`off`, always empty for staff); the room refuses writes of a switched-off app with
 * MICRO_APP_DISABLED and sends none of its events, catch-up, typing, roster or presence frames to that
 * connection. Announcements and ticket frames belong to no switchable room app: they are always shown.
 */

/** The app a client frame belongs to (null: none that can be switched off, e.g. `resume`). */
export function appOfMessage(type: ClientMessage["type"]): RoomApp | null {
  switch (type) {
    case "post.create":
    case "post.edit":
    case "post.delete":
    case "comment.create":
    case "comment.delete":
    case "reaction.toggle":
      return "pinboard";
    case "chat.send":
    case "chat.delete":
    case "dm.send":
    case "dm.delete":
    case "typing":
    case "profile.set":
      return "my-neighbours";
    case "resume":
      return null;
  }
}

/** The app an event belongs to (null: shown whatever the switches say, e.g. announcements). */
export function appOfEvent(kind: RoomEvent["kind"] | string): RoomApp | null {
  if (kind.startsWith("post.") || kind.startsWith("comment.") || kind.startsWith("reaction.")) return "pinboard";
  if (kind.startsWith("chat.") || kind.startsWith("dm.")) return "my-neighbours";
  return null;
}

/** Whether `app` is switched off for this connection (older attachments without `off`: nothing is). */
export const isOff = (s: { off?: readonly RoomApp[] }, app: RoomApp | null): boolean =>
  app !== null && s.off !== undefined && s.off.includes(app);
