/** Users, sessions and API tokens for tests, through the real services and routes. */
import type { Role, Scope, User } from "../../lib/auth/mod.ts";
import type { TestApp } from "./app.ts";

export const TEST_PASSWORD = "correct horse battery staple";

/** Creates an account with {@link TEST_PASSWORD}. */
export async function createUser(
  app: Pick<TestApp, "services">,
  options: { role: Role; email?: string; displayName?: string; password?: string },
): Promise<User> {
  return await app.services.auth.createUser(
    {
      email: options.email ??
        `${options.role.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.org`,
      displayName: options.displayName ?? `Test ${options.role.toLowerCase()}`,
      role: options.role,
      password: options.password ?? TEST_PASSWORD,
    },
    { type: "system" },
  );
}

export interface Session {
  user: User;
  cookie: string;
  csrfToken: string;
  /** Headers for a request in this session; state changes also carry the CSRF token. */
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** Signs in through `POST /api/auth/login` and returns the session cookie and CSRF token. */
export async function signIn(
  app: Pick<TestApp, "request">,
  user: User,
  password = TEST_PASSWORD,
): Promise<Session> {
  const response = await app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: user.email, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed with ${response.status}`);
  const body = await response.json() as { csrfToken: string };
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  return {
    user,
    cookie,
    csrfToken: body.csrfToken,
    headers: (extra = {}) => ({ cookie, "x-csrf-token": body.csrfToken, ...extra }),
  };
}

/** The status of a sign-in attempt through `POST /api/auth/login` (200, 401, 429, ...). */
export async function loginStatus(
  app: Pick<TestApp, "request">,
  email: string,
  password: string,
): Promise<number> {
  const response = await app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  await response.body?.cancel();
  return response.status;
}

/** Creates a user with `role` and signs in. */
export async function signInAs(
  app: Pick<TestApp, "services" | "request">,
  role: Role,
): Promise<Session> {
  return await signIn(app, await createUser(app, { role }));
}

/** Creates an API token with `scopes` and returns its secret. */
export async function createToken(
  app: Pick<TestApp, "services">,
  options: { scopes: Scope[]; name?: string; expiresAt?: Date },
): Promise<string> {
  const { secret } = await app.services.auth.createToken(
    {
      name: options.name ?? "test token",
      scopes: options.scopes,
      expiresAt: options.expiresAt ?? null,
    },
    { type: "system" },
  );
  return secret;
}

/** The status of `GET /api/auth/session` with a session cookie (does `app` accept the session?). */
export async function sessionStatus(
  app: Pick<TestApp, "request">,
  cookie: string,
): Promise<number> {
  const response = await app.request("/api/auth/session", { headers: { cookie } });
  await response.body?.cancel();
  return response.status;
}

/** The status of a flag client's bulk evaluation with an API token (is the token accepted?). */
export async function flagClientStatus(
  app: Pick<TestApp, "request">,
  secret: string,
): Promise<number> {
  const response = await app.request("/ofrep/v1/evaluate/flags", {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ context: { targetingKey: "service-1" } }),
  });
  await response.body?.cancel();
  return response.status;
}

/** Posts a page form as the browser does: the session's cookie and CSRF field, a same-site Origin. */
export function postForm(
  app: Pick<TestApp, "request">,
  session: Session,
  path: string,
  fields: [string, string][],
): Promise<Response> {
  return app.request(path, {
    method: "POST",
    headers: {
      cookie: session.cookie,
      origin: "http://localhost",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([["csrf_token", session.csrfToken], ...fields]).toString(),
    redirect: "manual",
  });
}

/** Posts JSON to the API with the session's cookie and CSRF header. */
export function postJson(
  app: Pick<TestApp, "request">,
  session: Session,
  path: string,
  body: unknown,
): Promise<Response> {
  return app.request(path, {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
}

/** How many audit entries record changes to the account `id` (user.update, user.role_change, …). */
export async function userChangeEntries(app: Pick<TestApp, "db">, id: string): Promise<number> {
  const rows = await app.db.query(
    "SELECT 1 FROM audit_log WHERE action LIKE 'user.%' AND action <> 'user.create' AND target_id = $1",
    [id],
  );
  return rows.length;
}
