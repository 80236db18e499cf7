// Barrel for drizzle-kit and services: every table of a regional database.

export * from "./announcements";
export * from "./api-clients";
export * from "./auth";
export * from "./changes";
export * from "./customers";
export * from "./documents";
export * from "./dsr-details";
export * from "./estate";
export * from "./exports";
export * from "./files";
export * from "./idempotency";
export * from "./moderation";
export * from "./newsletter";
export * from "./notifications";
export * from "./onboarding";
export * from "./people";
export * from "./privacy";
export * from "./rooms";
export * from "./staff-invitations";
export * from "./tickets";
export * from "./webhooks";
