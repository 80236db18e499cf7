import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../app-env";
import {
  type BUILDING_DOC_CATEGORIES,
  type DocumentRow,
  documentBuildings,
  documents,
  type UNIT_DOC_CATEGORIES,
} from "../db/schema/documents";
import { buildings, units } from "../db/schema/estate";
import { tenancies } from "../db/schema/people";
import { newId } from "../lib/crypto";
import { AppError, notFound } from "../lib/errors";
import { isoDay } from "../lib/time";
import { type Actor, activeOn, canSeeBuilding } from "./actor";
import { attachStatement, fileMeta, filesOf } from "./files";

type Stmt = BatchItem<"sqlite">;

/**
 * Building documents (R-M4) and unit documents (R-M5). A unit document belongs to one tenancy
 * (decision 0022): its members see it while the tenancy is current, the unit's managers always; a
 * resident who moved out, and the next tenant of the unit, never do.
 */

export type BuildingTarget = { type: "building"; ids: string[] } | { type: "property"; id: string };

export interface BuildingDocInput {
  category: (typeof BUILDING_DOC_CATEGORIES)[number];
  title: string;
  fileId: string;
  target: BuildingTarget;
}
export interface UnitDocInput {
  category: (typeof UNIT_DOC_CATEGORIES)[number];
  title: string;
  fileId: string;
  unitId: string;
  /** Default: the unit's tenancy that is current today. */
  tenancyId?: string | undefined;
}

/** The buildings a manager publishes to: each must be theirs (404 otherwise, as if it did not exist). */
async function targetBuildings(deps: Deps, a: Actor, t: BuildingTarget): Promise<string[]> {
  if (t.type === "property") {
    if (!a.managedPropertyIds.has(t.id)) throw notFound("Property");
    const rows = await deps.db
      .select({ id: buildings.id })
      .from(buildings)
      .where(and(eq(buildings.propertyId, t.id), eq(buildings.customerId, a.customerId)));
    if (rows.length === 0) throw notFound("Property");
    return rows.map((r) => r.id);
  }
  const ids = [...new Set(t.ids)];
  if (!ids.every((id) => a.managedBuildingIds.has(id))) throw notFound("Building");
  return ids;
}

export async function publishBuildingDocument(deps: Deps, a: Actor, input: BuildingDocInput) {
  const buildingIds = await targetBuildings(deps, a, input.target);
  const row: DocumentRow = {
    id: newId(),
    customerId: a.customerId,
    scope: "building",
    category: input.category,
    title: input.title,
    fileId: input.fileId,
    targetType: input.target.type,
    targetIds: input.target.type === "property" ? [input.target.id] : [...new Set(input.target.ids)],
    unitId: null,
    tenancyId: null,
    createdBy: a.userId,
    deletedAt: null,
    createdAt: deps.now(),
  };
  const { stmt } = await attachStatement(deps, a, [input.fileId], { type: "document", id: row.id, subjectId: null });
  const stmts: Stmt[] = [
    deps.db.insert(documents).values(row),
    deps.db
      .insert(documentBuildings)
      .values(buildingIds.map((buildingId) => ({ documentId: row.id, buildingId, customerId: a.customerId }))),
  ];
  if (stmt) stmts.push(stmt);
  await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
  return documentDto(deps, row, buildingIds);
}

export async function publishUnitDocument(deps: Deps, a: Actor, input: UnitDocInput) {
  const unit = await deps.db.query.units.findFirst({
    where: and(eq(units.id, input.unitId), eq(units.customerId, a.customerId)),
  });
  if (!unit || !a.managedBuildingIds.has(unit.buildingId)) throw notFound("Unit");
  const today = isoDay(deps.now());
  const tenancy = await deps.db.query.tenancies.findFirst({
    where: and(
      eq(tenancies.unitId, unit.id),
      eq(tenancies.customerId, a.customerId),
      input.tenancyId ? eq(tenancies.id, input.tenancyId) : activeOn(tenancies, today),
    ),
  });
  if (!tenancy) {
    if (input.tenancyId) throw notFound("Tenancy");
    throw new AppError("NO_TENANCY", "The unit has no current tenancy to give the document to.");
  }
  const row: DocumentRow = {
    id: newId(),
    customerId: a.customerId,
    scope: "unit",
    category: input.category,
    title: input.title,
    fileId: input.fileId,
    targetType: null,
    targetIds: null,
    unitId: unit.id,
    tenancyId: tenancy.id,
    createdBy: a.userId,
    deletedAt: null,
    createdAt: deps.now(),
  };
  const { stmt } = await attachStatement(deps, a, [input.fileId], { type: "document", id: row.id, subjectId: null });
  const stmts: Stmt[] = [deps.db.insert(documents).values(row)];
  if (stmt) stmts.push(stmt);
  await deps.db.batch(stmts as [Stmt, ...Stmt[]]);
  return documentDto(deps, row, [unit.buildingId]);
}

async function documentDto(deps: Deps, d: DocumentRow, buildingIds: string[]) {
  const [file] = await filesOf(deps, d.customerId, "document", [d.id]);
  return toDto(d, buildingIds, file ? fileMeta(file) : null);
}

const toDto = (d: DocumentRow, buildingIds: string[], file: ReturnType<typeof fileMeta> | null) => ({
  id: d.id,
  scope: d.scope,
  category: d.category,
  title: d.title,
  buildingIds,
  unitId: d.unitId,
  tenancyId: d.tenancyId,
  file,
  createdAt: d.createdAt.toISOString(),
});
export type DocumentDto = ReturnType<typeof toDto>;

async function withFiles(deps: Deps, customerId: string, rows: DocumentRow[], buildingId: string) {
  const filesByDoc = new Map(
    (
      await filesOf(
        deps,
        customerId,
        "document",
        rows.map((r) => r.id),
      )
    ).map((f) => [f.ownerId, fileMeta(f)]),
  );
  return rows.map((r) => toDto(r, [buildingId], filesByDoc.get(r.id) ?? null));
}

/** A building's documents, for its current residents and its managers (404 for anyone else). */
export async function listBuildingDocuments(deps: Deps, a: Actor, buildingId: string) {
  if (!canSeeBuilding(a, buildingId)) throw notFound("Building");
  const rows = await deps.db
    .select({ d: documents })
    .from(documentBuildings)
    .innerJoin(documents, eq(documents.id, documentBuildings.documentId))
    .where(
      and(
        eq(documentBuildings.buildingId, buildingId),
        eq(documentBuildings.customerId, a.customerId),
        isNull(documents.deletedAt),
      ),
    )
    .orderBy(desc(documents.createdAt))
    .limit(200);
  return withFiles(
    deps,
    a.customerId,
    rows.map((r) => r.d),
    buildingId,
  );
}

/** The tenancies of a unit through which the actor sees its documents today. */
const currentTenancies = (a: Actor, unitId: string) =>
  a.memberships.filter((m) => m.unitId === unitId).map((m) => m.tenancyId);

/**
 * A unit's documents: managers of its building see every tenancy's; a current resident only those of
 * their own current tenancy. Anyone else (a former resident, a neighbour) gets 404.
 */
export async function listUnitDocuments(deps: Deps, a: Actor, unitId: string) {
  const unit = await deps.db.query.units.findFirst({
    where: and(eq(units.id, unitId), eq(units.customerId, a.customerId)),
  });
  if (!unit) throw notFound("Unit");
  const staff = a.managedBuildingIds.has(unit.buildingId);
  const mine = currentTenancies(a, unitId);
  if (!staff && mine.length === 0) throw notFound("Unit");
  const rows = await deps.db
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.unitId, unitId),
        eq(documents.customerId, a.customerId),
        isNull(documents.deletedAt),
        staff ? undefined : inArray(documents.tenancyId, mine),
      ),
    )
    .orderBy(desc(documents.createdAt))
    .limit(200);
  return withFiles(deps, a.customerId, rows, unit.buildingId);
}

/** Whether the actor may see a document (and so download its file), by the same rules as the lists. */
export async function canSeeDocument(deps: Deps, a: Actor, documentId: string): Promise<boolean> {
  const d = await deps.db.query.documents.findFirst({
    where: and(eq(documents.id, documentId), eq(documents.customerId, a.customerId), isNull(documents.deletedAt)),
  });
  if (!d) return false;
  if (d.scope === "unit") {
    const unit = await deps.db.query.units.findFirst({ where: eq(units.id, d.unitId ?? "") });
    if (unit && a.managedBuildingIds.has(unit.buildingId)) return true;
    return d.tenancyId !== null && currentTenancies(a, d.unitId ?? "").includes(d.tenancyId);
  }
  const targets = await deps.db
    .select({ id: documentBuildings.buildingId })
    .from(documentBuildings)
    .where(eq(documentBuildings.documentId, d.id));
  return targets.some((t) => canSeeBuilding(a, t.id));
}

/** A manager deletes a document: gone for everyone at once (the record keeps who and when). */
export async function deleteDocument(deps: Deps, a: Actor, documentId: string) {
  const d = await deps.db.query.documents.findFirst({
    where: and(eq(documents.id, documentId), eq(documents.customerId, a.customerId), isNull(documents.deletedAt)),
  });
  if (!d) throw notFound("Document");
  const buildingIds =
    d.scope === "unit"
      ? (
          await deps.db
            .select({ id: units.buildingId })
            .from(units)
            .where(eq(units.id, d.unitId ?? ""))
        ).map((r) => r.id)
      : (
          await deps.db
            .select({ id: documentBuildings.buildingId })
            .from(documentBuildings)
            .where(eq(documentBuildings.documentId, d.id))
        ).map((r) => r.id);
  if (buildingIds.length === 0 || !buildingIds.every((id) => a.managedBuildingIds.has(id))) throw notFound("Document");
  await deps.db
    .update(documents)
    .set({ deletedAt: deps.now() })
    .where(and(eq(documents.id, d.id), eq(documents.customerId, a.customerId)));
}
