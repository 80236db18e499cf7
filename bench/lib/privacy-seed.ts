import { resolve } from "node:path";
import { getPlatformProxy } from "wrangler";

/**
 * Seeding for the privacy benches, straight into a bench's own local state (after bench/lib/seed.ts):
 *
 *   tsx bench/lib/privacy-seed.ts <persist-dir>/v3 heavy <heavy-email> <items> <files> <rooms>
 *     A demo resident becomes a heavy user: <items> notification items (D1 rows exported and erased
 *     with the person), <files> uploads of 100 KiB (rows + R2 objects), participation in <rooms>
 *     building rooms (extra bench buildings are created when the customer has fewer).
 *   tsx bench/lib/privacy-seed.ts <persist-dir>/v3 access-log <rows> <rows-per-object> <fresh-objects>
 *     <rows> expired access-log entries (older than 90 days) in FILES_CH, <rows-per-object> per hour
 *     object like the queue consumer writes them, plus <fresh-objects> objects of the last hour that must
 *     survive the purge.
 *   tsx bench/lib/privacy-seed.ts <persist-dir>/v3 count-access-log
 *     Counts the bench's expired and fresh access-log objects still stored.
 * Prints one JSON line with what it seeded or counted.
 */
const [target, mode, ...args] = process.argv.slice(2);
if (!target || !mode) throw new Error("usage: tsx bench/lib/privacy-seed.ts <persist>/v3 heavy|access-log …");
const proxy = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: resolve(target) } });
const now = Date.now();

async function heavy(email: string, items: number, fileCount: number, rooms: number) {
  const db = proxy.env.DB_CH;
  const user = await db
    .prepare("SELECT id, customer_id AS customerId FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string; customerId: string }>();
  if (!user) throw new Error(`no user ${email}`);
  const existing = (
    await db
      .prepare("SELECT id, property_id AS propertyId FROM buildings WHERE customer_id = ? ORDER BY id")
      .bind(user.customerId)
      .all<{ id: string; propertyId: string }>()
  ).results;
  const first = existing[0];
  if (!first) throw new Error("customer without buildings");
  const buildingIds = existing.map((b) => b.id);
  for (let i = existing.length; i < rooms; i++) {
    const id = `bench-building-${i}`;
    await db
      .prepare(
        "INSERT OR IGNORE INTO buildings (id, customer_id, property_id, name, street, postal_code, city, country, external_id, created_at) VALUES (?, ?, ?, ?, 'Benchstrasse 1', '8000', 'Zürich', 'CH', NULL, ?)",
      )
      .bind(id, user.customerId, first.propertyId, `Bench ${i}`, now)
      .run();
    buildingIds.push(id);
  }
  const roomIds = buildingIds.slice(0, rooms);
  await db.batch(
    roomIds.map((b) =>
      db
        .prepare(
          "INSERT OR IGNORE INTO room_participation (customer_id, building_id, user_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(user.customerId, b, user.id, now, now),
    ),
  );
  // Items in SQL (a recursive CTE), spread over the rooms' buildings.
  const per = Math.ceil(items / roomIds.length);
  for (const [i, b] of roomIds.entries()) {
    await db
      .prepare(
        `WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ?)
         INSERT OR IGNORE INTO notification_items (id, customer_id, user_id, building_id, category, ref_type, ref_id, mode, state, created_at, due_at, sent_at)
         SELECT 'bench-item-' || ? || '-' || k, ?, ?, ?, 'pinboard', 'post', 'bench-post-' || ? || '-' || k, 'daily', 'sent', ? - k * 1000, ? - k * 1000, ? - k * 1000 FROM n`,
      )
      .bind(per, i, user.customerId, user.id, b, i, now, now, now)
      .run();
  }
  const bytes = new Uint8Array(100 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  for (let i = 0; i < fileCount; i++) {
    const id = `bench-file-${i}`;
    const key = `files/${user.customerId}/${id}`;
    await proxy.env.FILES_CH.put(key, bytes, { httpMetadata: { contentType: "image/png" } });
    await db
      .prepare(
        "INSERT OR IGNORE INTO files (id, customer_id, subject_id, uploaded_by, provider_id, owner_type, owner_id, message_id, content_type, size, name, object_key, state, created_at) VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, 'image/png', ?, ?, ?, 'attached', ?)",
      )
      .bind(id, user.customerId, user.id, user.id, bytes.length, `photo-${i}.png`, key, now)
      .run();
  }
  const count = await db
    .prepare("SELECT count(*) AS n FROM notification_items WHERE user_id = ?")
    .bind(user.id)
    .first<{ n: number }>();
  return { userId: user.id, items: count?.n ?? 0, files: fileCount, rooms: roomIds.length };
}

async function accessLog(rows: number, perObject: number, fresh: number) {
  const bucket = proxy.env.FILES_CH;
  const line = (t: string) =>
    JSON.stringify({
      t,
      app: "demo",
      method: "GET",
      route: "/api/buildings/:buildingId/posts",
      status: 200,
      ms: 3,
      ip: "192.0.2.1",
      ua: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
      ref: "",
    });
  const objects = Math.ceil(rows / perObject);
  // Expired: 100 to 190 days old, one object per hour slot (wrapping), keys in time order.
  const start = now - 190 * 86_400_000;
  const hours = 90 * 24;
  let written = 0;
  const put = async (t: Date, n: number, id: string) => {
    const iso = t.toISOString();
    const prefix = `access-log/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
    const body = `${Array.from({ length: n }, () => line(iso)).join("\n")}\n`;
    await bucket.put(`${prefix}${id}.ndjson`, body, { httpMetadata: { contentType: "application/x-ndjson" } });
  };
  const pending: Promise<void>[] = [];
  for (let i = 0; i < objects; i++) {
    const n = Math.min(perObject, rows - written);
    written += n;
    pending.push(put(new Date(start + (i % hours) * 3_600_000), n, `bench-${String(i).padStart(7, "0")}`));
    if (pending.length >= 32) await Promise.all(pending.splice(0));
  }
  for (let i = 0; i < fresh; i++) pending.push(put(new Date(now), perObject, `bench-fresh-${i}`));
  await Promise.all(pending);
  return { expiredRows: written, expiredObjects: objects, freshObjects: fresh };
}

/** What is left under access-log/: expired bench objects and fresh ones (the purge's verification). */
async function countAccessLog() {
  let expired = 0;
  let fresh = 0;
  let cursor: string | undefined;
  do {
    const page = await proxy.env.FILES_CH.list({ prefix: "access-log/", limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const o of page.objects) {
      if (o.key.includes("bench-fresh-")) fresh++;
      else if (o.key.includes("bench-")) expired++;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return { expired, fresh };
}

try {
  const out =
    mode === "heavy"
      ? await heavy(args[0] ?? "", Number(args[1]), Number(args[2]), Number(args[3]))
      : mode === "count-access-log"
        ? await countAccessLog()
        : await accessLog(Number(args[0]), Number(args[1]), Number(args[2]));
  console.log(JSON.stringify(out));
} finally {
  await proxy.dispose();
}
