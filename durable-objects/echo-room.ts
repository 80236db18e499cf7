import { Server } from "partyserver";

/**
 * Development only: the minimal hibernating room that `npm run bench:fanout` measures the building
 * room against. It relays every frame to every connection; nothing is stored.
 */
export class EchoRoom extends Server<Cloudflare.Env> {
  static override options = { hibernate: true };
}
