import { signal } from "@preact/signals";

/** The one transient message line of the app (errors the room or the API sent back). */
export const notice = signal("");
