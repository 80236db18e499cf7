import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { dataExports } from "../db/schema/exports";
import type { Subject } from "./stores";

/**
 * Sources of a person's objects in the jurisdiction's file bucket (R2). Erasure deletes every key
 * they list (the `files` step, before the database step removes the rows that name the keys); a
 * feature that stores a person's files adds its lister here.
 */
export interface PersonFileSource {
  name: string;
  keys(db: Db, s: Subject): Promise<string[]>;
}

export const dataExportFiles: PersonFileSource = {
  name: "data-exports",
  async keys(db, s) {
    const rows = await db
      .select({ key: dataExports.objectKey })
      .from(dataExports)
      .where(and(eq(dataExports.userId, s.userId), eq(dataExports.customerId, s.customerId)));
    return rows.map((r) => r.key);
  },
};

// Tickets' and documents' files join here once their lister exists (issue of the files feature).
export const PERSON_FILE_SOURCES: readonly PersonFileSource[] = [dataExportFiles];

/** Deletes every object of the person in the bucket; returns how many keys were deleted. Safe to repeat. */
export async function erasePersonFiles(db: Db, bucket: R2Bucket, s: Subject): Promise<number> {
  let deleted = 0;
  for (const source of PERSON_FILE_SOURCES) {
    const keys = await source.keys(db, s);
    // R2 deletes at most 1,000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      await bucket.delete(chunk);
      deleted += chunk.length;
    }
  }
  return deleted;
}
