import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import {
  type ColumnClass,
  createdColumn,
  customerColumn,
  idColumn,
  orgColumn,
  tableMap,
} from "../../privacy/classification";
import { customers } from "./customers";

/** Scopes an integrator client can hold (R-I1). `user:profile` is what the Allthings SDK asks for by default. */
export const API_SCOPES = [
  "user:profile",
  "master-data:read",
  "master-data:write",
  // Tickets, their conversations and uploads (decision 0028): residents' content, never implied by master data.
  "resident-services:read",
  "resident-services:write",
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * OAuth2 clients of a customer (R-I1). The id doubles as `client_id`; the directory maps it to the
 * customer and jurisdiction. The secret is shown once and kept only as a SHA-256 hash (it is a
 * 256-bit random value, so a slow hash adds nothing). First-party clients may use the password grant.
 */
export const apiClients = sqliteTable(
  "api_clients",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    /** Space-separated, as in OAuth2. */
    scopes: text("scopes").notNull(),
    secretHash: text("secret_hash").notNull(),
    firstParty: integer("first_party", { mode: "boolean" }).notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("api_clients_customer_idx").on(t.customerId)],
);
export type ApiClient = typeof apiClients.$inferSelect;

/**
 * Refresh tokens of the password grant, rotated on every use. All tokens of one login share a family:
 * presenting a token that was already rotated revokes the whole family (theft detection).
 */
export const oauthRefreshTokens = sqliteTable(
  "oauth_refresh_tokens",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    clientId: text("client_id").notNull(),
    userId: text("user_id").notNull(),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    scopes: text("scopes").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("oauth_refresh_family_idx").on(t.familyId),
    index("oauth_refresh_user_idx").on(t.userId),
    index("oauth_refresh_client_idx").on(t.clientId),
    index("oauth_refresh_expires_idx").on(t.expiresAt),
  ],
);

const refreshTech: ColumnClass = {
  category: "technical",
  purpose: "Refresh-token rotation and revocation",
  basis: "contract",
  retention: "Until expiry (30 days) or revocation, then purged",
  erasure: "delete-row",
  personal: true,
};

export const apiClientsMap = tableMap({
  table: "api_clients",
  store: "region",
  // The admin who registered the client: export shows them their clients, erasure clears the link.
  subject: "created_by",
  description: "OAuth2 clients of integrators and first-party apps (secret hashes only)",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    name: orgColumn("Name of the integration, chosen by the customer admin"),
    scopes: orgColumn("What the client may do"),
    secret_hash: {
      category: "credential",
      purpose: "Authenticates the client (hash only; the secret is shown once)",
      basis: "contract",
      retention: "As long as the client; kept after revocation for the audit of who had access",
      erasure: "keep",
      personal: false,
    },
    first_party: orgColumn("Whether the client may use the password grant"),
    created_by: {
      ...idColumn,
      purpose: "The admin who registered the client (account id)",
      personal: true,
      retention: "As long as the client",
      erasure: "null",
    },
    created_at: createdColumn,
    revoked_at: { ...createdColumn, purpose: "When the client was revoked (tokens stop working at once)" },
  },
});

export const oauthRefreshTokensMap = tableMap({
  table: "oauth_refresh_tokens",
  store: "region",
  subject: "user_id",
  description: "Rotating refresh tokens of the password grant (hashes only), purged after expiry or revocation",
  columns: {
    id: idColumn,
    customer_id: customerColumn,
    client_id: { ...idColumn, purpose: "The client the token was issued to" },
    user_id: {
      category: "identifier",
      purpose: "The account the token logs in",
      basis: "contract",
      retention: "Until expiry or revocation, then purged",
      erasure: "delete-row",
      personal: true,
    },
    family_id: refreshTech,
    token_hash: { ...refreshTech, category: "credential", purpose: "Recognises the token without storing it" },
    scopes: refreshTech,
    expires_at: refreshTech,
    used_at: refreshTech,
    revoked_at: refreshTech,
    created_at: refreshTech,
  },
});
