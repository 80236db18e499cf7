import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, runWebhooks } from "../../src/services/webhook-delivery";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { depsAt } from "../helpers/staff";
import { createWebhook, receiver, verifySignature } from "../helpers/webhooks";

// R-I3: master-data changes reach subscribed endpoints signed the Standard Webhooks way, are retried
// with back-off, logged per attempt, and an endpoint is disabled after persistent failure. The
// receiver stands in for the network (the outbound fetch is the delivery worker's only dependency
// that is replaced); storage, migrations and the API are the real ones.

let a: World;
let b: World;
const s = { aAdmin: "", aManager: "", aResident: "", bAdmin: "" };

beforeAll(async () => {
  a = await makeWorld();
  b = await makeWorld();
  s.aAdmin = await login(a.emails.admin, PASSWORD, a.slug);
  s.bAdmin = await login(b.emails.admin, PASSWORD, b.slug);
});

let day = 0;
/** A master-data change through the own API: a new (vacant) utilisation period of unit 1. */
async function newTenancy(w: World, session: string): Promise<string> {
  day++;
  const res = await api(`/api/units/${w.unitIds[0]}/tenancies`, {
    app: w.slug,
    session,
    json: { type: "vacant", startsOn: `2041-02-${String(day).padStart(2, "0")}`, externalId: `erp-${day}` },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A change row written the way the write paths do (src/services/master-data-changes.ts). */
async function change(w: World, entity: string, objectId: string, relatedId: string | null = null, when = Date.now()) {
  await env.DB_CH.prepare(
    "INSERT INTO master_data_changes (id, customer_id, entity, action, object_id, related_id, occurred_at) VALUES (?, ?, ?, 'updated', ?, ?, ?)",
  )
    .bind(crypto.randomUUID(), w.customerId, entity, objectId, relatedId, when)
    .run();
}

const MIN = 60_000;
const at = (msFromNow: number) => depsAt("ch", new Date(Date.now() + msFromNow));

interface DeliveryDto {
  id: string;
  type: string;
  state: string;
  attempts: number;
  log: { attempt: number; outcome: string; status: number | null; durationMs: number }[];
}
async function deliveriesOf(w: World, session: string, hookId: string): Promise<DeliveryDto[]> {
  const res = await api(`/api/webhooks/${hookId}/deliveries`, { app: w.slug, session });
  expect(res.status).toBe(200);
  return (await res.json()) as DeliveryDto[];
}

describe("signed delivery of a master-data change", () => {
  it("sends a thin, signed payload that an independent verifier accepts, and logs the attempt", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    const tenancyId = await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url);
    await runWebhooks(at(MIN), r.send);

    expect(r.got).toHaveLength(1);
    const msg = r.got[0];
    if (!msg) throw new Error("no delivery");
    expect(msg.contentType).toBe("application/json");
    expect(msg.redirect).toBe("manual");
    expect(msg.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(msg.timestamp) - (Date.now() + MIN) / 1000)).toBeLessThan(5);
    expect(await verifySignature(hook.secret, msg, msg.body)).toBe(true);
    const payload = JSON.parse(msg.body) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: "utilisation-period.created",
      data: { entity: "utilisation-period", action: "created", id: tenancyId, externalId: `erp-${day}` },
    });
    // Thin: ids only, no names, addresses or dates of the record.
    for (const leak of [a.emails.admin, "Person", "2041-02"]) expect(msg.body).not.toContain(leak);

    const [delivery] = await deliveriesOf(a, s.aAdmin, hook.id);
    expect(delivery).toMatchObject({ id: msg.id, type: "utilisation-period.created", state: "delivered", attempts: 1 });
    expect(delivery?.log).toEqual([
      {
        attempt: 1,
        outcome: "delivered",
        status: 200,
        durationMs: expect.any(Number),
        attemptedAt: expect.any(String),
      },
    ]);
    // The log keeps neither the receiver's answer nor our body.
    const logged = await env.DB_CH.prepare("SELECT * FROM webhook_attempts WHERE delivery_id = ?").bind(msg.id).all();
    expect(JSON.stringify(logged.results)).not.toContain("receiver body");
    expect(JSON.stringify(logged.results)).not.toContain(tenancyId);
  });

  it("fails verification for a one-byte change of body, id or timestamp, or another secret", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url);
    await runWebhooks(at(MIN), r.send);
    const msg = r.got[0];
    if (!msg) throw new Error("no delivery");
    expect(await verifySignature(hook.secret, msg, msg.body)).toBe(true);
    const flip = (t: string) => t.slice(0, -1) + (t.endsWith("}") ? " " : "}");
    expect(await verifySignature(hook.secret, msg, flip(msg.body))).toBe(false);
    expect(await verifySignature(hook.secret, { ...msg, id: `${msg.id}x` }, msg.body)).toBe(false);
    expect(await verifySignature(hook.secret, { ...msg, timestamp: String(Number(msg.timestamp) + 1) }, msg.body)).toBe(
      false,
    );
    const other = await createWebhook(a, s.aAdmin);
    expect(await verifySignature(other.secret, msg, msg.body)).toBe(false);
  });

  it("signs with both secrets for a day after a rotation", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    const rotated = await api(`/api/webhooks/${hook.id}/secret`, { app: a.slug, session: s.aAdmin, method: "POST" });
    const fresh = ((await rotated.json()) as { secret: string }).secret;
    await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url);
    await runWebhooks(at(MIN), r.send);
    const msg = r.got[0];
    if (!msg) throw new Error("no delivery");
    expect(msg.signature?.split(" ")).toHaveLength(2);
    expect(await verifySignature(fresh, msg, msg.body)).toBe(true);
    expect(await verifySignature(hook.secret, msg, msg.body)).toBe(true);
    // After the grace day only the new secret signs.
    await newTenancy(a, s.aAdmin);
    const later = receiver(hook.url);
    await runWebhooks(at(25 * 60 * MIN), later.send);
    const last = later.got.at(-1);
    if (!last) throw new Error("no delivery");
    expect(last.signature?.split(" ")).toHaveLength(1);
    expect(await verifySignature(hook.secret, last, last.body)).toBe(false);
    expect(await verifySignature(fresh, last, last.body)).toBe(true);
  });

  it("sends only subscribed entities and only the endpoint customer's changes", async () => {
    const unitsOnly = await createWebhook(a, s.aAdmin, ["unit"]);
    const theirs = await createWebhook(b, s.bAdmin, ["utilisation-period"]);
    await newTenancy(a, s.aAdmin);
    await change(a, "unit", a.unitIds[1]);
    const mine = receiver(unitsOnly.url);
    await runWebhooks(at(MIN), mine.send);
    expect(mine.got.map((m) => (JSON.parse(m.body) as { type: string }).type)).toEqual(["unit.updated"]);
    const other = receiver(theirs.url);
    await runWebhooks(at(2 * MIN), other.send);
    expect(other.got).toEqual([]);
  });

  it("never sends a change about a restricted or erased person, and never sends one twice", async () => {
    const hook = await createWebhook(a, s.aAdmin, ["user", "utilisation-period"]);
    await env.DB_CH.prepare("UPDATE users SET status = 'erased' WHERE id = ?").bind(a.userIds.otherBuilding).run();
    await env.DB_CH.prepare(
      "INSERT INTO processing_restrictions (id, customer_id, user_id, kind, created_at) VALUES (?, ?, ?, 'restriction', ?)",
    )
      .bind(crypto.randomUUID(), a.customerId, a.userIds.neighbour, Date.now())
      .run();
    await change(a, "user", a.userIds.otherBuilding);
    await change(a, "user", a.userIds.neighbour);
    await change(a, "utilisation-period", a.tenancyIds[0], a.userIds.neighbour);
    await change(a, "user", a.userIds.resident);
    const r = receiver(hook.url);
    await runWebhooks(at(MIN), r.send);
    await runWebhooks(at(MIN), r.send);
    expect(r.got.map((m) => (JSON.parse(m.body) as { data: { id: string } }).data.id)).toEqual([a.userIds.resident]);
    const states = (await deliveriesOf(a, s.aAdmin, hook.id)).map((d) => d.state).sort();
    expect(states).toEqual(["delivered", "skipped", "skipped", "skipped"]);
    for (const m of r.got) {
      expect(m.body).not.toContain(a.userIds.neighbour);
      expect(m.body).not.toContain(a.userIds.otherBuilding);
    }
  });
});

describe("retries and disabling", () => {
  it("retries a failed message with back-off under the same webhook-id, then delivers it", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url, [500, "throw"], 204);
    await runWebhooks(at(MIN), r.send);
    expect(r.got).toHaveLength(1);
    // Not due yet: the first wait is one minute (±10 %).
    await runWebhooks(at(MIN + 30_000), r.send);
    expect(r.got).toHaveLength(1);
    await runWebhooks(at(3 * MIN), r.send);
    expect(r.got).toHaveLength(2);
    // The second wait is five minutes.
    await runWebhooks(at(6 * MIN), r.send);
    expect(r.got).toHaveLength(2);
    await runWebhooks(at(9 * MIN), r.send);
    expect(r.got).toHaveLength(3);
    expect(new Set(r.got.map((m) => m.id)).size).toBe(1);
    const [delivery] = await deliveriesOf(a, s.aAdmin, hook.id);
    expect(delivery).toMatchObject({ state: "delivered", attempts: 3 });
    expect(delivery?.log.map((l) => [l.outcome, l.status])).toEqual([
      ["http-error", 500],
      ["network", null],
      ["delivered", 204],
    ]);
  });

  it("counts a redirect as a failure (redirects are never followed)", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url, [302]);
    await runWebhooks(at(MIN), r.send);
    const [delivery] = await deliveriesOf(a, s.aAdmin, hook.id);
    expect(delivery).toMatchObject({ state: "pending", attempts: 1 });
    expect(delivery?.log[0]).toMatchObject({ outcome: "redirect", status: 302 });
  });

  it("keeps an endpoint that succeeded in between (only a streak without success disables)", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    await newTenancy(a, s.aAdmin);
    // The receiver always refuses the first message and accepts every other one.
    let first: string | null = null;
    const r = receiver(hook.url);
    const send = async (req: Request) => {
      if (req.url === hook.url) first ??= req.headers.get("webhook-id");
      const res = await r.send(req);
      return req.headers.get("webhook-id") === first ? new Response(null, { status: 503 }) : res;
    };
    await runWebhooks(at(MIN), send);
    await newTenancy(a, s.aAdmin);
    let t = MIN;
    for (const wait of RETRY_DELAYS_MS) {
      t += wait * 1.1 + MIN;
      await runWebhooks(at(t), send);
    }
    const states = (await deliveriesOf(a, s.aAdmin, hook.id)).map((d) => d.state).sort();
    expect(states).toEqual(["delivered", "failed"]);
    const list = (await (await api("/api/webhooks", { app: a.slug, session: s.aAdmin })).json()) as {
      id: string;
      enabled: boolean;
    }[];
    expect(list.find((x) => x.id === hook.id)?.enabled).toBe(true);
  });

  it("sends each message once when two runs overlap (claims are exclusive)", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    for (let i = 0; i < 5; i++) await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url);
    await Promise.all([runWebhooks(at(MIN), r.send), runWebhooks(at(MIN), r.send)]);
    await runWebhooks(at(MIN), r.send);
    expect(r.got).toHaveLength(5);
    expect(new Set(r.got.map((m) => m.id)).size).toBe(5);
  });

  it("gives a message up after 8 attempts over about 28 hours and disables the endpoint that never answered", async () => {
    const hook = await createWebhook(a, s.aAdmin);
    await newTenancy(a, s.aAdmin);
    const r = receiver(hook.url, [], 503);
    let t = MIN;
    await runWebhooks(at(t), r.send);
    for (const wait of RETRY_DELAYS_MS) {
      t += wait * 1.1 + MIN;
      await runWebhooks(at(t), r.send);
    }
    expect(r.got).toHaveLength(MAX_ATTEMPTS);
    expect(t).toBeLessThan(31 * 60 * MIN);
    const [delivery] = await deliveriesOf(a, s.aAdmin, hook.id);
    expect(delivery).toMatchObject({ state: "failed", attempts: 8 });
    const list = (await (await api("/api/webhooks", { app: a.slug, session: s.aAdmin })).json()) as {
      id: string;
      enabled: boolean;
      disabledReason: string | null;
    }[];
    expect(list.find((x) => x.id === hook.id)).toMatchObject({ enabled: false, disabledReason: "failing" });

    // Disabled: a change (on the simulated clock, as the write paths stamp it) waits, nothing is sent.
    await change(a, "utilisation-period", a.tenancyIds[0], null, Date.now() + t + 30_000);
    await runWebhooks(at(t + MIN), r.send);
    expect(r.got).toHaveLength(MAX_ATTEMPTS);
    // Re-enabled by the admin: what changed meanwhile is delivered.
    const enabled = await api(`/api/webhooks/${hook.id}`, {
      app: a.slug,
      session: s.aAdmin,
      method: "PATCH",
      json: { enabled: true },
    });
    expect(await enabled.json()).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    const ok = receiver(hook.url);
    await runWebhooks(at(t + 2 * MIN), ok.send);
    expect(ok.got).toHaveLength(1);
  });
});
