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
  /** The password entered again to confirm an erasure is wrong (the session stays). */
  REAUTH_FAILED: 403,
  /** A data export past its 7 days: the file is gone or about to be; create a new one. */
  EXPORT_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  /** An upload over the size limit of its kind (images 10 MiB, PDF 20 MiB); nothing was stored. */
  FILE_TOO_LARGE: 413,
  /** An upload whose content is not JPEG, PNG, WebP, HEIC or PDF (judged by its bytes, not its name). */
  FILE_TYPE_NOT_ALLOWED: 415,
  /** A file already attached to something else, or uploaded by someone else. */
  FILE_NOT_ATTACHABLE: 409,
  /** Deleting a file that belongs to a ticket or document (the record keeps it); only unused uploads go. */
  FILE_IN_USE: 409,
  /** Feedback on a ticket that is not closed, or a second feedback. */
  TICKET_NOT_CLOSED: 409,
  /** A craftsman's work-order link past its expiry or revoked by the manager. */
  WORK_ORDER_ENDED: 410,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Idempotency-Key header of the wrong format (1–255 visible ASCII characters). */
  IDEMPOTENCY_KEY_INVALID: 400,
  /** The Idempotency-Key was used before for another method, path or body (within 24 hours). */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The first request with this Idempotency-Key has not answered yet: retry after Retry-After. */
  IDEMPOTENCY_KEY_IN_FLIGHT: 409,
  /** A webhook target that is not allowed (production: https only, no private, loopback or local hosts). */
  WEBHOOK_URL_REFUSED: 400,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  ROOM_UNAVAILABLE: 503,
  /** The micro-app (e.g. Service Center, Pinboard) is switched off for the customer or the resident's property (R-T3). */
  MICRO_APP_DISABLED: 403,
  /** An integrator's externalId already names another record of this customer (or one under another parent). */
  EXTERNAL_ID_TAKEN: 409,
  /** A data subject request taken in by staff cannot be acted on before the person's identity is verified. */
  IDENTITY_NOT_VERIFIED: 409,
  /** A staff invitation for the same address, role and scope is still pending: resend or revoke it instead. */
  INVITATION_PENDING: 409,
  /** A staff invitation that was accepted, revoked or has expired: its link no longer works. */
  INVITATION_ENDED: 410,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
  requestId: string;
}
