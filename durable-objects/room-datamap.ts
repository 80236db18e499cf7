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

export const ROOM_DATA_MAP: readonly TableMap[] = [
  roomSchemaVersionMap,
  roomMembersMap,
  roomEventsMap,
  roomPostsMap,
  roomCommentsMap,
  roomReactionsMap,
  roomChatMap,
];
