import { describe, expect, it } from "vitest";
import { newWebhookSecret, signWebhook, webhookHeaders } from "../../src/services/webhook-signing";
import { verifySignature } from "../helpers/webhooks";

// R-I3 / security H2: signatures are the Standard Webhooks scheme — the spec's published test vector,
// and random messages checked by the independent verifier of test/helpers/webhooks.ts.

describe("Standard Webhooks signatures", () => {
  it("reproduces the specification's published test vector", async () => {
    const sig = await signWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("verifies 300 random messages and refuses every one-character tamper of body, id or timestamp", async () => {
    const randomText = () =>
      Array.from(crypto.getRandomValues(new Uint16Array(1 + (crypto.getRandomValues(new Uint8Array(1))[0] ?? 0))))
        .map((n) => String.fromCodePoint(32 + (n % 0xd000)))
        .join("");
    const tamper = (t: string) => {
      const i = t.length - 1;
      return t.slice(0, i) + (t[i] === "x" ? "y" : "x");
    };
    for (let i = 0; i < 300; i++) {
      const secret = newWebhookSecret();
      const id = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
      const ts = 1_700_000_000 + i;
      const body = JSON.stringify({ text: randomText() });
      const h = await webhookHeaders([secret], id, ts, body);
      const sent = {
        id: h["webhook-id"] ?? null,
        timestamp: h["webhook-timestamp"] ?? null,
        signature: h["webhook-signature"] ?? null,
      };
      expect(await verifySignature(secret, sent, body)).toBe(true);
      expect(await verifySignature(secret, sent, tamper(body))).toBe(false);
      expect(await verifySignature(secret, { ...sent, id: tamper(id) }, body)).toBe(false);
      expect(await verifySignature(secret, { ...sent, timestamp: String(ts + 1) }, body)).toBe(false);
    }
  });

  it("creates distinct 32-byte secrets", () => {
    const secrets = new Set(Array.from({ length: 50 }, newWebhookSecret));
    expect(secrets.size).toBe(50);
    for (const s of secrets) expect(atob(s.slice("whsec_".length))).toHaveLength(32);
  });
});
