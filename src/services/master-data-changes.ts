import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import { type MasterDataAction, type MasterDataEntity, masterDataChanges } from "../db/schema/changes";
import { newId } from "../lib/crypto";

export interface MasterDataChange {
  customerId: string;
  entity: MasterDataEntity;
  action: MasterDataAction;
  objectId: string;
  relatedId?: string;
}

/**
 * The outbox row of one master-data change, to be put into the same `db.batch([...])` as the write it
 * describes (R-I3): webhooks are derived from these rows, never from the request.
 */
export function changeEvent(deps: Deps, change: MasterDataChange): BatchItem<"sqlite"> {
  return deps.db.insert(masterDataChanges).values({
    id: newId(),
    customerId: change.customerId,
    entity: change.entity,
    action: change.action,
    objectId: change.objectId,
    relatedId: change.relatedId ?? null,
    occurredAt: deps.now(),
  });
}
