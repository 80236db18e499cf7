import { expect } from "vitest";
import { ERROR_STATUS, type ErrorCode } from "../../src/shared/error-codes";

const ERROR_KEYS = new Set(["code", "message", "details"]);

/**
 * Checks the one error envelope: `{error:{code,message,details?},requestId}` and nothing else, the
 * status that belongs to the code, `x-request-id` equal to `requestId`, and no stack or SQL text.
 * Returns the code so callers can assert it.
 */
export async function envelopeOf(res: Response): Promise<ErrorCode> {
  expect(res.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["error", "requestId"]);
  const error = body.error as Record<string, unknown>;
  expect(Object.keys(error).filter((k) => !ERROR_KEYS.has(k))).toEqual([]);
  expect(typeof error.code).toBe("string");
  expect(typeof error.message).toBe("string");
  const code = error.code as ErrorCode;
  expect(Object.keys(ERROR_STATUS)).toContain(code);
  expect(res.status).toBe(ERROR_STATUS[code]);
  expect(typeof body.requestId).toBe("string");
  expect(body.requestId).not.toBe("");
  expect(res.headers.get("x-request-id")).toBe(body.requestId);
  expect(JSON.stringify(body)).not.toMatch(/\bat \S+ \(|\.ts:\d+|\bSELECT\b|\bINSERT\b|SQLITE/i);
  return code;
}
