// Barrel for drizzle-kit and services: every table of a regional database.

export * from "./announcements";
export * from "./auth";
export * from "./changes";
export * from "./customers";
export * from "./estate";
export * from "./exports";
export * from "./moderation";
export * from "./notifications";
export * from "./onboarding";
export * from "./people";
export * from "./rooms";
