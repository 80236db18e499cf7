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

export interface TableMap<C extends string = string> {
  table: string;
  store: Store;
  description: string;
  /** Column holding the user id of the person the row is about (export and erasure follow it). */
  subject?: C;
  columns: Record<C, ColumnClass>;
}

/** Typed helper: the subject must be one of the classified columns. */
export function tableMap<C extends string>(map: {
  table: string;
  store: Store;
  description: string;
  subject?: NoInfer<C>;
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
