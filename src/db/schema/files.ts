import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { type ColumnClass, createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";

export const FILE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"] as const;
export type FileType = (typeof FILE_TYPES)[number];
export const FILE_STATES = ["pending", "attached", "erased"] as const;
/** What a file belongs to: a ticket (photos of the report, of a reply, of a craftsman) or a document. */
export const FILE_OWNERS = ["ticket", "document"] as const;
export type FileOwner = (typeof FILE_OWNERS)[number];

/**
 * Uploaded files (R-M3 photos, R-M4/R-M5 documents). The bytes live in the jurisdiction's R2 bucket
 * under `object_key` (random, never derived from a name); this row says whose they are and what they
 * belong to. A file is uploaded first (`pending`, only its uploader can attach it) and attached by the
 * request that uses it; pending files are purged after a day. Downloads go through the Worker after
 * the owning object's access check (src/services/files.ts), never from a public bucket.
 */
export const files = sqliteTable(
  "files",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    /** The resident who provided the file (export and erasure follow it); null for staff and craftsmen. */
    subjectId: text("subject_id"),
    /** The account that uploaded it (staff or resident); null for a craftsman's upload. */
    uploadedBy: text("uploaded_by"),
    /** The service provider whose work-order link uploaded it. */
    providerId: text("provider_id"),
    ownerType: text("owner_type", { enum: FILE_OWNERS }),
    ownerId: text("owner_id"),
    /** For a ticket file: the message it came with (internal notes' files are staff-only), if any. */
    messageId: text("message_id"),
    contentType: text("content_type", { enum: FILE_TYPES }).notNull(),
    size: integer("size").notNull(),
    name: text("name").notNull(),
    objectKey: text("object_key").notNull(),
    state: text("state", { enum: FILE_STATES }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("files_owner_idx").on(t.ownerType, t.ownerId),
    index("files_subject_idx").on(t.subjectId),
    index("files_state_idx").on(t.state, t.createdAt),
  ],
);
export type FileRow = typeof files.$inferSelect;

const fileMeta = (purpose: string): ColumnClass => ({
  category: "technical",
  purpose,
  basis: "contract",
  retention: "As long as the ticket or document it belongs to",
  erasure: "keep",
  personal: false,
});

export const filesMap = tableMap({
  table: "files",
  store: "region",
  subject: "subject_id",
  // A resident's upload (a photo of their flat) is the person's: erasure replaces its name, marks it
  // erased and the object is deleted from R2 (services/files.ts eraseSubjectFiles, and the purge).
  description: "Uploaded photos and documents (bytes in the jurisdiction's R2 bucket)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    subject_id: {
      category: "identifier",
      purpose: "The resident who provided the file (export and erasure)",
      basis: "contract",
      retention: "As long as the file",
      erasure: "keep",
      personal: true,
    },
    uploaded_by: {
      category: "identifier",
      purpose: "Who uploaded the file (accountability; staff uploads are made in a professional role)",
      basis: "contract",
      retention: "As long as the file",
      erasure: "keep",
      personal: true,
    },
    provider_id: fileMeta("The craftsman company whose work-order link uploaded it"),
    owner_type: fileMeta("What the file belongs to: ticket or document"),
    owner_id: fileMeta("The ticket or document it belongs to"),
    message_id: fileMeta("The ticket message it came with"),
    content_type: fileMeta("Type detected from the file's content"),
    size: fileMeta("Size in bytes"),
    name: {
      category: "content",
      purpose: "The file name as uploaded (shown in the download)",
      basis: "contract",
      retention: "As long as the file",
      erasure: "random",
      random: "text",
      personal: true,
    },
    object_key: fileMeta("Where the bytes are stored in R2 (random key)"),
    state: {
      category: "technical",
      purpose: "Pending, attached, or erased (the object is then deleted from R2)",
      basis: "contract",
      retention: "As long as the file",
      erasure: "set",
      setTo: "erased",
      personal: true,
    },
    created_at: createdColumn,
  },
});
