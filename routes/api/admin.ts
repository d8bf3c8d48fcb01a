/**
 * Account and API-token administration (ADMIN). Revocations, role changes,
 * deactivations and lock clearing are governance writes: they stay available
 * in STANDBY, because they are how an administrator contains an incident.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { actorOf } from "../../lib/audit/mod.ts";
import { ROLES, SCOPES, setSessionCookie } from "../../lib/auth/mod.ts";
import { hasHiddenCharacters } from "../../lib/auth/display_name.ts";
import { TOKEN_NAME_HIDDEN_MESSAGE, TOKEN_NAME_MAX } from "../../lib/auth/token_name.ts";
import {
  createDirectoryCursors,
  DIRECTORY_CURSOR_MAX,
  type DirectoryCursors,
} from "../../lib/auth/directory_cursor.ts";
import { EMPTY_USER_CHANGE_MESSAGE } from "../../lib/auth/user_accounts.ts";
import {
  createUserDirectory,
  DIRECTORY_LIMIT_MAX,
  DIRECTORY_SEARCH_MAX,
  directorySearch,
} from "../../lib/auth/user_directory.ts";
import type { RouteContext } from "../../lib/context.ts";
import { UnauthenticatedError } from "../../lib/errors/mod.ts";
import { apiRoute, jsonContent, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { noPhi } from "../../lib/validation/no_phi.ts";
import { searchSchema } from "../../lib/validation/search.ts";
import { StorableInstant } from "../../lib/validation/dates.ts";

const ADMIN_READ = { role: "ADMIN", class: "read" } as const;
const ADMIN_WRITE = { role: "ADMIN", class: "write" } as const;
const ADMIN_GOVERNANCE = { role: "ADMIN", class: "governance-write" } as const;

const UserView = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  active: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
}).openapi("User");

export { TOKEN_NAME_HIDDEN_MESSAGE };

/**
 * An API token's name: which service uses it. Stored and listed to admins, so no PHI. The admin
 * pages print it inside sentences, where a right-to-left override would display the rest of the
 * sentence reversed (spoofing what was created or revoked): held to the display names' rule.
 */
export const TokenNameSchema = noPhi(
  z.string().min(1).max(TOKEN_NAME_MAX).refine((name) => !hasHiddenCharacters(name), {
    message: TOKEN_NAME_HIDDEN_MESSAGE,
  }),
).openapi({
  description: "Which service uses the token; refused (400 VALIDATION_FAILED at `$.name`) when " +
    "the PHI scanner finds anything, or when it holds control characters, text-direction marks " +
    "or invisible characters",
  example: "ofrep-web",
});

/**
 * An account's display name, as sent. A person's name only: the auth service refuses one in which
 * the PHI scanner finds anything else (lib/auth/display_name.ts).
 */
const DisplayNameInput = z.string().max(120).openapi({
  description: "The person's name, shown in the navigation and to administrators. A name only: " +
    "refused (400 VALIDATION_FAILED at `$.displayName`) when the PHI scanner finds a record " +
    "number, date, phone number, email address or any identifier other than a name, or when " +
    "it holds control characters, text-direction marks or invisible characters",
  example: "Jane Doe",
});

const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
}).openapi("ApiToken");

const LockView = z.object({
  key: z.string(),
  kind: z.enum(["account", "ip"]),
  failures: z.number().int(),
  lockedUntil: z.string(),
  userId: z.string().nullable(),
  email: z.string().nullable(),
}).openapi("SignInLock");

const IdParam = z.object({ id: z.string().min(1).max(64) });

/**
 * An API token's id as the database makes them (gen_random_uuid()). Checked before the auth
 * service is asked: anything else names no token, and must not reach a revocation (which drops
 * and announces what it ends to every instance).
 */
export const TokenIdSchema = z.string().regex(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  "Must be a token id (a UUID)",
).openapi({ format: "uuid", example: "7d0c4c7e-2f55-4d2a-9c1e-3b6f0a8e5d21" });
const TokenIdParam = z.object({ id: TokenIdSchema });

/** Accounts per answer of GET /api/admin/users without `limit`. */
export const USERS_API_LIMIT = 100;

/** The cursor refused: a fixed text, never the value sent. */
export const USERS_CURSOR_MESSAGE =
  "Not a cursor of this list: pass back a `next` value unchanged, or leave it out for the first page";

/**
 * GET /api/admin/users's query, read as what the handler lists: the search as the directory
 * matches it (`search`) and the email the cursor holds (`afterEmail`, none for the first page).
 * The `cursor` is opened here, once, with the search sent beside it: one cut short, edited, made
 * up, sealed under another secret or handed out for another search (`q` changed, added or left
 * out) is 400 VALIDATION_FAILED at `$.cursor`, never read. OpenAPI describes the query as sent.
 */
/** What GET /api/admin/users lists: {@link usersQuery} read. */
interface UsersQuery {
  limit: number;
  q?: string | undefined;
  /** The search as the directory matches it (`directorySearch(q)`). */
  search: string;
  /** The email the cursor holds: list after it (none: the first page). */
  afterEmail?: string;
}

export function usersQuery(cursors: DirectoryCursors) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(DIRECTORY_LIMIT_MAX).default(USERS_API_LIMIT)
      .openapi({
        description: `Accounts per answer, 1 to ${DIRECTORY_LIMIT_MAX}`,
        example: USERS_API_LIMIT,
      }),
    cursor: z.string().max(DIRECTORY_CURSOR_MAX).optional().openapi({
      description: "The `next` of the previous answer, unchanged, with the same `q` (the search " +
        "it was handed out for; case and surrounding spaces aside). Anything else (cut short, " +
        "edited, made up, sent with another `q` or with `q` added or left out, or handed out " +
        "before `ANALYTICS_IP_SALT` changed) is 400 VALIDATION_FAILED at `$.cursor`: start " +
        "again without it",
    }),
    // Read as the /admin/users page reads its search box (control characters as spaces, trimmed),
    // then bounded: the page and the API take and refuse the same searches.
    q: searchSchema(DIRECTORY_SEARCH_MAX).optional().openapi({
      description: "Part of an email or a display name, any case (as the /admin/users search); " +
        `at most ${DIRECTORY_SEARCH_MAX} characters once control characters are read as spaces ` +
        "and the spaces around are trimmed",
      example: "smith",
    }),
  }).transform(({ cursor, ...query }, ctx): UsersQuery => {
    // Runs once the fields are valid: one problem for one bad value (a cursor too long, a bad
    // `q`). The cursor opens only with the search it was handed out for.
    const search = directorySearch(query.q);
    if (cursor === undefined) return { ...query, search };
    const afterEmail = cursors.open(cursor, search);
    if (afterEmail === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["cursor"],
        message: USERS_CURSOR_MESSAGE,
        input: cursor,
      });
      return z.NEVER;
    }
    return { ...query, search, afterEmail };
  });
}

type UserLike = {
  id: string;
  email: string;
  displayName: string;
  role: (typeof ROLES)[number];
  active: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
};
function userView(user: UserLike) {
  return {
    ...user,
    createdAt: user.createdAt.toISOString(),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
  };
}

type TokenLike = {
  id: string;
  name: string;
  scopes: (typeof SCOPES)[number][];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
};
function tokenView(token: TokenLike) {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}

export function adminApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { auth } = ctx.services;

  const directory = createUserDirectory(ctx.services.db);
  const cursors = createDirectoryCursors(ctx.config.analytics.ipSalt);
  app.openapi(
    apiRoute(ctx.access, ADMIN_READ, {
      method: "get",
      path: "/api/admin/users",
      tags: ["Admin"],
      summary: "List accounts, one page at a time",
      description: `Accounts in email order, at most \`limit\` (default ${USERS_API_LIMIT}) per ` +
        "answer. `next` continues the list: pass it back as `cursor` (with the same `q`) for the " +
        "accounts after this page, until it is null. Following `next` lists every account that " +
        "exists throughout exactly once, also when accounts are added or removed between pages " +
        "(one added before the cursor's place shows on a new listing). `total` counts the " +
        "accounts `q` matches (every account without `q`).",
      request: { query: usersQuery(cursors) },
      responses: {
        200: {
          description: "One page of accounts",
          ...jsonContent(z.object({
            users: z.array(UserView),
            next: z.string().nullable().openapi({
              description: "The `cursor` of the next page; null when this page is the last",
            }),
            total: z.number().int().openapi({ description: "Accounts `q` matches, all told" }),
          })),
        },
      },
    }),
    async (c) => {
      const { search, limit, afterEmail } = c.req.valid("query");
      const listed = await directory.list({
        search,
        limit,
        ...(afterEmail === undefined ? {} : { afterEmail }),
      });
      return c.json({
        users: listed.users.map(userView),
        next: listed.nextAfterEmail === undefined
          ? null
          : cursors.seal(listed.nextAfterEmail, search),
        total: listed.matching,
      }, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_WRITE, {
      method: "post",
      path: "/api/admin/users",
      tags: ["Admin"],
      summary: "Create an account",
      description:
        "Without a password the account exists but cannot sign in until a password is set.",
      request: {
        body: {
          required: true,
          ...jsonContent(
            z.object({
              email: z.string().min(3).max(254),
              displayName: DisplayNameInput.optional(),
              role: z.enum(ROLES),
              password: z.string().max(1024).optional(),
            }).strict(),
          ),
        },
      },
      responses: {
        201: { description: "Created", ...jsonContent(z.object({ user: UserView })) },
        409: { description: "Email already used (CONFLICT)" },
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const user = await auth.createUser(body, actorOf(c.get("principal")), c.get("requestId"));
      return c.json({ user: userView(user) }, 201);
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_GOVERNANCE, {
      method: "patch",
      path: "/api/admin/users/{id}",
      tags: ["Admin"],
      summary: "Change an account's role, name or active flag",
      description: "Takes effect on the user's next request. Deactivation ends their sessions. " +
        "In STANDBY only deactivation and demotion are accepted (others: 503 MODE_STANDBY).",
      request: {
        params: IdParam,
        body: {
          required: true,
          ...jsonContent(
            z.object({
              role: z.enum(ROLES).optional(),
              active: z.boolean().optional(),
              displayName: DisplayNameInput.optional(),
            }).strict().refine(
              // A change naming nothing changed nothing, yet was answered 200 and audited as
              // an update (before == after): refused, so a caller that lost its fields learns it.
              (body) => Object.values(body).some((value) => value !== undefined),
              { message: EMPTY_USER_CHANGE_MESSAGE },
            ),
          ),
        },
      },
      responses: {
        200: { description: "Updated", ...jsonContent(z.object({ user: UserView })) },
        400: { description: "No field to change, or a field refused (VALIDATION_FAILED)" },
        404: { description: "No such user (NOT_FOUND)" },
      },
    }),
    async (c) => {
      const { user } = await auth.updateUser(
        c.req.valid("param").id,
        c.req.valid("json"),
        actorOf(c.get("principal")),
        c.get("requestId"),
        { onlyReducingAccess: ctx.services.mode.current() === "STANDBY" },
      );
      return c.json({ user: userView(user) }, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_WRITE, {
      method: "post",
      path: "/api/admin/users/{id}/password",
      tags: ["Admin"],
      summary: "Set a new password (confirmed with your own)",
      description:
        "`currentPassword` is the calling administrator's own password, checked like a sign-in " +
        "and counted against their account's lock (wrong: 400 VALIDATION_FAILED at " +
        "`$.currentPassword`, nothing changes and no session ends; after 5: 429 RATE_LIMITED). For " +
        "another account all of that user's sessions end. For your own account this is a password " +
        "change (`currentPassword` is the current one): your other sessions end, this one stays " +
        "signed in under a new session secret (a new session cookie is set; the CSRF token " +
        "changes with it: read the new one from `GET /api/auth/session`).",
      request: {
        params: IdParam,
        body: {
          required: true,
          ...jsonContent(
            z.object({
              password: z.string().max(1024),
              currentPassword: z.string().min(1).max(1024).openapi({
                description: "Your own password (the administrator calling)",
              }),
            }).strict(),
          ),
        },
      },
      responses: {
        204: { description: "Password set" },
        400: { description: "Your password is wrong, or the new one breaks the rules" },
        404: { description: "No such user (NOT_FOUND)" },
        429: {
          description:
            "Your account is locked after wrong passwords, or your client address after failed " +
            "sign-ins from it (RATE_LIMITED; `detail` says which)",
        },
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      if (principal?.kind !== "user") throw new UnauthenticatedError("No browser session");
      const body = c.req.valid("json");
      const result = await auth.setPasswordAsAdmin(
        principal,
        {
          userId: c.req.valid("param").id,
          password: body.password,
          adminPassword: body.currentPassword,
        },
        { ip: c.get("clientIp"), requestId: c.get("requestId") },
        {
          // This body's names, also for the caller's own account.
          password: "$.password",
          currentPassword: "$.currentPassword",
        },
      );
      // Their own password: this session goes on under a new secret, as after a sign-in.
      if (result.kind === "own" && result.renewed) {
        setSessionCookie(c, result.renewed.sessionSecret, ctx.config.appEnv !== "development");
      }
      return c.body(null, 204, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_READ, {
      method: "get",
      path: "/api/admin/locks",
      tags: ["Admin"],
      summary: "Active sign-in lock-outs",
      responses: {
        200: { description: "Locks", ...jsonContent(z.object({ locks: z.array(LockView) })) },
      },
    }),
    async (c) => {
      const locks = await auth.listLocks();
      return c.json({
        locks: locks.map((l) => ({
          key: l.key,
          kind: l.kind,
          failures: l.failures,
          lockedUntil: l.lockedUntil.toISOString(),
          userId: l.user?.id ?? null,
          email: l.user?.email ?? null,
        })),
      }, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_GOVERNANCE, {
      method: "delete",
      path: "/api/admin/locks/{key}",
      tags: ["Admin"],
      summary: "Clear a sign-in lock-out",
      description: "Deletes the lock and writes an `auth.lock_clear` audit entry in the same " +
        "transaction. A key with no lock (never locked, or cleared already) also answers " +
        "204, and writes no entry: nothing changed.",
      request: { params: z.object({ key: z.string().regex(/^[0-9a-f]{64}$/) }) },
      responses: { 204: { description: "Cleared, or no lock under this key" } },
    }),
    async (c) => {
      await auth.clearLock(
        c.req.valid("param").key,
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_READ, {
      method: "get",
      path: "/api/admin/tokens",
      tags: ["Admin"],
      summary: "List API tokens (never their secrets)",
      responses: {
        200: { description: "Tokens", ...jsonContent(z.object({ tokens: z.array(TokenView) })) },
      },
    }),
    async (c) => c.json({ tokens: (await auth.listTokens()).map(tokenView) }, 200),
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_WRITE, {
      method: "post",
      path: "/api/admin/tokens",
      tags: ["Admin"],
      summary: "Create an API token (the secret is shown once)",
      request: {
        body: {
          required: true,
          ...jsonContent(
            z.object({
              name: TokenNameSchema,
              scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
              expiresAt: StorableInstant.optional(),
            }).strict(),
          ),
        },
      },
      responses: {
        201: {
          description: "Created; store `token` now, it cannot be shown again",
          ...jsonContent(TokenView.extend({ token: z.string() })),
        },
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { token, secret } = await auth.createToken(
        {
          name: body.name,
          scopes: body.scopes,
          expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        },
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
      return c.json({ ...tokenView(token), token: secret }, 201, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_GOVERNANCE, {
      method: "delete",
      path: "/api/admin/tokens/{id}",
      tags: ["Admin"],
      summary: "Revoke an API token (effective on its next use)",
      request: { params: TokenIdParam },
      responses: {
        204: { description: "Revoked" },
        400: { description: "Not a token id (VALIDATION_FAILED); nothing is revoked" },
        404: { description: "No such token (NOT_FOUND)" },
      },
    }),
    async (c) => {
      await auth.revokeToken(
        c.req.valid("param").id,
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
      return c.body(null, 204);
    },
  );
  return app;
}
