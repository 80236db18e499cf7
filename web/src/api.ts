import type { ErrorBody, ErrorCode } from "../../src/shared/error-codes";

/** A refused request, with the stable code of the API's one error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "NETWORK",
    message: string,
  ) {
    super(message);
  }
}

/** JSON over the same origin with the session cookie; errors become `ApiError`s. */
export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      credentials: "same-origin",
      headers: init.json === undefined ? {} : { "content-type": "application/json" },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  } catch {
    throw new ApiError(0, "NETWORK", "offline");
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const e = (body as ErrorBody | null)?.error;
    throw new ApiError(res.status, e?.code ?? "INTERNAL", e?.message ?? res.statusText);
  }
  return body as T;
}

export interface Me {
  id: string;
  name: string;
  email: string;
  locale: "de" | "fr" | "it" | "en";
  customer: { id: string; name: string; slug: string; jurisdiction: "ch" | "eu" };
  roles: { admin: boolean; staff: boolean; managedBuildingIds: string[] };
  memberships: { buildingId: string; unitId: string; tenancyId: string; endsOn: string | null }[];
  apps: { key: string; name: string | null }[];
  /** The micro-apps on in each building (computed by the server: property override, missing = on). */
  buildingApps: { buildingIds: string[]; apps: { key: string; name: string | null }[] }[];
}

export interface Building {
  id: string;
  propertyId: string;
  name: string;
  street: string;
  postalCode: string;
  city: string;
}

export interface Page<T> {
  items: T[];
  next: string | null;
  headSeq: number;
}
