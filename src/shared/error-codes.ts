/** Stable error codes of the one error envelope. Shared with the web client; listed in README. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  EMAIL_NOT_VERIFIED: 403,
  NOT_FOUND: 404,
  UNKNOWN_APP: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  TENANCY_OVERLAP: 409,
  TOKEN_INVALID: 400,
  CODE_INVALID: 400,
  INVITES_DISABLED: 403,
  NO_TENANCY: 409,
  ALREADY_DECIDED: 409,
  ALREADY_REPORTED: 409,
  ACK_NOT_REQUIRED: 409,
  OWN_POST: 403,
  LAST_ADMIN: 409,
  /** A data export past its 7 days: the file is gone or about to be; create a new one. */
  EXPORT_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  ROOM_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
  requestId: string;
}
