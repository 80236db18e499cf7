/**
 * The data map: every stored column carries its classification next to its schema. Export, erasure,
 * purges and the record of processing read this one map (R-P13, R-P4). A test compares it with the
 * live schemas of the migrated databases, so an unclassified column fails the build.
 */
export type Category =
  | "identifier" // internal ids, keys; not personal on their own
  | "identity" // names
  | "contact" // e-mail, phone, address
  | "credential" // password hashes, token hashes
  | "content" // what a person wrote
  | "technical" // timestamps, settings, counters, IPs in logs
  | "tenancy" // which unit, which dates
  | "organisation"; // customer, property, building master data (not about a person)

export type LegalBasis =
  | "contract" // GDPR Art. 6(1)(b) / nDSG: processing needed for the tenancy service
  | "legitimate-interest" // Art. 6(1)(f): security, abuse prevention
  | "legal-obligation" // Art. 6(1)(c): retention duties
  | "consent" // Art. 6(1)(a)
  | "none"; // not personal data

/** What erasure of the person does to this column. */
export type Erasure =
  | "keep" // not personal (ids, organisation data) or needed so references hold
  | "random" // replaced by a random value of valid format
  | "null" // cleared
  | "set" // set to the fixed value `setTo` (e.g. status "erased")
  | "delete-row"; // the whole row is the person's alone and is deleted

export type RandomKind = "email" | "name" | "text" | "secret";

export interface ColumnClass {
  category: Category;
  purpose: string;
  basis: LegalBasis;
  retention: string;
  erasure: Erasure;
  /** For `random`: the format of the replacement value. */
  random?: RandomKind;
  /** For `set`: the value written on erasure. */
  setTo?: string;
  /** True when the value can identify or describe a person. */
  personal: boolean;
}

export type Store = "directory" | "region" | "room";

/**
 * Rows about a person that do not hold the user id themselves, reached through another table that
 * does: `column IN (SELECT key FROM table WHERE <table's subject> = user)`. Such rows are shared
 * (flatmates share one tenancy), so export includes them and erasure never changes them: every
 * column of a table reached `via` must have erasure `keep` (the data-map test checks it).
 */
export interface SubjectLink<C extends string = string> {
  column: C;
  table: string;
  key: string;
}

export interface TableMap<C extends string = string> {
  table: string;
  store: Store;
  description: string;
  /** Column holding the user id of the person the row is about (export and erasure follow it). */
  subject?: C;
  /**
   * Column holding the e-mail address of the person the row is about, for rows written before the
   * person had an account (access requests): export and erasure match it against the account's address.
   */
  subjectEmail?: C;
  /** For shared rows about a person without a user id column: how export reaches them. */
  via?: SubjectLink<C>;
  /**
   * Why a table with personal columns has neither `subject` nor `via` (e.g. values hashed so they
   * cannot be searched by person). The data-map test requires one of the three.
   */
  noSubject?: string;
  columns: Record<C, ColumnClass>;
}

/** Typed helper: the subject must be one of the classified columns. */
export function tableMap<C extends string>(map: {
  table: string;
  store: Store;
  description: string;
  subject?: NoInfer<C>;
  subjectEmail?: NoInfer<C>;
  via?: SubjectLink<NoInfer<C>>;
  noSubject?: string;
  columns: Record<C, ColumnClass>;
}): TableMap<C> {
  return map;
}

// Short-hands for the columns that recur in every table.
export const idColumn: ColumnClass = {
  category: "identifier",
  purpose: "Row identity and references",
  basis: "contract",
  retention: "As long as the row",
  erasure: "keep",
  personal: false,
};
export const customerColumn: ColumnClass = {
  category: "organisation",
  purpose: "Tenant isolation: the customer the row belongs to",
  basis: "contract",
  retention: "As long as the row",
  erasure: "keep",
  personal: false,
};
export const createdColumn: ColumnClass = {
  category: "technical",
  purpose: "Record keeping and ordering",
  basis: "contract",
  retention: "As long as the row",
  erasure: "keep",
  personal: false,
};
export function orgColumn(purpose: string): ColumnClass {
  return {
    category: "organisation",
    purpose,
    basis: "none",
    retention: "As long as the customer",
    erasure: "keep",
    personal: false,
  };
}
