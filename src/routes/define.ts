import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { AppError } from "../lib/errors";
import { type Actor, isStaff } from "../services/actor";

/**
 * Who may call a route. Every route of the app declares one (a test compares this table with the
 * app's own route list, so a new route cannot ship undeclared):
 * - public: anyone; session: a logged-in account of this app;
 * - staff: a property manager or customer admin; admin: a customer admin;
 * - dev: exists only when ENVIRONMENT=development (404 otherwise).
 * Object-level checks (which building, which unit) happen in the services' scoped queries.
 */
export type Access = "public" | "session" | "staff" | "admin" | "dev";

export interface DeclaredRoute {
  method: string;
  path: string;
  access: Access;
}

export const routeTable: DeclaredRoute[] = [];

/** Hono path syntax (`/a/:id`) from OpenAPI syntax (`/a/{id}`). */
export function honoPath(path: string) {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

export function declare(method: string, path: string, access: Access) {
  routeTable.push({ method: method.toUpperCase(), path: honoPath(path), access });
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

/** The actor of a route guarded by anything but `public` (the guard has already refused anonymous calls). */
export function actorOf(c: { var: { actor: Actor | null } }): Actor {
  if (!c.var.actor) throw new AppError("UNAUTHENTICATED", "Please log in.");
  return c.var.actor;
}
