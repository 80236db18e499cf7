import { signal } from "@preact/signals";
import ReconnectingWebSocket from "partysocket/ws";
import type {
  ClientMessage,
  ErrorCode,
  ProfileDto,
  RoomEvent,
  ServerMessage,
  TicketLiveEvent,
} from "../../src/shared/protocol";

/** Writes carry a client id: resent after a reconnect or a reload, the room stores them once. */
export type Write = Extract<ClientMessage, { clientId: string }>;
export type ConnStatus = "connecting" | "online" | "offline" | "reconnecting" | "ended";

export interface LiveHandlers {
  event(seq: number, event: RoomEvent): void;
  /** The gap is beyond what the room keeps: reload over HTTP, then `resumeAt` the returned head. */
  resync(): Promise<number>;
  error(code: ErrorCode, clientId: string | undefined): void;
  /** Ephemeral frames: who shows a profile, who is online (null: you do not show yours), typing. */
  roster?(profiles: ProfileDto[], online: string[] | null): void;
  presence?(users: { userId: string; profile: ProfileDto | null; online?: boolean }[]): void;
  typing?(scope: "chat" | "dm", userId: string): void;
  /** A ticket of yours (or, for staff, of the building) changed: ephemeral, reload it over HTTP. */
  ticket?(event: TicketLiveEvent): void;
}

const OUTBOX_KEY = "quartier.outbox";

/**
 * Writes not yet acknowledged, per building, kept in the browser (strictly necessary: it is what the
 * person asked to send) so that they survive a reload and go out once when the room is reachable.
 */
function loadOutbox(buildingId: string): Write[] {
  try {
    const all = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "{}") as Record<string, Write[]>;
    return Array.isArray(all[buildingId]) ? (all[buildingId] ?? []) : [];
  } catch {
    return [];
  }
}

function saveOutbox(buildingId: string, writes: Write[]) {
  let all: Record<string, Write[]> = {};
  try {
    all = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "{}") as Record<string, Write[]>;
  } catch {}
  if (writes.length) all[buildingId] = writes;
  else delete all[buildingId];
  if (Object.keys(all).length) localStorage.setItem(OUTBOX_KEY, JSON.stringify(all));
  else localStorage.removeItem(OUTBOX_KEY);
}

export const newClientId = () => crypto.randomUUID();

/**
 * One building's live connection: resume from the last sequence number seen, exactly-once writes
 * through the outbox, reconnects with backoff (partysocket). The room's protocol is the shared one.
 */
export class LiveRoom {
  readonly status = signal<ConnStatus>("connecting");
  readonly pending = signal<Write[]>([]);
  #ws: ReconnectingWebSocket | null = null;
  #lastSeq = 0;
  #resumed = false;
  /** Connections opened so far (a resync's `resume` goes only to the connection that was resynced). */
  #opens = 0;

  constructor(
    readonly buildingId: string,
    private readonly on: LiveHandlers,
  ) {
    this.pending.value = loadOutbox(buildingId);
  }

  /**
   * Opens the connection; events after `headSeq` (the HTTP first load) are replayed by the room.
   * Every connect, first and reconnect, names the last sequence number seen in the URL: the room
   * sends the catch-up right after its welcome, so no `resume` frame is needed (decision 0037).
   */
  start(headSeq: number) {
    this.#lastSeq = headSeq;
    const url = `${location.origin.replace(/^http/, "ws")}/rooms/${encodeURIComponent(this.buildingId)}`;
    const ws = new ReconnectingWebSocket(() => `${url}?lastSeq=${this.#lastSeq}`, [], {
      maxReconnectionDelay: 10_000,
      minUptime: 2_000,
    });
    this.#ws = ws;
    ws.addEventListener("open", () => {
      this.#opens++;
      this.#resumed = true;
      this.status.value = "online";
      for (const w of this.pending.value) this.#raw(w);
    });
    ws.addEventListener("close", (e) => {
      this.#resumed = false;
      if (e.code === 1008) {
        // Access ended or refused: reconnecting would be refused again.
        this.status.value = "ended";
        ws.close();
        return;
      }
      this.status.value = navigator.onLine ? (this.#opens ? "reconnecting" : "connecting") : "offline";
    });
    ws.addEventListener("message", (e) => this.#receive(String(e.data)));
    addEventListener("offline", this.#onOffline);
  }

  stop() {
    removeEventListener("offline", this.#onOffline);
    this.#ws?.close();
    this.#ws = null;
  }

  /** Queues a write (kept until acknowledged) and sends it now if the room is reachable. */
  send(w: Write) {
    this.pending.value = [...this.pending.value, w];
    saveOutbox(this.buildingId, this.pending.value);
    if (this.#resumed) this.#raw(w);
  }

  /** Sends an ephemeral frame (typing): not kept, not resent. */
  signal(m: Extract<ClientMessage, { type: "typing" }>) {
    if (this.#resumed) this.#raw(m);
  }

  #onOffline = () => {
    if (this.status.value !== "ended") this.status.value = "offline";
  };

  #raw(m: ClientMessage) {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(m));
  }

  #resendPending() {
    if (this.#resumed) for (const w of this.pending.value) this.#raw(w);
  }

  #settle(clientId: string) {
    const left = this.pending.value.filter((w) => w.clientId !== clientId);
    if (left.length === this.pending.value.length) return;
    this.pending.value = left;
    saveOutbox(this.buildingId, left);
  }

  async #receive(raw: string) {
    let m: ServerMessage;
    try {
      m = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    switch (m.type) {
      case "event":
        if (m.seq > this.#lastSeq) {
          this.#lastSeq = m.seq;
          this.on.event(m.seq, m.event);
        }
        return;
      case "ack":
        this.#settle(m.clientId);
        return;
      case "resync": {
        const opened = this.#opens;
        const head = await this.on.resync();
        this.#lastSeq = head;
        // A connection opened meanwhile named its own lastSeq in the URL: a resume there would be refused.
        if (opened === this.#opens) this.#raw({ type: "resume", lastSeq: head });
        return;
      }
      case "roster":
        this.on.roster?.(m.profiles, m.online);
        return;
      case "presence":
        this.on.presence?.(m.users);
        return;
      case "typing":
        this.on.typing?.(m.scope, m.userId);
        return;
      case "ticket":
        this.on.ticket?.(m.event);
        return;
      case "error":
        // A write the room refused for good is dropped from the outbox; INTERNAL and RATE_LIMITED retry.
        if (m.clientId && m.code !== "INTERNAL" && m.code !== "RATE_LIMITED") this.#settle(m.clientId);
        if (m.code === "ACCESS_ENDED") this.status.value = "ended";
        // The room refuses frames beyond its rate without saying which: send what is pending again soon.
        if (m.code === "RATE_LIMITED") setTimeout(() => this.#resendPending(), 2_000);
        this.on.error(m.code, m.clientId);
        return;
      default:
        return;
    }
  }
}
