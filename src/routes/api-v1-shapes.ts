import { z } from "@hono/zod-openapi";
import type { Locale } from "../db/schema/customers";
import type { Building, Property, Unit } from "../db/schema/estate";
import type { ActivationCode } from "../db/schema/onboarding";
import type { Tenancy, User } from "../db/schema/people";
import { formatCode } from "../lib/codes";
import { AppError } from "../lib/errors";
import { type GroupStats, type ListQuery, MAX_PAGE, splitStreet } from "../services/master-data";

/** A path parameter of the v1 API (ids up to 128 characters). */
export const v1PathId = (name: string) =>
  z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name, in: "path" } });
/** A required JSON body of the v1 API. */
export const v1Body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
/** The OpenAPI tag of every v1 route. */
export const V1_TAGS = ["Integrator API (Allthings v1)"];

/**
 * Wire shapes of the Allthings REST API v1 (allthings-api.md §2–§3), built field by field from our
 * rows. Fields Quartier does not keep come back with their neutral value (null, false, []), so SDK
 * code reading them does not break; wire names of §2.5 (`tenantIDs`, `propertyManagerID`, `tenantID`).
 */

const ALLTHINGS_LOCALE: Record<Locale, string> = { de: "de_DE", fr: "fr_FR", it: "it_IT", en: "en_US" };
export const allthingsLocale = (l: Locale) => ALLTHINGS_LOCALE[l];
/** Allthings locale → ours; undefined for a language Quartier does not offer (the customer's is used). */
export function quartierLocale(l: string | undefined): Locale | undefined {
  if (!l) return undefined;
  // `ch_DE` is Swiss German: the language follows the region prefix; otherwise it comes first.
  const lang = (/^(?:ch_)?([a-z]{2})/i.exec(l)?.[1] ?? "").toLowerCase();
  return (["de", "fr", "it", "en"] as const).find((x) => x === lang);
}

/** A day from `YYYY-MM-DD` or an ISO instant (the SDK sends Dates as `…T00:00:00.000Z`). */
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, "Expected YYYY-MM-DD")
  .transform((s) => s.slice(0, 10));

export function parseList(q: {
  filter?: string | undefined;
  limit?: string | undefined;
  page?: string | undefined;
}): ListQuery {
  let filter: unknown = {};
  if (q.filter !== undefined && q.filter !== "") {
    try {
      filter = JSON.parse(q.filter);
    } catch {
      throw new AppError("VALIDATION_FAILED", "The request is invalid.", [{ path: "filter", message: "Not JSON" }]);
    }
  }
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new AppError("VALIDATION_FAILED", "The request is invalid.", [
      { path: "filter", message: "Expected a JSON object" },
    ]);
  }
  const limit = q.limit === undefined ? -1 : Number(q.limit);
  const page = q.page === undefined ? 1 : Number(q.page);
  if (!Number.isInteger(limit) || (limit !== -1 && (limit < 1 || limit > MAX_PAGE))) {
    throw new AppError("VALIDATION_FAILED", "The request is invalid.", [
      { path: "limit", message: `-1 or 1…${MAX_PAGE}` },
    ]);
  }
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000) {
    throw new AppError("VALIDATION_FAILED", "The request is invalid.", [{ path: "page", message: "1 or more" }]);
  }
  return { filter: filter as Record<string, unknown>, page, limit };
}

export const listQuery = z.object({
  filter: z.string().optional().openapi({
    description: "JSON object: field → value or list of values (any of); keys ANDed",
    example: '{"externalId":["P-1"]}',
  }),
  limit: z.string().optional().openapi({ description: "Page size, -1 = all (default)", example: "50" }),
  page: z.string().optional().openapi({ description: "1-based page", example: "1" }),
});

export const envelope = <T extends z.ZodType>(item: T) =>
  z.object({ _embedded: z.object({ items: z.array(item) }), total: z.number().int() });

const billing = { billingPeriodStartDate: null, billingPeriodEndDate: null } as const;

export const v1Property = z
  .object({
    id: z.string(),
    name: z.string(),
    label: z.string().nullable(),
    timezone: z.string(),
    externalId: z.string().nullable(),
    propertyOwner: z.null(),
    readOnly: z.boolean(),
    billingPeriodStartDate: z.null(),
    billingPeriodEndDate: z.null(),
  })
  .openapi("V1Property", {
    example: {
      id: "3f2c…",
      name: "Wohnpark Limmat",
      label: "WPL",
      timezone: "Europe/Zurich",
      externalId: "P-1001",
      propertyOwner: null,
      readOnly: false,
      billingPeriodStartDate: null,
      billingPeriodEndDate: null,
    },
  });
export const propertyOut = (p: Property): z.infer<typeof v1Property> => ({
  id: p.id,
  name: p.name,
  label: p.label,
  timezone: p.timezone,
  externalId: p.externalId,
  propertyOwner: null,
  readOnly: false,
  ...billing,
});

const stats = z.object({
  tenantCount: z.number(),
  invitationCount: z.number(),
  occupancy: z.number().optional(),
  unitCount: z.number().optional(),
  inhabitedUnits: z.number().optional(),
});

export const v1Group = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    externalId: z.string().nullable(),
    propertyManagerID: z.string().nullable(),
    property: z.string(),
    propertyOwner: z.null(),
    readOnly: z.boolean(),
    billingPeriodStartDate: z.null(),
    billingPeriodEndDate: z.null(),
    address: z.object({
      street: z.string().nullable(),
      houseNumber: z.string().nullable(),
      postalCode: z.string().nullable(),
      city: z.string().nullable(),
      country: z.string().nullable(),
      latitude: z.null(),
      longitude: z.null(),
      type: z.null(),
    }),
    stats: stats.optional(),
  })
  .openapi("V1Group", {
    example: {
      id: "9a1e…",
      name: "Limmatstrasse 12",
      description: null,
      externalId: "B-1001-1",
      propertyManagerID: null,
      property: "3f2c…",
      propertyOwner: null,
      readOnly: false,
      billingPeriodStartDate: null,
      billingPeriodEndDate: null,
      address: {
        street: "Limmatstrasse",
        houseNumber: "12",
        postalCode: "8005",
        city: "Zürich",
        country: "CH",
        latitude: null,
        longitude: null,
        type: null,
      },
      stats: { tenantCount: 2, invitationCount: 1, occupancy: 0.5, unitCount: 4, inhabitedUnits: 2 },
    },
  });
export const groupOut = (b: Building, s?: GroupStats): z.infer<typeof v1Group> => {
  const { street, houseNumber } = splitStreet(b);
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    externalId: b.externalId,
    propertyManagerID: b.propertyManagerId,
    property: b.propertyId,
    propertyOwner: null,
    readOnly: false,
    ...billing,
    address: {
      street: street || null,
      houseNumber: houseNumber || null,
      postalCode: b.postalCode || null,
      city: b.city || null,
      country: b.country || null,
      latitude: null,
      longitude: null,
      type: null,
    },
    ...(s ? { stats: s } : {}),
  };
};

export const v1Unit = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(["rented", "owned"]),
    objectType: z.string().nullable(),
    size: z.number().nullable(),
    externalId: z.string().nullable(),
    group: z.string(),
    propertyOwner: z.null(),
    readOnly: z.boolean(),
    billingPeriodStartDate: z.null(),
    billingPeriodEndDate: z.null(),
    stats: z.object({ tenantCount: z.number(), invitationCount: z.number() }).optional(),
  })
  .openapi("V1Unit");
export const unitOut = (u: Unit, s?: { tenantCount: number; invitationCount: number }): z.infer<typeof v1Unit> => ({
  id: u.id,
  name: u.name,
  type: u.tenure,
  objectType: u.objectType,
  size: u.size,
  externalId: u.externalId,
  group: u.buildingId,
  propertyOwner: null,
  readOnly: false,
  ...billing,
  ...(s ? { stats: s } : {}),
});

export const v1User = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    emailValidated: z.boolean(),
    locale: z.string(),
    externalId: z.string().nullable(),
    type: z.string().nullable(),
    roles: z.array(z.string()),
    tenantIDs: z.record(z.string(), z.string()),
    properties: z.array(z.string()),
    gender: z.null(),
    description: z.null(),
    phoneNumber: z.null(),
    profileImage: z.null(),
    communicationPreferences: z.array(z.unknown()),
    inviteEmailSent: z.boolean(),
    passwordChanged: z.boolean(),
    lastLogin: z.null(),
    createdAt: z.string(),
    deletionRequestedAt: z.null(),
    publicProfile: z.boolean(),
    receiveAdminNotifications: z.boolean(),
    nativeAppInstallIds: z.array(z.string()),
    readOnly: z.boolean(),
  })
  .openapi("V1User");
export const userOut = (u: User, o: { type?: string | null; roles?: string[] } = {}): z.infer<typeof v1User> => ({
  id: u.id,
  username: u.name,
  email: u.email,
  emailValidated: u.emailVerifiedAt !== null,
  locale: allthingsLocale(u.locale),
  externalId: u.externalId,
  type: o.type ?? null,
  roles: o.roles ?? [],
  tenantIDs: {},
  properties: [],
  gender: null,
  description: null,
  phoneNumber: null,
  profileImage: null,
  communicationPreferences: [],
  inviteEmailSent: false,
  passwordChanged: false,
  lastLogin: null,
  createdAt: u.createdAt.toISOString(),
  deletionRequestedAt: null,
  publicProfile: false,
  receiveAdminNotifications: false,
  nativeAppInstallIds: [],
  readOnly: false,
});

export const v1Invitation = z
  .object({
    id: z.string(),
    code: z.string(),
    createdAt: z.string(),
    utilisationPeriods: z.array(z.string()),
    tenantID: z.string().nullable(),
    expiresAt: z.string().nullable(),
    permanent: z.boolean(),
    tenant: z.object({ name: z.string().nullable(), email: z.string().nullable(), phone: z.null() }),
    email: z.string().nullable(),
    invitationSent: z.boolean(),
    usedAt: z.string().nullable(),
    readOnly: z.boolean(),
    instantTenantInviteActive: z.boolean(),
    organizations: z.array(z.string()),
    teams: z.array(z.string()),
    resendAttempts: z.array(z.string()),
  })
  .openapi("V1RegistrationCode", {
    example: {
      id: "c0de…",
      code: "ERP12345678",
      createdAt: "2026-11-29T09:00:00.000Z",
      utilisationPeriods: ["7e57…"],
      tenantID: "T-42",
      expiresAt: "2027-02-27T09:00:00.000Z",
      permanent: false,
      tenant: { name: "Anna Keller", email: "anna@example.test", phone: null },
      email: "anna@example.test",
      invitationSent: false,
      usedAt: null,
      readOnly: false,
      instantTenantInviteActive: false,
      organizations: [],
      teams: [],
      resendAttempts: [],
    },
  });
export const codeOut = (c: ActivationCode, periods: string[]): z.infer<typeof v1Invitation> => ({
  id: c.id,
  code: formatCode(c.code),
  createdAt: c.createdAt.toISOString(),
  utilisationPeriods: periods,
  tenantID: c.externalId,
  expiresAt: c.expiresAt.toISOString(),
  permanent: c.permanent,
  tenant: { name: c.recipientName, email: c.recipientEmail, phone: null },
  email: c.recipientEmail,
  invitationSent: c.sentAt !== null,
  usedAt: c.usedAt ? c.usedAt.toISOString() : null,
  readOnly: false,
  instantTenantInviteActive: false,
  organizations: [],
  teams: [],
  resendAttempts: [],
});

export const v1Period = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    startDate: z.string(),
    endDate: z.string().nullable(),
    type: z.enum(["tenant", "ownership", "vacant"]),
    externalId: z.string().nullable(),
    unit: z.string(),
    readOnly: z.boolean(),
    tenantIDs: z.array(z.string()),
    userCount: z.number(),
    stats: z.object({ tenantCount: z.number(), invitationCount: z.number() }),
    _embedded: z.object({ invitations: z.array(v1Invitation), users: z.array(v1User) }),
  })
  .openapi("V1UtilisationPeriod");
export const periodOut = (
  t: Tenancy,
  people: User[],
  codes: ActivationCode[],
  periodsOf: Map<string, string[]>,
  now: Date,
): z.infer<typeof v1Period> => ({
  id: t.id,
  name: t.name,
  startDate: t.startsOn,
  endDate: t.endsOn,
  type: t.type,
  externalId: t.externalId,
  unit: t.unitId,
  readOnly: false,
  tenantIDs: [],
  userCount: people.length,
  stats: {
    tenantCount: people.length,
    invitationCount: codes.filter((c) => (c.permanent || !c.usedAt) && c.expiresAt.getTime() > now.getTime()).length,
  },
  _embedded: {
    invitations: codes.map((c) => codeOut(c, periodsOf.get(c.id) ?? [t.id])),
    users: people.map((u) => userOut(u)),
  },
});
