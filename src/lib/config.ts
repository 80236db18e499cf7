import type { AppConfig } from "../app-env";

export function configFrom(env: Env): AppConfig {
  return {
    environment: env.ENVIRONMENT === "production" ? "production" : "development",
    publicOrigin: env.PUBLIC_ORIGIN,
    appDomain: env.APP_DOMAIN,
  };
}

/** The default app served at the bare domain in development (`http://localhost:8787` → `demo`). */
export const DEV_DEFAULT_APP = "demo";
