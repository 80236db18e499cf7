import { and, eq } from "drizzle-orm";
import type { Deps } from "../app-env";
import { type IdempotencyKeyRow, idempotencyKeys } from "../db/schema/idempotency";
import { newId } from "../lib/crypto";
import { DAY, MINUTE } from "../lib/time";

/** Keys are kept (and replayed) for 24 hours after the first request, then purged (R-I3). */
export const IDEMPOTENCY_TTL_MS = DAY;
/**
 * A claim still `in_flight` after this long belongs to a request that died without answering (the
 * isolate was killed between claim and record). A retry with the same payload may then run again.
 * Requests are limited to 30 s of CPU, so two minutes is well past any live request.
 */
export const IN_FLIGHT_TIMEOUT_MS = 2 * MINUTE;

/** Who the key belongs to: keys of different customers, users and clients never meet. */
export interface IdempotencyScope {
  customerId: string;
  principal: string;
  userId: string | null;
  clientId: string | null;
}

export interface IdempotentRequest {
  key: string;
  method: string;
  path: string;
  fingerprint: string;
}

export type Claim =
  | { kind: "claimed"; id: string }
  | { kind: "replay"; row: IdempotencyKeyRow }
  | { kind: "mismatch" }
  | { kind: "in-flight" };

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Claims a key before the write runs: an insert that the unique (customer, principal, key) index lets
 * only one request win (D1 has no interactive transactions; the insert itself is the lock). The
 * loser reads the winner's row: another payload → mismatch; still running → in flight; done → replay.
 * An expired or abandoned row is taken over with a compare-and-set on its id, so again only one wins.
 */
export async function claimKey(deps: Deps, scope: IdempotencyScope, req: IdempotentRequest): Promise<Claim> {
  const { db } = deps;
  for (let round = 0; round < 3; round++) {
    const now = deps.now();
    const fresh = {
      id: newId(),
      ...req,
      state: "in_flight" as const,
      status: null,
      responseHeaders: null,
      responseBody: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
    };
    const inserted = await db
      .insert(idempotencyKeys)
      .values({ ...scope, ...fresh })
      .onConflictDoNothing()
      .returning({ id: idempotencyKeys.id });
    if (inserted[0]) return { kind: "claimed", id: inserted[0].id };

    const [row] = await db
      .select()
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.customerId, scope.customerId),
          eq(idempotencyKeys.principal, scope.principal),
          eq(idempotencyKeys.key, req.key),
        ),
      );
    if (!row) continue; // purged in between: claim again
    const expired = row.expiresAt.getTime() <= now.getTime();
    const sameRequest = row.fingerprint === req.fingerprint;
    const abandoned = row.state === "in_flight" && row.createdAt.getTime() <= now.getTime() - IN_FLIGHT_TIMEOUT_MS;
    if (expired || (abandoned && sameRequest)) {
      const taken = await db
        .update(idempotencyKeys)
        .set(fresh)
        .where(and(eq(idempotencyKeys.id, row.id), eq(idempotencyKeys.createdAt, row.createdAt)))
        .returning({ id: idempotencyKeys.id });
      if (taken[0]) return { kind: "claimed", id: taken[0].id };
      continue;
    }
    if (!sameRequest) return { kind: "mismatch" };
    if (row.state === "in_flight") return { kind: "in-flight" };
    return { kind: "replay", row };
  }
  // Three rounds lost to concurrent purges or takeovers: tell the client to retry.
  return { kind: "in-flight" };
}

/** Stores the final response of a claimed key. */
export async function recordResponse(deps: Deps, claimId: string, res: StoredResponse) {
  await deps.db
    .update(idempotencyKeys)
    .set({
      state: "done",
      status: res.status,
      responseHeaders: JSON.stringify(res.headers),
      responseBody: res.body,
    })
    .where(and(eq(idempotencyKeys.id, claimId), eq(idempotencyKeys.state, "in_flight")));
}

/** Gives a claim up (5xx and outcomes that depend on more than the payload): a retry runs again. */
export async function releaseKey(deps: Deps, claimId: string) {
  await deps.db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.id, claimId), eq(idempotencyKeys.state, "in_flight")));
}

export function storedResponseOf(row: IdempotencyKeyRow): StoredResponse {
  return {
    status: row.status ?? 500,
    headers: row.responseHeaders ? (JSON.parse(row.responseHeaders) as Record<string, string>) : {},
    body: row.responseBody ?? "",
  };
}
