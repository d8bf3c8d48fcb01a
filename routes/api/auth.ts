/** JSON sign-in for islands and scripts: login, current session, logout. */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  clearSessionCookie,
  principalView,
  sessionSecretOf,
  setSessionCookie,
} from "../../lib/auth/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { UnauthenticatedError } from "../../lib/errors/mod.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";

export const SessionView = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    role: z.enum(["RESEARCHER", "STEWARD", "ADMIN"]),
    displayName: z.string(),
  }),
  csrfToken: z.string().openapi({
    description: "Send as X-CSRF-Token on cookie-authenticated state changes",
  }),
}).openapi("Session");

const Credentials = z.object({
  email: z.string().min(3).max(254),
  password: z.string().min(1).max(1024),
}).strict().openapi("Credentials");

export function authApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { auth } = ctx.services;
  const secure = ctx.config.appEnv !== "development";

  app.openapi(
    apiRoute(ctx.access, { role: "public", class: "auth" }, {
      method: "post",
      path: "/api/auth/login",
      tags: ["Auth"],
      summary: "Sign in with email and password",
      description:
        "Sets the session cookie and returns the user and the CSRF token. A wrong email and a wrong " +
        "password fail the same way. Repeated failures lock the account or address (429 with Retry-After).",
      request: {
        body: { required: true, content: { "application/json": { schema: Credentials } } },
      },
      responses: {
        200: { description: "Signed in", content: { "application/json": { schema: SessionView } } },
        401: { description: "Wrong email or password (UNAUTHENTICATED)" },
        429: { description: "Locked after repeated failures (RATE_LIMITED)" },
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      const result = await auth.signIn(email, password, {
        ip: c.get("clientIp"),
        userAgent: c.req.header("user-agent") ?? null,
        requestId: c.get("requestId"),
        previousSessionSecret: sessionSecretOf(c),
      });
      setSessionCookie(c, result.sessionSecret, secure);
      return c.json(principalView(result.principal), 200, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    apiRoute(ctx.access, { role: "signed_in", class: "read" }, {
      method: "get",
      path: "/api/auth/session",
      tags: ["Auth"],
      summary: "The current session",
      responses: {
        200: { description: "Signed in", content: { "application/json": { schema: SessionView } } },
      },
    }),
    (c) => {
      const principal = c.get("principal");
      if (principal?.kind !== "user") throw new UnauthenticatedError("No browser session");
      return c.json(principalView(principal), 200, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    apiRoute(ctx.access, { role: "signed_in", class: "auth" }, {
      method: "post",
      path: "/api/auth/logout",
      tags: ["Auth"],
      summary: "Sign out (ends the session)",
      responses: { 204: { description: "Signed out" } },
    }),
    async (c) => {
      const principal = c.get("principal");
      if (principal?.kind !== "user") throw new UnauthenticatedError("No browser session");
      await auth.signOut(principal, c.get("requestId"));
      clearSessionCookie(c, secure);
      return c.body(null, 204);
    },
  );
  return app;
}
