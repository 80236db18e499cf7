import { signal } from "@preact/signals";
import type { TicketLiveEvent } from "../../../../src/shared/protocol";

/** The last live ticket event of the current building's room (the Service Center screen reloads on it). */
export const ticketPulse = signal<TicketLiveEvent | null>(null);
