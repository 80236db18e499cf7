import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { d1PersonalDataStore } from "../../src/privacy/stores";
import { purgeRegion } from "../../src/services/purge";
import { purgeDryRun } from "../../src/services/purge-dry-run";
import { STAFF_INVITATION_RETENTION_MS } from "../../src/services/staff-invitation-purge";
import { dbOfWorld, freshEmail, loginAs } from "../helpers/accounts";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api } from "../helpers/http";
import { depsAt } from "../helpers/staff";
import { acceptForm, cookieOf, invitationFromMail, invite, openPage } from "../helpers/staff-invitations";

// R-P4, R-P9, R-P13, R-P14 for staff invitations (decision 0039): the rows are in the data map and
// reached by export and erasure through the address; the purge deletes accepted, revoked and expired
// invitations 30 days later (boundary tested); no address, name or token reaches a log line.

afterEach(() => {
  vi.restoreAllMocks();
});

const DAY = 86_400_000;

async function insertInvitation(w: World, id: string, at: { accepted?: number; revoked?: number; expires: number }) {
  await dbOfWorld(w)
    .prepare(
      `INSERT INTO staff_invitations (id, customer_id, email, locale, role, scope_type, scope_id, token_hash,
         invited_by, expires_at, sent_at, send_count, revoked_at, accepted_at, created_at)
       VALUES (?1, ?2, ?3, 'de', 'customer_admin', 'customer', ?2, ?4, ?5, ?6, ?6, 1, ?7, ?8, ?6)`,
    )
    .bind(
      id,
      w.customerId,
      `${id}@example.test`,
      `hash-${id}`,
      w.userIds.admin,
      at.expires,
      at.revoked ?? null,
      at.accepted ?? null,
    )
    .run();
}

const exists = async (w: World, id: string) =>
  (await dbOfWorld(w).prepare("SELECT id FROM staff_invitations WHERE id = ?").bind(id).first()) !== null;

describe("staff invitation retention (R-P14)", () => {
  it("deletes accepted, revoked and expired invitations 30 days later, not a millisecond earlier", async () => {
    const w = await makeWorld();
    const now = Date.UTC(2031, 0, 15, 12);
    const edge = now - STAFF_INVITATION_RETENTION_MS;
    const u = crypto.randomUUID().slice(0, 8);
    const rows = {
      acceptedOld: { accepted: edge, expires: now + DAY },
      acceptedNew: { accepted: edge + 1, expires: now + DAY },
      revokedOld: { revoked: edge, expires: now + DAY },
      revokedNew: { revoked: edge + 1, expires: now + DAY },
      expiredOld: { expires: edge },
      expiredNew: { expires: edge + 1 },
      pending: { expires: now + DAY },
    };
    for (const [k, at] of Object.entries(rows)) await insertInvitation(w, `${k}-${u}`, at);
    const deps = depsAt(w.jurisdiction, new Date(now));
    const dry = await purgeDryRun(deps);
    const report = await purgeRegion(deps);
    expect(report.staffInvitations).toBe(3);
    expect(dry.staffInvitations).toBe(report.staffInvitations);
    for (const k of ["acceptedOld", "revokedOld", "expiredOld"]) expect(await exists(w, `${k}-${u}`), k).toBe(false);
    for (const k of ["acceptedNew", "revokedNew", "expiredNew", "pending"])
      expect(await exists(w, `${k}-${u}`), k).toBe(true);
    expect((await purgeRegion(deps)).staffInvitations).toBe(0);
  });
});

describe("staff invitations in export and erasure (R-P2, R-P4)", () => {
  it("exports the accepted invitation with the account (never the token hash) and erases it with the account", async () => {
    const w = await makeWorld();
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const email = freshEmail("exported");
    await invite(w, admin, { email, role: "customer_admin", scopeType: "customer", name: "Eve Export" });
    const { token } = await invitationFromMail(w.slug, email);
    const res = await acceptForm(w.slug, { token, name: "Eve Export", password: "a passphrase to export" });
    expect(res.status).toBe(303);
    const db = dbOfWorld(w);
    const user = await db.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
    const subject = { customerId: w.customerId, userId: user?.id ?? "", jurisdiction: w.jurisdiction };
    const store = d1PersonalDataStore(db, w.jurisdiction);
    const exported = await store.exportPerson(subject);
    const rows = exported.tables.staff_invitations ?? [];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email, name: "Eve Export", role: "customer_admin" });
    expect(Object.keys(rows[0] ?? {})).not.toContain("token_hash");
    await store.erasePerson(subject);
    const left = await db
      .prepare("SELECT count(*) AS n FROM staff_invitations WHERE customer_id = ?")
      .bind(w.customerId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("staff invitations in logs (R-P9)", () => {
  it("writes no address, name or token to the console or the access log: ids and routes only", async () => {
    const w = await makeWorld();
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    };
    for (const level of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, level).mockImplementation(capture);
    const accepted: QueueSendResponse = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    for (const q of [env.ACCESS_LOG_CH, env.ACCESS_LOG_EU]) {
      vi.spyOn(q, "send").mockImplementation(async (body) => {
        capture(body);
        return accepted;
      });
    }
    const admin = await loginAs(w.slug, w.emails.admin, PASSWORD);
    const email = freshEmail("quiet");
    const name = "Quentin Quiet";
    const first = await invite(w, admin, {
      email,
      name,
      role: "property_manager",
      scopeType: "property",
      scopeId: w.propertyId,
    });
    const { invitation } = (await first.json()) as { invitation: { id: string } };
    const old = await invitationFromMail(w.slug, email);
    await api(`/api/staff-invitations/${invitation.id}/resend`, { app: w.slug, session: admin, method: "POST" });
    const { token } = await invitationFromMail(w.slug, email);
    await openPage(w.slug, old.token);
    await openPage(w.slug, token);
    await acceptForm(w.slug, { token, name, password: "short" });
    const done = await acceptForm(w.slug, { token, name, password: "a quiet long passphrase" });
    expect(cookieOf(done)).toBeTruthy();
    await acceptForm(w.slug, { token, name, password: "a quiet long passphrase" });
    await api("/api/staff-invitations", { app: w.slug, session: admin });
    const text = lines.join("\n");
    expect(text).toContain("/staff-invitation");
    for (const secret of [email, name, token, old.token, await sha256Hex(token), encodeURIComponent(token)]) {
      expect(text).not.toContain(secret);
    }
  });
});
