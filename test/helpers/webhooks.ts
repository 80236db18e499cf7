import { expect } from "vitest";
import type { WebhookSender } from "../../src/services/webhook-delivery";
import type { World } from "./factories";
import { api } from "./http";

/** Helpers of the webhook suites: a capturing receiver and an independent Standard Webhooks verifier. */

const enc = new TextEncoder();
const bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

/**
 * Verifies a delivery as a receiver would, written from the Standard Webhooks spec with WebCrypto
 * only (not with the code under test): any `v1,` signature of "<id>.<timestamp>.<body>" under the
 * base64-decoded secret must verify (crypto.subtle.verify compares in constant time).
 */
export async function verifySignature(
  secret: string,
  h: { id: string | null; timestamp: string | null; signature: string | null },
  body: string,
): Promise<boolean> {
  if (!h.id || !h.timestamp || !h.signature || !secret.startsWith("whsec_")) return false;
  const key = await crypto.subtle.importKey("raw", bytes(secret.slice(6)), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  for (const part of h.signature.split(" ")) {
    const [version, sig] = part.split(",");
    if (version !== "v1" || !sig) continue;
    if (await crypto.subtle.verify("HMAC", key, bytes(sig), enc.encode(`${h.id}.${h.timestamp}.${body}`))) return true;
  }
  return false;
}

export interface Received {
  url: string;
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  contentType: string | null;
  redirect: string;
  body: string;
}

/**
 * A receiver standing in for the network: records every request to its URL and answers with the next
 * scripted status (then `fallback`); requests to other URLs (other tests' endpoints) get 200.
 */
export function receiver(url: string, script: (number | "throw")[] = [], fallback = 200) {
  const got: Received[] = [];
  const send: WebhookSender = async (req) => {
    if (req.url !== url) return new Response(null, { status: 200 });
    got.push({
      url: req.url,
      id: req.headers.get("webhook-id"),
      timestamp: req.headers.get("webhook-timestamp"),
      signature: req.headers.get("webhook-signature"),
      contentType: req.headers.get("content-type"),
      redirect: req.redirect,
      body: await req.text(),
    });
    const next = script.shift() ?? fallback;
    if (next === "throw") throw new TypeError("Network connection lost.");
    const body = next === 204 || next === 205 || next === 304 ? null : "receiver body, never logged";
    return new Response(body, {
      status: next,
      headers: { location: "https://elsewhere.test/" },
    });
  };
  return { got, send };
}

export interface CreatedWebhook {
  id: string;
  secret: string;
  url: string;
}

let n = 0;
/** Registers an endpoint as the customer admin through the API; each gets its own URL. */
export async function createWebhook(
  w: World,
  session: string,
  entities: string[] = ["utilisation-period", "user", "unit"],
): Promise<CreatedWebhook> {
  n++;
  const url = `https://receiver-${n}.example.test/hooks/${crypto.randomUUID()}`;
  const res = await api("/api/webhooks", { app: w.slug, session, json: { url, entities } });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; secret: string; url: string };
  return { id: body.id, secret: body.secret, url: body.url };
}
