import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { mailsTo } from "./accounts";
import type { World } from "./factories";
import { api, ORIGIN_OF } from "./http";

/** Helpers of the staff invitation suites (decision 0039). */

export const invite = (w: World, session: string, json: unknown) =>
  api("/api/staff-invitations", { app: w.slug, session, json });

export interface InvitationDto {
  id: string;
  email: string;
  name: string | null;
  language: string;
  role: string;
  scopeType: string;
  scopeId: string;
  status: "pending" | "expired";
  expiresAt: string;
  sentAt: string;
  sendCount: number;
  createdAt: string;
}

export async function listInvitations(w: World, session: string): Promise<InvitationDto[]> {
  const res = await api("/api/staff-invitations", { app: w.slug, session });
  expect(res.status).toBe(200);
  return (await res.json()) as InvitationDto[];
}

/** The token and language of the newest invitation mail to an address, read from its link. */
export async function invitationFromMail(slug: string, to: string) {
  const mail = (await mailsTo(slug, to)).find((m) => m.template === "staff-invitation");
  const m = mail && /\/staff-invitation\?token=([\w%-]+)&lang=(\w+)/.exec(mail.body);
  if (!mail || !m?.[1] || !m[2]) throw new Error(`no staff invitation mail to ${to}`);
  return { mail, token: decodeURIComponent(m[1]), lang: m[2] };
}

export const openPage = (slug: string, token: string, lang = "en", session?: string) =>
  api(`/staff-invitation?token=${encodeURIComponent(token)}&lang=${lang}`, { app: slug, session });

/** Posts the page's form as a browser without script would (redirects are not followed). */
export function acceptForm(slug: string, fields: Record<string, string>, lang = "en") {
  const origin = ORIGIN_OF(slug);
  return exports.default.fetch(
    new Request(`${origin}/staff-invitation?lang=${lang}`, {
      method: "POST",
      redirect: "manual",
      headers: { host: new URL(origin).host, origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
    }),
  );
}

/** The session token set by a response (the page logs the new manager in). */
export function cookieOf(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith("__Host-quartier_session="));
  return set?.split(";")[0]?.split("=")[1] || undefined;
}
