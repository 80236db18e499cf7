import { sql } from "drizzle-orm";
import type { Deps } from "../app-env";
import type { MasterDataChangeRow } from "../db/schema/changes";
import { restrictedUserIds } from "../privacy/restriction";

/** Entity → table holding its `external_id` (all scoped by customer). */
const TABLE_OF = {
  property: "properties",
  group: "buildings",
  unit: "units",
  "utilisation-period": "tenancies",
  user: "users",
  "registration-code": "activation_codes",
} as const;

/**
 * The thin payload of a change, read at send time: type, time, ids and the external id — details
 * are fetched through the API. Null (skip, never send) when it names a person whose processing is
 * restricted or who is erased (src/privacy/restriction.ts).
 */
export async function payloadOf(deps: Deps, change: MasterDataChangeRow): Promise<string | null> {
  const people = [
    ...(change.entity === "user" ? [change.objectId] : []),
    ...(change.relatedId ? [change.relatedId] : []),
  ];
  if (people.length && (await restrictedUserIds(deps.db, change.customerId, people)).size > 0) return null;
  const row = await deps.db.get<{ external_id: string | null } | undefined>(
    sql`SELECT external_id FROM ${sql.identifier(TABLE_OF[change.entity])} WHERE id = ${change.objectId} AND customer_id = ${change.customerId}`,
  );
  return JSON.stringify({
    type: `${change.entity}.${change.action}`,
    timestamp: change.occurredAt.toISOString(),
    data: {
      entity: change.entity,
      action: change.action,
      id: change.objectId,
      externalId: row?.external_id ?? null,
      ...(change.relatedId ? { relatedId: change.relatedId } : {}),
    },
  });
}
