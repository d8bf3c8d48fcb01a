/** JSON sign-in for islands and scripts: login, current session, logout, own password change. */
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

const PasswordChange = z.object({
  currentPassword: z.string().min(1).max(1024).openapi({
    description: "The password the account signs in with now",
  }),
  newPassword: z.string().max(1024).openapi({
    description: "At least 12 characters, not mostly one repeated character (as for new accounts)",
  }),
}).strict().openapi("PasswordChange");

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
  app.openapi(
    apiRoute(ctx.access, { role: "signed_in", class: "auth" }, {
      method: "post",
      path: "/api/auth/password",
      tags: ["Auth"],
      summary: "Change your own password (needs the current one)",
      description:
        "For a browser session (CSRF token required). The current password is checked like a " +
        "sign-in and counts against the same lock: wrong ones answer 400 VALIDATION_FAILED " +
        "(issue at `$.currentPassword`), and after 5 the account is locked for sign-in and for " +
        "this route (429 RATE_LIMITED with Retry-After). 20 failed sign-ins from one client " +
        "address lock that address (a shared NAT locks everyone behind it): also 429 " +
        "RATE_LIMITED, whose `detail` then names the network address rather than the account. " +
        "On success the account's other sessions " +
        "end, this one stays signed in under a **new session secret** (a new session cookie is " +
        "set, as at sign-in; the old secret is refused from then on), and the change is audited " +
        "(`user.password_change`). The CSRF token changes with the secret: read the new one " +
        "from `GET /api/auth/session` (`csrfToken`) before the next state change; the old one " +
        "is refused with 403 CSRF_FAILED. " +
        "Allowed in every mode, STANDBY included: changing a password only takes access away.",
      request: {
        body: { required: true, content: { "application/json": { schema: PasswordChange } } },
      },
      responses: {
        204: {
          description:
            "Changed; the other sessions ended, this one renewed (Set-Cookie: the new session " +
            "secret; the CSRF token changed, see GET /api/auth/session)",
        },
        400: {
          description:
            "Current password wrong, or the new one breaks the rules or equals it (VALIDATION_FAILED)",
        },
        429: {
          description:
            "The account is locked after repeated wrong passwords, or the client address after " +
            "repeated failed sign-ins (RATE_LIMITED; `detail` says which)",
        },
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      if (principal?.kind !== "user") throw new UnauthenticatedError("No browser session");
      const renewed = await auth.changeOwnPassword(principal, c.req.valid("json"), {
        ip: c.get("clientIp"),
        requestId: c.get("requestId"),
      });
      // This session goes on under a new secret, set as at sign-in; none when it was signed out
      // meanwhile (the next request is then anonymous).
      if (renewed) setSessionCookie(c, renewed.sessionSecret, secure);
      return c.body(null, 204, { "cache-control": "no-store" });
    },
  );
  return app;
}
