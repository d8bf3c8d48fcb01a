/**
 * The role table: every route the app registers × every kind of caller, with
 * the exact status each must get. A route missing from EXPECTED fails the
 * test, so a new route cannot ship without stating who may call it.
 */
import assert from "node:assert/strict";
import { type Scope, SCOPES } from "../lib/auth/mod.ts";
import type { Access } from "../lib/http/access.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";

const CALLERS = [
  "anonymous",
  "RESEARCHER",
  "STEWARD",
  "ADMIN",
  "token_with",
  "token_without",
] as const;
type Caller = (typeof CALLERS)[number];
type Expectation = Record<Caller, number>;

interface Case {
  /** Concrete path (defaults to the route's path). */
  path?: string;
  /** JSON body, or a function giving a fresh one per call. */
  json?: unknown | (() => unknown);
  /** Form body for page posts. */
  form?: Record<string, string> | (() => Record<string, string>);
  expect: Expectation;
}

const RANK = { RESEARCHER: 1, STEWARD: 2, ADMIN: 3 } as const;
const ZERO_KEY = "0".repeat(64);
const NO_SUCH_ID = "00000000-0000-0000-0000-000000000000";
const unique = () => `u-${crypto.randomUUID().slice(0, 8)}@example.org`;

/** Everyone gets `status`. */
function all(status: number): Expectation {
  return {
    anonymous: status,
    RESEARCHER: status,
    STEWARD: status,
    ADMIN: status,
    token_with: status,
    token_without: status,
  };
}

/**
 * The usual table for a least role: anonymous → 401 (API) or 303 to /login
 * (page); roles below → 403; at or above → `ok`; tokens → `ok` with a
 * matching scope (when the route takes scopes), else 403.
 */
function least(
  role: "signed_in" | keyof typeof RANK,
  ok: number,
  kind: "api" | "page",
  scoped = false,
): Expectation {
  const allowed = (r: keyof typeof RANK) => role === "signed_in" || RANK[r] >= RANK[role];
  return {
    anonymous: kind === "api" ? 401 : 303,
    RESEARCHER: allowed("RESEARCHER") ? ok : 403,
    STEWARD: allowed("STEWARD") ? ok : 403,
    ADMIN: ok,
    token_with: scoped ? ok : 403,
    token_without: 403,
  };
}

/** Every route's expectations, keyed "METHOD path" as registered. Extend it with every new route. */
export const EXPECTED: Record<string, Case> = {
  "GET /health": { expect: all(200) },
  "GET /api/health": { expect: all(200) },
  "GET /healthz": { expect: all(200) },
  "GET /health/ready": { expect: all(200) },
  "GET /api/health/ready": { expect: all(200) },
  "GET /readyz": { expect: all(200) },
  "GET /": { expect: all(200) },
  "GET /status": { expect: all(200) },
  "GET /api/openapi.json": { expect: all(200) },
  "GET /api/docs": { expect: all(200) },

  "POST /api/auth/login": {
    json: () => ({ email: unique(), password: "wrong password" }),
    expect: all(401),
  },
  "GET /api/auth/session": { expect: least("signed_in", 200, "api") },
  "POST /api/auth/logout": { expect: least("signed_in", 204, "api") },
  // A new password breaking the rules is refused before the current one is checked (or counted).
  "POST /api/auth/password": {
    json: { currentPassword: "wrong password", newPassword: "short" },
    expect: least("signed_in", 400, "api"),
  },
  "GET /api/admin/users": { expect: least("ADMIN", 200, "api") },
  "POST /api/admin/users": {
    json: () => ({ email: unique(), role: "RESEARCHER" }),
    expect: least("ADMIN", 201, "api"),
  },
  "PATCH /api/admin/users/{id}": {
    path: `/api/admin/users/${NO_SUCH_ID}`,
    json: { role: "STEWARD" },
    expect: least("ADMIN", 404, "api"),
  },
  "POST /api/admin/users/{id}/password": {
    path: `/api/admin/users/${NO_SUCH_ID}/password`,
    // The caller's own password confirms it (every session here signs in with it).
    json: { password: "a long enough password", currentPassword: TEST_PASSWORD },
    expect: least("ADMIN", 404, "api"),
  },
  "GET /api/admin/locks": { expect: least("ADMIN", 200, "api") },
  "DELETE /api/admin/locks/{key}": {
    path: `/api/admin/locks/${ZERO_KEY}`,
    expect: least("ADMIN", 204, "api"),
  },
  "GET /api/admin/tokens": { expect: least("ADMIN", 200, "api") },
  "POST /api/admin/tokens": {
    json: { name: "role table", scopes: ["jobs:read"] },
    expect: least("ADMIN", 201, "api"),
  },
  "DELETE /api/admin/tokens/{id}": {
    path: `/api/admin/tokens/${NO_SUCH_ID}`,
    expect: least("ADMIN", 404, "api"),
  },
  "GET /api/audit": { expect: least("STEWARD", 200, "api") },

  "GET /login": { expect: { ...all(200), RESEARCHER: 303, STEWARD: 303, ADMIN: 303 } },
  "POST /login": {
    form: () => ({ email: unique(), password: "wrong password" }),
    expect: all(401),
  },
  "GET /logout": { expect: { ...all(303), RESEARCHER: 200, STEWARD: 200, ADMIN: 200 } },
  "POST /logout": { form: {}, expect: all(303) },
  "GET /admin/users": { expect: least("ADMIN", 200, "page") },
  "POST /admin/users": {
    form: () => ({ email: unique(), role: "RESEARCHER" }),
    expect: least("ADMIN", 303, "page"),
  },
  "POST /admin/users/:id": {
    path: `/admin/users/${NO_SUCH_ID}`,
    form: { role: "STEWARD" },
    expect: least("ADMIN", 404, "page"),
  },
  "POST /admin/users/:id/password": {
    path: `/admin/users/${NO_SUCH_ID}/password`,
    form: { password: "a long enough password", current_password: TEST_PASSWORD },
    expect: least("ADMIN", 404, "page"),
  },
  "POST /admin/locks/:key/clear": {
    path: `/admin/locks/${ZERO_KEY}/clear`,
    form: {},
    expect: least("ADMIN", 303, "page"),
  },
  "GET /admin/tokens": { expect: least("ADMIN", 200, "page") },
  "POST /admin/tokens": {
    form: { name: "role table", scopes: "jobs:read" },
    // Created, then sent to the page that shows the secret once (POST, redirect, GET).
    expect: least("ADMIN", 303, "page"),
  },
  "POST /admin/tokens/:id/revoke": {
    path: `/admin/tokens/${NO_SUCH_ID}/revoke`,
    form: {},
    expect: least("ADMIN", 404, "page"),
  },
  "GET /audit": { expect: least("STEWARD", 200, "page") },

  // Consent and analytics. Ingestion: signed-in callers without analytics consent get 403.
  "GET /api/consent/status": { expect: least("signed_in", 200, "api") },
  "POST /api/consent/grant": {
    json: { consentType: "analytics" },
    expect: least("signed_in", 200, "api"),
  },
  "POST /api/consent/revoke": {
    json: { consentType: "analytics" },
    expect: least("signed_in", 200, "api"),
  },
  "POST /api/analytics/events": {
    json: () => ({ events: [{ eventId: crypto.randomUUID(), eventName: "ui.page_view" }] }),
    expect: least("RESEARCHER", 403, "api"),
  },
  "GET /api/analytics/summary": { expect: least("STEWARD", 200, "api") },
  "DELETE /api/analytics/users/{id}/events": {
    path: `/api/analytics/users/${NO_SUCH_ID}/events`,
    expect: least("ADMIN", 404, "api"),
  },
  "GET /settings/privacy": { expect: least("signed_in", 200, "page") },
  "GET /settings/account": { expect: least("signed_in", 200, "page") },
  // Two different new passwords: refused before the current password is checked (or counted).
  "POST /settings/account/password": {
    form: {
      current_password: "wrong password",
      new_password: "a long enough password",
      confirm_password: "another long password",
    },
    expect: least("signed_in", 400, "page"),
  },
  "POST /settings/privacy/grant": { form: {}, expect: least("signed_in", 303, "page") },
  "POST /settings/privacy/revoke": { form: {}, expect: least("signed_in", 303, "page") },
  "GET /analytics": { expect: least("STEWARD", 200, "page") },
  "POST /analytics/erase": {
    form: () => ({ email: unique() }),
    expect: least("ADMIN", 404, "page"),
  },

  "POST /api/governance/flags/{flagKey}": {
    path: "/api/governance/flags/role_table",
    json: { enabled: true },
    expect: least("ADMIN", 200, "api"),
  },
  "GET /api/admin/feature-flags": { expect: least("STEWARD", 200, "api") },
  "POST /api/admin/feature-flags/{name}": {
    path: "/api/admin/feature-flags/role_table",
    json: { enabled: false },
    expect: least("ADMIN", 200, "api"),
  },
  "DELETE /api/admin/feature-flags/{name}": {
    path: "/api/admin/feature-flags/no_such_flag",
    expect: least("ADMIN", 404, "api"),
  },
  "GET /api/admin/feature-flags/{name}/status": {
    path: "/api/admin/feature-flags/role_table/status",
    expect: least("STEWARD", 200, "api"),
  },
  "GET /api/admin/experiments": { expect: least("STEWARD", 200, "api") },
  "POST /api/admin/experiments": {
    json: { key: "role.table", enabled: false, variants: { A: { weight: 1 } } },
    expect: least("ADMIN", 200, "api"),
  },
  "GET /api/experiments/{key}/variant": {
    path: "/api/experiments/no.such.experiment/variant",
    expect: least("signed_in", 404, "api"),
  },
  "POST /ofrep/v1/evaluate/flags/{key}": {
    path: "/ofrep/v1/evaluate/flags/no_such_flag",
    json: { context: { targetingKey: "role-table" } },
    expect: least("STEWARD", 404, "api", true),
  },
  "POST /ofrep/v1/evaluate/flags": {
    json: { context: { targetingKey: "role-table" } },
    expect: least("STEWARD", 200, "api", true),
  },
  "GET /flags": { expect: least("STEWARD", 200, "page") },
  "POST /flags": {
    form: { key: "role_page", enabled: "on", rollout_percent: "100" },
    expect: least("ADMIN", 303, "page"),
  },
  "GET /flags/:key": { path: "/flags/role_page", expect: least("STEWARD", 200, "page") },
  "POST /flags/:key": {
    path: "/flags/role_page",
    form: { enabled: "on", rollout_percent: "50" },
    expect: least("ADMIN", 303, "page"),
  },
  "GET /flags/:key/why": {
    path: "/flags/role_page/why",
    expect: least("STEWARD", 303, "page"),
  },
  "POST /flags/:key/why": {
    path: "/flags/role_page/why",
    form: { userId: "u-1" },
    expect: least("STEWARD", 200, "page"),
  },
  "POST /flags/:key/archive": {
    path: "/flags/role_page/archive",
    form: {},
    expect: least("ADMIN", 303, "page"),
  },
  "GET /experiments": { expect: least("STEWARD", 200, "page") },
  "POST /experiments": {
    form: { key: "role.page", variants: "A=1" },
    expect: least("ADMIN", 303, "page"),
  },
  "POST /experiments/:key": {
    path: "/experiments/role.page",
    form: { "weight:A": "2" },
    expect: least("ADMIN", 303, "page"),
  },

  "GET /api/governance/state": { expect: least("signed_in", 200, "api", true) },
  "POST /api/governance/mode": { json: { mode: "DEMO" }, expect: least("ADMIN", 200, "api") },
  "GET /api/metrics": { expect: least("STEWARD", 200, "api", true) },
  // Scrapers: METRICS_TOKEN / METRICS_ALLOW_IPS (neither set here) or a metrics:read token.
  "GET /metrics": { expect: { ...all(403), token_with: 200 } },
  "GET /api/stream": { expect: least("signed_in", 200, "api", true) },
  "GET /api/jobs": { expect: least("signed_in", 200, "api", true) },
  "GET /api/jobs/{id}": {
    path: "/api/jobs/no-such-job",
    expect: least("signed_in", 404, "api", true),
  },
  "POST /api/jobs/{id}/status": {
    path: "/api/jobs/role-table/status",
    json: { status: "progress", progress: 10 },
    expect: least("STEWARD", 200, "api", true),
  },
  "GET /governance": { expect: least("STEWARD", 200, "page") },
  "POST /governance/mode": {
    form: { mode: "DEMO", confirm: "yes" },
    expect: least("ADMIN", 303, "page"),
  },
  "GET /jobs": { expect: least("signed_in", 200, "page") },
  // Browser error reports: session users only (no token scope), answered 202 forwarded or dropped.
  "POST /api/errors": {
    json: { type: "TypeError", message: "x is not a function", route: "/flags" },
    expect: least("signed_in", 202, "api"),
  },
};

/** A scope the route does not accept, for the "token without the scope" caller. */
function otherScope(access: Access): Scope {
  return SCOPES.find((s) => !(access.scopes ?? []).includes(s))!;
}

async function headersFor(
  app: TestApp,
  caller: Caller,
  access: Access,
): Promise<Record<string, string>> {
  if (caller === "anonymous") return {};
  if (caller === "token_with" || caller === "token_without") {
    const scopes = caller === "token_with"
      ? (access.scopes?.length ? [...access.scopes] : [...SCOPES])
      : [otherScope(access)];
    return { authorization: `Bearer ${await createToken(app, { scopes })}` };
  }
  // A fresh session per request: some routes (sign-out, deactivation) end sessions.
  return (await signInAs(app, caller)).headers();
}

Deno.test("role table: every registered route answers each kind of caller with the exact status", async (t) => {
  const app = await buildTestApp();
  try {
    const missing = app.registry.routes.map((r) => `${r.method} ${r.path}`).filter((key) =>
      !EXPECTED[key]
    );
    assert.deepEqual(missing, [], "routes without an entry in tests/roles_test.ts EXPECTED");
    for (const route of app.registry.routes) {
      const key = `${route.method} ${route.path}`;
      const spec = EXPECTED[key]!;
      await t.step(key, async () => {
        const failures: string[] = [];
        for (const caller of CALLERS) {
          const headers = await headersFor(app, caller, route.access);
          let body: string | undefined;
          const json = typeof spec.json === "function" ? (spec.json as () => unknown)() : spec.json;
          const form = typeof spec.form === "function" ? spec.form() : spec.form;
          if (json !== undefined) {
            headers["content-type"] = "application/json";
            body = JSON.stringify(json);
          } else if (form !== undefined) {
            headers["content-type"] = "application/x-www-form-urlencoded";
            body = new URLSearchParams(form).toString();
          }
          const response = await app.request(spec.path ?? route.path, {
            method: route.method,
            headers,
            body,
          });
          await response.body?.cancel();
          if (response.status !== spec.expect[caller]) {
            failures.push(`${caller}: expected ${spec.expect[caller]}, got ${response.status}`);
          }
        }
        assert.deepEqual(failures, []);
      });
    }
  } finally {
    await app.dispose();
  }
});
