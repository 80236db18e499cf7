import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import type { ApiScope } from "../db/schema/api-clients";
import { AppError } from "../lib/errors";
import { type Actor, isStaff } from "../services/actor";

/**
 * Who may call a route. Every route of the app declares one (a test compares this table with the
 * app's own route list, so a new route cannot ship undeclared):
 * - public: anyone; session: a logged-in account of this app;
 * - staff: a property manager or customer admin; admin: a customer admin;
 * - dev: exists only when ENVIRONMENT=development (404 otherwise);
 * - api: the integrator API (/api/v1): a bearer token holding `scope`; with `staff`, a password-grant
 *   token must belong to a customer admin (client-credentials tokens act for the whole customer).
 *   No token or a bad one → 401; a good token that may not do this → 403 (the SDK retries 401s).
 * Object-level checks (which building, which unit) happen in the services' scoped queries.
 */
export type Access = "public" | "session" | "staff" | "admin" | "dev" | "api";

export interface ApiNeed {
  scope: ApiScope;
  staff: boolean;
}

export interface DeclaredRoute {
  method: string;
  path: string;
  access: Access;
  api?: ApiNeed;
}

export const routeTable: DeclaredRoute[] = [];

/** Hono path syntax (`/a/:id`) from OpenAPI syntax (`/a/{id}`). */
export function honoPath(path: string) {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

export function declare(method: string, path: string, access: Access, api?: ApiNeed) {
  routeTable.push({ method: method.toUpperCase(), path: honoPath(path), access, ...(api ? { api } : {}) });
}

export const guard = (access: Access) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const actor = c.var.actor;
    if (access === "dev" && c.env.ENVIRONMENT !== "development") throw new AppError("NOT_FOUND", "Not found");
    if (access === "session" || access === "staff" || access === "admin") {
      if (!actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
      if (access === "staff" && !isStaff(actor)) throw new AppError("FORBIDDEN", "Managers only.");
      if (access === "admin" && !actor.isAdmin) throw new AppError("FORBIDDEN", "Customer admins only.");
    }
    await next();
  });

/** An OpenAPI route with its access declared, guarded before validation runs. */
export function defineRoute<R extends RouteConfig>(access: Access, config: R) {
  declare(config.method, config.path, access);
  return createRoute({
    ...config,
    "x-access": access,
    security: access === "public" || access === "dev" ? [] : [{ session: [] }],
    middleware: [guard(access)],
  });
}

export const apiGuard = (need: ApiNeed) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const client = c.var.apiClient;
    if (!client) {
      throw new AppError("UNAUTHENTICATED", "A valid bearer token is required.", undefined, {
        "www-authenticate": 'Bearer realm="quartier"',
      });
    }
    if (!client.scopes.includes(need.scope)) {
      throw new AppError("FORBIDDEN", `This token lacks the scope ${need.scope}.`, undefined, {
        "www-authenticate": `Bearer realm="quartier", error="insufficient_scope", scope="${need.scope}"`,
      });
    }
    if (need.staff && c.var.actor && !c.var.actor.isAdmin) throw new AppError("FORBIDDEN", "Customer admins only.");
    await next();
  });

/** An integrator API route (/api/v1): bearer token with a scope, guarded before validation runs. */
export function defineApiRoute<R extends RouteConfig>(need: ApiNeed, config: R) {
  declare(config.method, config.path, "api", need);
  return createRoute({
    ...config,
    "x-access": "api",
    "x-scope": need.scope,
    security: [{ oauth2: [need.scope] }],
    middleware: [apiGuard(need)],
  });
}

/** The actor of a route guarded by anything but `public` (the guard has already refused anonymous calls). */
export function actorOf(c: { var: { actor: Actor | null } }): Actor {
  if (!c.var.actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
  return c.var.actor;
}
