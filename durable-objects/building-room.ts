import { Server } from "partyserver";

/**
 * One Durable Object per building (design.md, "The building room"). The foundation registers the
 * class, its SQLite storage and the jurisdiction-aware namespace (see src/region.ts); the room's
 * protocol, pinboard and chat arrive with the building-room issue. Until then no route in the Worker
 * forwards to it, so nothing from a client can reach it.
 */
export class BuildingRoom extends Server<Cloudflare.Env> {
  static override options = { hibernate: true };

  override onConnect(connection: { close: (code?: number, reason?: string) => void }) {
    // No connection is authorised yet: the Worker-side membership check comes with the room issue.
    connection.close(1008, "not available");
  }
}
