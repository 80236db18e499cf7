import { type ColumnClass, createdColumn, idColumn, type TableMap, tableMap } from "../src/privacy/classification";

/**
 * Data map of the room's SQLite (store "room"), next to room-store.ts. Every building room has these
 * tables; export and erasure reach the rooms of a person's participation (D1 room_participation).
 */
const content = (purpose: string): ColumnClass => ({
  category: "content",
  purpose,
  basis: "contract",
  retention: "Until the author deletes it or is erased",
  erasure: "null",
  personal: true,
});
const author: ColumnClass = {
  category: "identifier",
  purpose: "Who wrote it (shown to neighbours)",
  basis: "contract",
  retention: "As long as the row",
  erasure: "keep",
  personal: true,
};
const time: ColumnClass = { ...createdColumn, personal: true };

export const roomSchemaVersionMap = tableMap({
  table: "schema_version",
  store: "room",
  description: "Version of the room's schema",
  columns: { version: { ...createdColumn, purpose: "Schema migrations of the room store" } },
});

export const roomMembersMap = tableMap({
  table: "members",
  store: "room",
  subject: "user_id",
  description: "Display names of the people who connected to the room",
  columns: {
    user_id: author,
    name: {
      category: "identity",
      purpose: "Shown next to what the person wrote",
      basis: "contract",
      retention: "Until erasure",
      erasure: "random",
      random: "name",
      personal: true,
    },
    staff: {
      category: "technical",
      purpose: "Whether the person connected as staff (direct messages are between residents)",
      basis: "contract",
      retention: "As long as the row",
      erasure: "keep",
      personal: true,
    },
    updated_at: time,
  },
});

export const roomEventsMap = tableMap({
  table: "events",
  store: "room",
  subject: "author_id",
  description: "Ordered log of what happened (references only, no content)",
  columns: {
    seq: { ...idColumn, purpose: "Gap-free order of the room's events" },
    kind: { ...createdColumn, purpose: "What happened" },
    entity_id: { ...idColumn, purpose: "Which post, comment or message" },
    author_id: author,
    client_id: { ...createdColumn, purpose: "Idempotent resend of a write", personal: true },
    extra: { ...createdColumn, purpose: "Reaction details", personal: true },
    created_at: time,
    audience_a: {
      ...author,
      purpose: "A direct message's participants: only they receive its events",
    },
    audience_b: {
      ...author,
      purpose: "A direct message's participants: only they receive its events",
    },
  },
});

export const roomPostsMap = tableMap({
  table: "posts",
  store: "room",
  subject: "author_id",
  description: "Pinboard posts",
  columns: {
    id: idColumn,
    author_id: author,
    body: content("The post"),
    created_at: time,
    edited_at: time,
    deleted_at: time,
    hidden_at: {
      ...createdColumn,
      purpose: "Moderation: when a manager hid the post from residents",
      basis: "legitimate-interest",
      personal: true,
    },
  },
});

export const roomCommentsMap = tableMap({
  table: "comments",
  store: "room",
  subject: "author_id",
  description: "Comments on pinboard posts",
  columns: {
    id: idColumn,
    post_id: { ...idColumn, purpose: "The post commented on" },
    author_id: author,
    body: content("The comment"),
    created_at: time,
    deleted_at: time,
  },
});

export const roomReactionsMap = tableMap({
  table: "reactions",
  store: "room",
  subject: "user_id",
  description: "Reactions to posts",
  columns: {
    post_id: { ...idColumn, purpose: "The post reacted to" },
    user_id: { ...author, erasure: "delete-row" },
    emoji: { ...content("The reaction"), erasure: "delete-row" },
    created_at: { ...time, erasure: "delete-row" },
  },
});

export const roomChatMap = tableMap({
  table: "chat",
  store: "room",
  subject: "author_id",
  description: "Building chat messages",
  columns: {
    id: idColumn,
    author_id: author,
    body: content("The message"),
    created_at: time,
    deleted_at: time,
  },
});

export const roomMetaMap = tableMap({
  table: "meta",
  store: "room",
  description: "The building's customer and region, remembered from the first connection",
  columns: {
    id: idColumn,
    customer_id: { ...idColumn, category: "organisation", purpose: "Refuse connections for another customer" },
    jurisdiction: { ...createdColumn, category: "organisation", purpose: "Region of the notify queue" },
    created_at: createdColumn,
  },
});

const dmPart: ColumnClass = { ...author, purpose: "Sender of a direct message", erasure: "delete-row" };
export const roomDmsMap = tableMap({
  table: "dms",
  store: "room",
  subject: "sender_id",
  description:
    "Direct messages between two residents; about the recipient too (export and erasure also follow recipient_id)",
  columns: {
    id: idColumn,
    sender_id: dmPart,
    recipient_id: { ...dmPart, purpose: "Recipient of a direct message" },
    body: { ...content("The message"), erasure: "delete-row" },
    created_at: { ...time, erasure: "delete-row" },
    deleted_at: { ...time, erasure: "delete-row" },
  },
});

const chosen = (purpose: string): ColumnClass => ({
  category: "identity",
  purpose,
  basis: "consent",
  retention: "Until the resident changes it or is erased",
  erasure: "delete-row",
  personal: true,
});
export const roomProfilesMap = tableMap({
  table: "profiles",
  store: "room",
  subject: "user_id",
  description: "Opt-in resident profiles: what the resident chose to show neighbours",
  columns: {
    user_id: { ...author, erasure: "delete-row" },
    visible: { ...chosen("Whether neighbours see the profile"), category: "technical" },
    display_name: chosen("Name shown to neighbours"),
    about: { ...chosen("Text shown to neighbours"), category: "content" },
    show_presence: { ...chosen("Whether neighbours who share theirs see the resident online"), category: "technical" },
    updated_at: { ...time, erasure: "delete-row" },
  },
});

export const roomRestrictedMap = tableMap({
  table: "restricted",
  store: "room",
  subject: "user_id",
  description: "People whose processing is restricted (R-P5): their profile and presence are shown to nobody",
  columns: {
    user_id: {
      category: "identifier",
      purpose: "Whom the room hides from neighbours (a copy of the D1 restriction)",
      basis: "legal-obligation",
      retention: "Until the restriction is lifted or the person is erased",
      erasure: "delete-row",
      personal: true,
    },
    since: {
      ...time,
      purpose: "When the room learnt of the restriction",
      basis: "legal-obligation",
      erasure: "delete-row",
    },
  },
});

export const roomAnnouncementsMap = tableMap({
  table: "announcements",
  store: "room",
  description: "Copies of managers' announcements delivered to this building (the record is in D1)",
  noSubject:
    "Staff-written copies of D1 announcements without a user id; the sender's name is personal data of a " +
    "staff member and is governed by the D1 record (export, erasure); a withdrawal drops the copy's content",
  columns: {
    id: { ...idColumn, purpose: "The D1 announcement's id (idempotent delivery)" },
    seq: { ...idColumn, purpose: "The event that published it" },
    // Written by staff in their role, about the building: not about a person.
    title: { ...content("The announcement's title"), erasure: "keep", personal: false },
    body: { ...content("The announcement"), erasure: "keep", personal: false },
    author_name: {
      category: "identity",
      purpose: "Sender as residents see it (a manager's or the customer's name)",
      basis: "contract",
      retention: "Until the announcement is withdrawn",
      erasure: "keep",
      personal: true,
    },
    published_at: createdColumn,
    ack_required: { ...createdColumn, purpose: "Whether residents are asked to acknowledge it" },
    delivered_at: createdColumn,
    withdrawn_at: createdColumn,
  },
});

export const ROOM_DATA_MAP: readonly TableMap[] = [
  roomSchemaVersionMap,
  roomMembersMap,
  roomEventsMap,
  roomPostsMap,
  roomCommentsMap,
  roomReactionsMap,
  roomChatMap,
  roomMetaMap,
  roomDmsMap,
  roomProfilesMap,
  roomRestrictedMap,
  roomAnnouncementsMap,
];
