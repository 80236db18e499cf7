import { runInDurableObject } from "cloudflare:test";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { DATA_MAP } from "../../src/privacy/datamap";
import type { ServerMessage } from "../../src/shared/protocol";
import { dbOf, type World } from "../helpers/factories";
import { cid, joinRoom, post, roomStub, sessionOf, write } from "../helpers/ws";

/**
 * The privacy-center scene: a resident of building 1 posts, comments, reacts, sends and receives a
 * direct message and fills in their profile, then moves out (tenancy ended) and lives in building 2,
 * where they post again. Values carry a unique canary so tests can find them anywhere.
 */
export interface PrivacyScene {
  canary: string;
  texts: { post: string; comment: string; dmSent: string; dmReceived: string; about: string; newPost: string };
  newTenancyId: string;
}

export async function privacyScene(w: World): Promise<PrivacyScene> {
  const canary = `cnry${crypto.randomUUID().slice(0, 8)}`;
  const texts = {
    post: `post ${canary}`,
    comment: `comment ${canary}`,
    dmSent: `dm sent ${canary}`,
    dmReceived: `dm received ${canary}`,
    about: `about ${canary}`,
    newPost: `new home ${canary}`,
  };
  const me = await joinRoom(w, "resident");
  const neighbour = await joinRoom(w, "neighbour");
  const { postId } = await post(me, texts.post);
  await write(me, { type: "comment.create", clientId: cid(), postId, body: texts.comment });
  await write(me, { type: "reaction.toggle", clientId: cid(), postId, emoji: "👍" });
  await write(me, { type: "dm.send", clientId: cid(), toUserId: w.userIds.neighbour, body: texts.dmSent });
  await write(neighbour, { type: "dm.send", clientId: cid(), toUserId: w.userIds.resident, body: texts.dmReceived });
  // A profile is state, not an event: its ack carries no sequence number.
  const profileId = cid();
  me.send({ type: "profile.set", clientId: profileId, visible: true, about: texts.about, showPresence: true });
  await me.take((m): m is ServerMessage => m.type === "ack" && m.clientId === profileId);
  me.close();
  neighbour.close();

  // Moving out: the shared tenancy of building 1 ended yesterday; a new one in a new unit of building 2.
  const db = dbOf(w.jurisdiction);
  const now = Date.now();
  const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
  const unitId = `u3-${canary}`;
  const newTenancyId = `t3-${canary}`;
  await db.batch([
    db.prepare("UPDATE tenancies SET ends_on = ?1 WHERE id = ?2").bind(yesterday, w.tenancyIds[0]),
    db
      .prepare(
        "INSERT INTO units (id, customer_id, building_id, name, type, floor, created_at) VALUES (?1, ?2, ?3, '2.1', 'flat', '2', ?4)",
      )
      .bind(unitId, w.customerId, w.buildingIds[1], now),
    db
      .prepare(
        "INSERT INTO tenancies (id, customer_id, unit_id, type, starts_on, ends_on, created_at) VALUES (?1, ?2, ?3, 'tenant', ?4, NULL, ?5)",
      )
      .bind(newTenancyId, w.customerId, unitId, new Date(now).toISOString().slice(0, 10), now),
    db
      .prepare(
        "INSERT INTO tenancy_members (id, customer_id, tenancy_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
      )
      .bind(`m3-${canary}`, w.customerId, newTenancyId, w.userIds.resident, now),
  ]);
  const there = await joinRoom(w, "resident", {
    buildingId: w.buildingIds[1],
    session: await sessionOf(w, "resident"),
  });
  await post(there, texts.newPost);
  there.close();
  return { canary, texts, newTenancyId };
}

/**
 * The data-map categories that hold the subject's data, computed from the stores directly (not from
 * the export): every personal, non-credential column with a value in a row whose subject is the person.
 * Credentials (password and token hashes) are left out of exports on purpose (src/privacy/stores.ts).
 */
export async function expectedCategories(w: World, userId: string): Promise<string[]> {
  const found = new Set<string>();
  const db = dbOf(w.jurisdiction);
  for (const t of DATA_MAP) {
    if (t.store !== "region" || !t.subject) continue;
    const { results } = await db
      .prepare(`SELECT * FROM "${t.table}" WHERE "${t.subject}" = ?1 AND customer_id = ?2`)
      .bind(userId, w.customerId)
      .all<Record<string, unknown>>();
    collect(t.table, results, found);
  }
  for (const b of w.buildingIds) {
    const rows = await runInDurableObject(roomStub(w, b), (_: BuildingRoom, state) =>
      DATA_MAP.filter((t) => t.store === "room" && t.subject).map((t) => ({
        table: t.table,
        rows: state.storage.sql.exec(`SELECT * FROM "${t.table}" WHERE "${t.subject}" = ?`, userId).toArray(),
      })),
    );
    for (const r of rows) collect(r.table, r.rows as Record<string, unknown>[], found);
  }
  return [...found].sort();
}

function collect(table: string, rows: Record<string, unknown>[], found: Set<string>) {
  const t = DATA_MAP.find((x) => x.table === table);
  if (!t) return;
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      const c = (t.columns as Record<string, (typeof t.columns)[string]>)[column];
      if (c?.personal && c.category !== "credential" && value !== null) found.add(c.category);
    }
  }
}
