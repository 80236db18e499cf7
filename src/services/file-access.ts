import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { ticketMessages } from "../db/schema/tickets";
import { notFound } from "../lib/errors";
import type { Actor } from "./actor";
import { canSeeDocument } from "./documents";
import { fileRow } from "./files";
import { ticketFor } from "./ticket-access";

/**
 * The file if the actor may download it, by the rules of what it belongs to: a pending upload only
 * its uploader; a ticket's file whoever sees the ticket (an internal note's files staff only); a
 * document's file whoever sees the document. Anything else is 404, never a hint that it exists.
 */
export async function fileForActor(deps: Deps, a: Actor, fileId: string) {
  const f = await fileRow(deps, a.customerId, fileId);
  if (!f) throw notFound("File");
  if (f.state === "pending") {
    if (f.uploadedBy === a.userId) return f;
    throw notFound("File");
  }
  if (f.ownerType === "ticket" && f.ownerId) {
    const { staff } = await ticketFor(deps, a, f.ownerId).catch(() => {
      throw notFound("File");
    });
    if (staff || f.messageId === null) return f;
    const m = await deps.db.query.ticketMessages.findFirst({
      where: and(eq(ticketMessages.id, f.messageId), eq(ticketMessages.customerId, a.customerId)),
    });
    if (m?.visibility === "public") return f;
    throw notFound("File");
  }
  if (f.ownerType === "document" && f.ownerId && (await canSeeDocument(deps, a, f.ownerId))) return f;
  throw notFound("File");
}
