import { type Connection, Server, type WSMessage } from "partyserver";

/**
 * Development only: the minimal hibernating room that `npm run bench:fanout` measures the building
 * room against. It relays every frame to every connection (the sender included, as the building
 * room does); nothing is validated, stored or kept in memory.
 */
export class EchoRoom extends Server<Cloudflare.Env> {
  static override options = { hibernate: true };

  override onMessage(_connection: Connection, message: WSMessage) {
    this.broadcast(message);
  }
}
