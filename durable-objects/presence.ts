import type { ServerMessage } from "../src/shared/protocol";
import { type ConnState, frameOf, type RoomConnection, send, sendFrame } from "./connection";
import { isOff } from "./micro-apps";
import { loadProfiles, type Profile, profileFor } from "./profiles";
import type { RoomStore } from "./room-store";

/** What presence needs from the room: its store and its open connections (all, or by tag). */
export interface PresenceHost {
  store: RoomStore;
  connections(tag?: string): Iterable<RoomConnection>;
}

type Entry = Extract<ServerMessage, { type: "presence" }>["users"][number];

/**
 * Rosters and presence, batched (design.md: never one broadcast per join). A resume gets one roster
 * snapshot; joins, leaves and profile changes are collected and broadcast at most once per interval
 * as one `presence` frame per connection, so a reconnect storm of N clients costs O(N) frames per
 * interval, not O(N²). Only in memory: after eviction the online set is rebuilt from the open
 * connections and changes not yet broadcast are lost — acceptable for an ephemeral signal, since the
 * next resume's roster is exact. Staff have no profile and see no presence (it is between residents).
 * A person whose processing is restricted (R-P5) is shown to nobody but themselves: neighbours get
 * their profile as gone and them as offline; as they are not shown, they see no one's presence either.
 */
export class Presence {
  #online: Set<string> | null = null;
  #profiles: Map<string, Profile> | null = null;
  /** People whose state changed since the last broadcast; true when their profile changed too. */
  #dirty = new Map<string, boolean>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: PresenceHost,
    private readonly intervalMs = 1_000,
  ) {}

  /** A connection opened; the person's first makes them online. */
  joined(userId: string) {
    const online = this.online();
    if (online.has(userId)) return;
    online.add(userId);
    if (profileFor(this.profiles().get(userId), null)?.showPresence) this.mark(userId, false);
  }

  /** A connection closed; the person's last makes them offline. */
  left(conn: RoomConnection) {
    const userId = conn.state?.userId;
    if (!userId) return;
    const online = this.online(conn.id);
    if ([...this.host.connections(userId)].some((c) => c.id !== conn.id)) return;
    online.delete(userId);
    if (profileFor(this.profiles().get(userId), null)?.showPresence) this.mark(userId, false);
  }

  /**
   * Changes a profile through `write` (or erases it): neighbours hear of it only when something of it
   * was or is shown, and the person's own connections get a fresh roster (their presence choice
   * decides what they see).
   */
  updateProfile<T>(userId: string, write: () => T): T {
    const before = this.profiles().get(userId);
    const result = write();
    this.#profiles = null;
    const after = this.profiles().get(userId);
    // Neighbours' view (a restriction hides what was shown; lifting it shows it again).
    const [was, is] = [profileFor(before, null), profileFor(after, null)];
    const shown = !!was?.visible || !!is?.visible;
    if (shown || was?.showPresence || is?.showPresence) this.mark(userId, shown);
    for (const c of this.host.connections(userId)) if (c.state?.live) this.sendRoster(c);
    return result;
  }

  /** Display names may have changed (a member's name is the default display name). */
  namesChanged() {
    this.#profiles = null;
  }

  sendRoster(conn: RoomConnection) {
    const s = conn.state;
    // Profiles and presence are part of My Neighbours: none when it is off here (decision 0037).
    if (!s || isOff(s, "my-neighbours")) return;
    const profiles = [...this.profiles().values()].filter((p) => profileFor(p, s.userId));
    const online = this.showsPresence(s)
      ? profiles.filter((p) => p.showPresence && this.online().has(p.userId)).map((p) => p.userId)
      : null;
    send(conn, { type: "roster", profiles: profiles.filter((p) => p.visible).map((p) => p.dto), online });
  }

  /** Sends the batched changes: one frame per live connection at most. */
  flush() {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    if (dirty.length === 0) return;
    const profiles = this.profiles();
    const online = this.online();
    // One pair of frames for everyone; a restricted person among the changes gets their own pair
    // (they alone see themselves).
    const framesFor = (viewerId: string | null) => {
      const entry = (userId: string): Entry => {
        const p = profileFor(profiles.get(userId), viewerId);
        return { userId, profile: p?.visible ? p.dto : null };
      };
      const withPresence = dirty.map(([u]) => ({
        ...entry(u),
        online: !!profileFor(profiles.get(u), viewerId)?.showPresence && online.has(u),
      }));
      const withoutPresence = dirty.filter(([, profile]) => profile).map(([u]) => entry(u));
      return {
        full: frameOf({ type: "presence", users: withPresence }),
        partial: withoutPresence.length > 0 ? frameOf({ type: "presence", users: withoutPresence }) : null,
      };
    };
    const everyone = framesFor(null);
    const own = new Map<string, ReturnType<typeof framesFor>>();
    for (const [u] of dirty) if (profiles.get(u)?.restricted) own.set(u, framesFor(u));
    for (const c of this.host.connections()) {
      const s = c.state;
      if (!s?.live || isOff(s, "my-neighbours")) continue;
      const frames = own.get(s.userId) ?? everyone;
      const frame = this.showsPresence(s) ? frames.full : frames.partial;
      if (frame) sendFrame(c, frame);
    }
  }

  /** Reciprocity: only residents whose own presence is shown see others'. */
  private showsPresence(s: ConnState): boolean {
    return !s.staff && !!profileFor(this.profiles().get(s.userId), null)?.showPresence;
  }

  private mark(userId: string, profile: boolean) {
    this.#dirty.set(userId, profile || (this.#dirty.get(userId) ?? false));
    // A timer keeps the object awake for at most one interval; a flush that never runs loses only presence.
    this.#timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  private profiles(): Map<string, Profile> {
    this.#profiles ??= loadProfiles(this.host.store);
    return this.#profiles;
  }

  /** The people with an open connection, rebuilt from the connections after a wake (minus one closing). */
  private online(closing?: string): Set<string> {
    if (!this.#online) {
      this.#online = new Set();
      for (const c of this.host.connections()) {
        const u = c.state?.userId;
        if (u && c.id !== closing) this.#online.add(u);
      }
    }
    return this.#online;
  }
}
