import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";

/**
 * Development only: the minimal hibernating room that `npm run bench:fanout` measures the building
 * room against. It relays every frame to every connection (the sender included, as the building
 * room does); nothing is validated or kept in memory.
 *
 * Connected with `?durable=1` (its own room name, so the two kinds never share a room) it is the
 * minimal *durable* room: each frame is first stored with one SQLite INSERT, so the runtime's output
 * gate holds the relay until the write is durable — the guarantee the building room gives every
 * event (decision 0033). It measures what "stored before anyone sees it" costs by itself.
 */
export class EchoRoom extends Server<Cloudflare.Env> {
  static override options = { hibernate: true };
  #table = false;

  override onConnect(connection: Connection<{ durable: true }>, ctx: ConnectionContext) {
    if (new URL(ctx.request.url).searchParams.get("durable") === "1") connection.setState({ durable: true });
  }

  override onMessage(connection: Connection<{ durable: true } | null>, message: WSMessage) {
    if (connection.state?.durable) {
      const sql = this.ctx.storage.sql;
      if (!this.#table) {
        sql.exec("CREATE TABLE IF NOT EXISTS frames (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        this.#table = true;
      }
      sql.exec("INSERT INTO frames (body) VALUES (?)", typeof message === "string" ? message : "(binary)");
    }
    this.broadcast(message);
  }
}
