import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdColumn, customerColumn, idColumn, tableMap } from "../../privacy/classification";
import { customers } from "./customers";
import { buildings } from "./estate";
import { users } from "./people";

/**
 * Room participation: who has been a member of which building's room. Kept after a tenancy ends, so
 * export and erasure reach every room a person ever used (the buildings table is the room registry).
 */
export const roomParticipation = sqliteTable(
  "room_participation",
  {
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    buildingId: text("building_id")
      .notNull()
      .references(() => buildings.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    firstSeenAt: integer("first_seen_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.buildingId, t.userId] }), index("room_participation_user_idx").on(t.userId)],
);

export const roomParticipationMap = tableMap({
  table: "room_participation",
  store: "region",
  subject: "user_id",
  description: "Which building rooms a person has used (for export and erasure)",
  columns: {
    customer_id: customerColumn,
    building_id: { ...idColumn, purpose: "The building room", personal: true },
    user_id: { ...idColumn, purpose: "The person", personal: true },
    first_seen_at: { ...createdColumn, personal: true },
    last_seen_at: { ...createdColumn, personal: true },
  },
});
