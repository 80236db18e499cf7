import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { expect, vi } from "vitest";
import type { BuildingRoom } from "../../durable-objects/building-room";
import { dbOf, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { type Hit, listKeys, scanD1 } from "../helpers/scan";
import { upload } from "../helpers/tickets";
import { cid, joinRoom, post, roomStub, sessionOf, write } from "../helpers/ws";
import { type PrivacyScene, privacyScene } from "./privacy-scene";

/**
 * The erasure scene (issue 5's check): the privacy scene (posts, comments, reactions, DMs sent and
 * received, profile in building 1, which the resident then left; a post in building 2), plus a phone
 * number in a chat message, a moderation report with a note, a reset mail in the outbox and a data
 * export in R2. Canaries: the resident's e-mail and name, the phone (formatted and digits only) and
 * the free-text canary.
 */
export interface ErasureScene extends PrivacyScene {
  needles: string[];
}

export async function erasureScene(w: World): Promise<ErasureScene> {
  const scene = await privacyScene(w);
  const phone = `+41 79 ${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  const me = await joinRoom(w, "resident", { buildingId: w.buildingIds[1] });
  await write(me, { type: "chat.send", clientId: cid("phone"), body: `call me ${phone} ${scene.canary}` });
  me.close();
  const other = await joinRoom(w, "otherBuilding", { buildingId: w.buildingIds[1] });
  const { postId } = await post(other, "bike for sale");
  other.close();
  const session = await sessionOf(w, "resident");
  const report = await api(`/api/buildings/${w.buildingIds[1]}/posts/${postId}/reports`, {
    app: w.slug,
    session,
    json: { reason: "spam", note: `note ${scene.canary} ${phone.replaceAll(" ", "")}` },
  });
  expect(report.status).toBe(201);
  expect((await api("/api/auth/password-reset", { app: w.slug, json: { email: w.emails.resident } })).status).toBe(202);
  // An upload (files feature) with the canary in its bytes; the export below packs it too.
  const pdf = new TextEncoder().encode(`%PDF-1.7\n% upload ${scene.canary}\n%%EOF\n`);
  await upload(w, session, pdf, "lease.pdf");
  expect((await api("/api/me/exports", { app: w.slug, method: "POST", session })).status).toBe(201);
  const row = await dbOf(w.jurisdiction)
    .prepare("SELECT name FROM users WHERE id = ?1")
    .bind(w.userIds.resident)
    .first<{ name: string }>();
  // The free texts, not the bare canary: the scene also uses it in ids (units, tenancies), which are no values.
  const needles = [
    w.emails.resident,
    row?.name ?? "",
    phone,
    phone.replaceAll(" ", ""),
    ...Object.values(scene.texts),
    `note ${scene.canary}`,
    `upload ${scene.canary}`,
  ];
  return { ...scene, needles };
}

/** Every row of every SQL table of a room, as JSON text (KV is not used by rooms). */
export async function roomDump(w: World, buildingId: string): Promise<string> {
  return runInDurableObject(roomStub(w, buildingId), (_: BuildingRoom, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .toArray();
    return JSON.stringify(tables.map((t) => [t.name, state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()]));
  });
}

/**
 * The canary scan: every table of both jurisdictions' databases, every room of the world (both
 * buildings: the one the resident left and the current one), both buckets, and the captured console.
 */
export async function canaryScan(w: World, needles: readonly string[], consoleLines: readonly string[] = []) {
  const hits: Hit[] = [
    ...(await scanD1(env.DB_CH, needles, "d1:ch")),
    ...(await scanD1(env.DB_EU, needles, "d1:eu")),
    ...(await scanBucket(env.FILES_CH, needles, "r2:ch")),
    ...(await scanBucket(env.FILES_EU, needles, "r2:eu")),
  ];
  for (const b of w.buildingIds) {
    const text = (await roomDump(w, b)).toLowerCase();
    for (const n of needles)
      if (text.includes(n.toLowerCase())) hits.push({ store: `room:${b}`, where: b, needle: n, found: "" });
  }
  const logged = consoleLines.join("\n").toLowerCase();
  for (const n of needles)
    if (logged.includes(n.toLowerCase())) hits.push({ store: "console", where: "", needle: n, found: "" });
  return hits;
}

/** Captures everything written to the console until `stop()`. */
export function captureConsole() {
  const lines: string[] = [];
  for (const m of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
  }
  return { lines, stop: () => vi.restoreAllMocks() };
}

/** `PRAGMA foreign_key_check` of both databases: every reference still points to a row. */
export async function foreignKeyProblems() {
  const out: unknown[] = [];
  for (const db of [env.DB_CH, env.DB_EU]) {
    const { results } = await db.prepare("PRAGMA foreign_key_check").all();
    out.push(...results);
  }
  return out;
}

/** Every object of a bucket: key and text, with ZIPs (data exports) unpacked so their JSON is searched too. */
async function scanBucket(bucket: R2Bucket, needles: readonly string[], store: string): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const key of await listKeys(bucket)) {
    const bytes = new Uint8Array((await (await bucket.get(key))?.arrayBuffer()) ?? new ArrayBuffer(0));
    let text = `${key}\n${strFromU8(bytes, true)}`;
    if (key.endsWith(".zip")) for (const f of Object.values(unzipSync(bytes))) text += `\n${strFromU8(f)}`;
    const hay = text.toLowerCase();
    for (const n of needles) if (hay.includes(n.toLowerCase())) hits.push({ store, where: key, needle: n, found: "" });
  }
  return hits;
}
