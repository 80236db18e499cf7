import type { ClientMessage, ProfileDto } from "../src/shared/protocol";
import type { RoomStore } from "./room-store";

/**
 * Opt-in resident profiles (R-M8): nothing about a resident is shown to neighbours until they make
 * their profile visible, and their presence only when they show it (which is also what lets them see
 * others'). Without a profile a resident appears only as the author of what they wrote.
 */
export interface Profile {
  userId: string;
  visible: boolean;
  showPresence: boolean;
  /** Processing restricted (R-P5, decision 0032): the profile and presence are shown to the person alone. */
  restricted: boolean;
  dto: ProfileDto;
}

export function setProfile(
  store: RoomStore,
  userId: string,
  m: Extract<ClientMessage, { type: "profile.set" }>,
  now: number,
) {
  store.sql.exec(
    `INSERT INTO profiles (user_id, visible, display_name, about, show_presence, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET visible = excluded.visible, display_name = excluded.display_name,
       about = excluded.about, show_presence = excluded.show_presence, updated_at = excluded.updated_at`,
    userId,
    m.visible ? 1 : 0,
    m.displayName ?? null,
    m.about ?? null,
    m.showPresence ? 1 : 0,
    now,
  );
}

/** What `viewerId` may see of a profile: a restricted person's is theirs alone (R-P5). */
export const profileFor = (p: Profile | undefined, viewerId: string | null): Profile | undefined =>
  p && (!p.restricted || p.userId === viewerId) ? p : undefined;

/** Every profile that shows something (bounded by the building's residents); the name defaults to the member's. */
export function loadProfiles(store: RoomStore): Map<string, Profile> {
  const rows = store.sql
    .exec(
      `SELECT p.user_id, p.visible, p.display_name, p.about, p.show_presence, m.name, r.user_id AS restricted
         FROM profiles p LEFT JOIN members m ON m.user_id = p.user_id LEFT JOIN restricted r ON r.user_id = p.user_id
        WHERE p.visible = 1 OR p.show_presence = 1`,
    )
    .toArray();
  return new Map(
    rows.map((r) => {
      const userId = String(r.user_id);
      const dto = {
        userId,
        displayName: String(r.display_name ?? r.name ?? ""),
        about: r.about === null ? null : String(r.about),
      };
      const restricted = r.restricted !== null;
      return [userId, { userId, visible: r.visible === 1, showPresence: r.show_presence === 1, restricted, dto }];
    }),
  );
}
