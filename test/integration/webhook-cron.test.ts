import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { countRows } from "../helpers/accounts";
import { makeWorld, PASSWORD, type World } from "../helpers/factories";
import { api, login } from "../helpers/http";
import { runMinuteCron } from "../helpers/staff";

// R-I3: the minute cron runs the webhook worker with the real outbound fetch. Its own file, so its
// storage holds no other test's endpoints (the real fetch would try them all).

let a: World;
let admin: string;

beforeAll(async () => {
  a = await makeWorld();
  admin = await login(a.emails.admin, PASSWORD, a.slug);
});

describe("the minute cron", () => {
  it("fans a change out and attempts it (a closed loopback port is logged as a failed attempt)", async () => {
    const res = await api("/api/webhooks", {
      app: a.slug,
      session: admin,
      json: { url: "http://127.0.0.1:9/cron-hook", entities: ["utilisation-period"] },
    });
    expect(res.status).toBe(201);
    const hook = (await res.json()) as { id: string };
    const created = await api(`/api/units/${a.unitIds[0]}/tenancies`, {
      app: a.slug,
      session: admin,
      json: { type: "vacant", startsOn: "2042-01-01" },
    });
    expect(created.status).toBe(201);
    await runMinuteCron(new Date(Date.now() + 60_000));
    const list = await api(`/api/webhooks/${hook.id}/deliveries`, { app: a.slug, session: admin });
    const [delivery] = (await list.json()) as { state: string; attempts: number; log: { outcome: string }[] }[];
    expect(delivery).toMatchObject({ state: "pending", attempts: 1 });
    expect(delivery?.log[0]?.outcome).toMatch(/^(network|timeout|http-error)$/);
    expect(
      await countRows(env.DB_CH, "SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id = ?", hook.id),
    ).toBe(1);
  });
});
