import type { LiveRoom } from "../live";

/** Sends "is typing" at most every 2 s (the room drops more anyway). */
export function typingNotifier(live: LiveRoom, scope: "chat" | "dm", toUserId?: string) {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 2_000) return;
    last = now;
    live.signal(toUserId ? { type: "typing", scope, toUserId } : { type: "typing", scope });
  };
}
