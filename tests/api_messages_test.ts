/**
 * API messages that state the rule: each refused field gets one message per cause, saying what
 * is allowed (never "Invalid value", never the same message twice).
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken, type Session, signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

async function send(
  app: TestApp,
  session: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<Problem> {
  const response = await app.request(path, {
    method,
    headers: session.headers({ "content-type": "application/json" }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const problem = await response.json() as Problem;
  return { ...problem, status: response.status };
}

/** Asserts a 400 with exactly one issue, at `path`, whose message matches `rule`. */
function assertOneRule(problem: Problem, path: string, rule: RegExp, what: string): void {
  assert.equal(problem.status, 400, what);
  assert.equal(problem.code, "VALIDATION_FAILED", what);
  assert.equal(problem.errors?.length, 1, `${what}: ${JSON.stringify(problem.errors)}`);
  assert.equal(problem.errors![0]!.path, path, what);
  assert.match(problem.errors![0]!.message, rule, what);
}

Deno.test({
  name: "experiment variants: one message per cause, stating the rule",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const admin = await signInAs(app, "ADMIN");
      const post = (body: Record<string, unknown>) =>
        send(app, admin, "POST", "/api/admin/experiments", {
          key: "exp_rules",
          enabled: true,
          ...body,
        });
      assertOneRule(
        await post({ variants: { a: { weight: 0 }, b: { weight: 0 } } }),
        "$.variants",
        /^At least one variant needs a weight above 0 \(weights are whole numbers from 0 to 10000\)$/,
        "all weights 0",
      );
      assertOneRule(
        await post({ variants: {} }),
        "$.variants",
        /^Give 1 to 20 variants, each with a weight$/,
        "no variants",
      );
      const many = Object.fromEntries(
        Array.from({ length: 21 }, (_, i) => [`v${i}`, { weight: 1 }]),
      );
      assertOneRule(await post({ variants: many }), "$.variants", /^Give 1 to 20 variants/, "21");
      assertOneRule(
        await post({ variants: { a: { weight: 1 } }, requiredModes: ["LIVE", "LIVE"] }),
        "$.requiredModes",
        /^Must not repeat a mode$/,
        "repeated mode",
      );
      assertOneRule(
        await post({ variants: { a: { weight: 1, config: { text: "x".repeat(5000) } } } }),
        "$.variants[0].config",
        /^Must serialize to at most 4096 bytes of JSON$/,
        "config too large",
      );
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "flag lists: a repeated item is refused saying so, not 'Invalid value'",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const admin = await signInAs(app, "ADMIN");
      const cases: Array<[string, unknown, RegExp]> = [
        ["requiredModes", ["LIVE", "LIVE"], /^Must not repeat a mode$/],
        ["targetUsers", ["u-1", "u-1"], /^Must not repeat a user$/],
        ["targetEnvironments", ["staging", "staging"], /^Must not repeat an environment$/],
      ];
      for (const [field, value, rule] of cases) {
        assertOneRule(
          await send(app, admin, "POST", "/api/admin/feature-flags/rules.flag", {
            enabled: true,
            [field]: value,
          }),
          `$.${field}`,
          rule,
          field,
        );
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "analytics: a bad ts or summary day gets one message that states the rule",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const researcher = await signInAs(app, "RESEARCHER");
      const TS_RULE =
        /^ts must be an ISO 8601 date-time with seconds and a time zone \(Z or ±hh:mm\), such as 2026-11-22T14:03:00Z, in the years 0001 to 9999$/;
      for (
        const ts of [
          "yesterday",
          "2026-11-22T14:03:00",
          "2026-13-01T00:00:00Z",
          "0000-06-01T00:00:00Z",
          5,
        ]
      ) {
        assertOneRule(
          await send(app, researcher, "POST", "/api/analytics/events", {
            events: [{ eventId: crypto.randomUUID(), eventName: "ui.page_view", ts }],
          }),
          "$.events[0].ts",
          TS_RULE,
          `ts ${ts}`,
        );
      }
      const steward = await signInAs(app, "STEWARD");
      const DAY_RULE = /^Must be a calendar date YYYY-MM-DD from 1900 on, such as 2026-11-22$/;
      for (const day of ["2026-1-1", "2026-02-30", "1899-12-31"]) {
        assertOneRule(
          await send(app, steward, "GET", `/api/analytics/summary?from=${day}`),
          "$.from",
          DAY_RULE,
          `from ${day}`,
        );
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "a version sent for a flag or experiment key that does not exist is 404, a stale one 409",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const admin = await signInAs(app, "ADMIN");
      const flagPaths = [
        "/api/admin/feature-flags/new.dashboard",
        "/api/governance/flags/new.dash2",
      ];
      for (const path of flagPaths) {
        // The docs/flags.md example body, against a key no flag has.
        const missing = await send(app, admin, "POST", path, {
          enabled: true,
          rolloutPercent: 20,
          requiredModes: ["LIVE"],
          version: 3,
        });
        assert.equal(missing.status, 404, path);
        assert.equal(missing.code, "NOT_FOUND");
        assert.match(missing.detail ?? "", /^No flag with this key exists/);
        assert.match(missing.detail ?? "", /send no version to create it/);
      }
      const missingExperiment = await send(app, admin, "POST", "/api/admin/experiments", {
        key: "exp_missing",
        enabled: true,
        variants: { a: { weight: 1 } },
        version: 3,
      });
      assert.equal(missingExperiment.status, 404);
      assert.equal(missingExperiment.code, "NOT_FOUND");
      assert.match(missingExperiment.detail ?? "", /^No experiment with this key exists/);
      const flags = await app.db.query("SELECT key FROM feature_flags");
      const experiments = await app.db.query("SELECT key FROM experiments");
      assert.deepEqual([flags.length, experiments.length], [0, 0], "nothing created");

      // A stale version of an existing one is still a conflict.
      const path = "/api/admin/feature-flags/real.flag";
      assert.equal((await send(app, admin, "POST", path, { enabled: true })).status, 200);
      const stale = await send(app, admin, "POST", path, { enabled: false, version: 7 });
      assert.equal(stale.status, 409);
      assert.equal(stale.code, "CONFLICT");
      const created = await send(app, admin, "POST", "/api/admin/experiments", {
        key: "exp_real",
        enabled: true,
        variants: { a: { weight: 1 } },
      });
      assert.equal(created.status, 200);
      const staleExperiment = await send(app, admin, "POST", "/api/admin/experiments", {
        key: "exp_real",
        enabled: false,
        variants: { a: { weight: 1 } },
        version: 7,
      });
      assert.equal(staleExperiment.status, 409);

      // Archive and restore: a missing flag is 404, a stale version 409, the archived
      // flag's own version restores it.
      const archiveMissing = await send(
        app,
        admin,
        "DELETE",
        "/api/admin/feature-flags/no.such.flag?version=1",
      );
      assert.equal(archiveMissing.status, 404);
      assert.equal(archiveMissing.code, "NOT_FOUND");
      const archiveStale = await send(app, admin, "DELETE", `${path}?version=7`);
      assert.equal(archiveStale.status, 409);
      const archived = await send(app, admin, "DELETE", `${path}?version=1`) as Problem & {
        flag?: { version: number };
      };
      assert.equal(archived.status, 200);
      const restoreStale = await send(app, admin, "POST", path, { enabled: false, version: 1 });
      assert.equal(restoreStale.status, 409, "the archive moved the version on");
      const restored = await send(app, admin, "POST", path, {
        enabled: false,
        version: archived.flag!.version,
      });
      assert.equal(restored.status, 200);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test("a token without the scope a route needs is told which scope, not about a role", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    const refused = await app.request("/api/jobs", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refused.status, 403);
    const problem = await refused.json();
    assert.equal(problem.code, "FORBIDDEN");
    assert.match(problem.detail, /lacks the scope this needs: jobs:read/);
    // A route no token may use says so.
    const noTokens = await app.request("/api/admin/users", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(noTokens.status, 403);
    assert.match((await noTokens.json()).detail, /API tokens cannot be used here/);
  } finally {
    await app.dispose();
  }
});

Deno.test("a bad date-time or calendar day gets one message that states the rule", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const token = await app.request("/api/admin/tokens", {
      method: "POST",
      headers: { ...admin.headers(), "content-type": "application/json" },
      body: JSON.stringify({ name: "worker", scopes: ["jobs:read"], expiresAt: "next tuesday" }),
    });
    assert.equal(token.status, 400);
    const errors = (await token.json()).errors as Array<{ path: string; message: string }>;
    assert.deepEqual(errors.filter((e) => e.path === "$.expiresAt").map((e) => e.message), [
      "Must be an ISO 8601 date-time with a time zone, such as 2026-11-22T14:03:00Z",
    ]);
    // Well-formed but out of range: the range rule, once.
    const far = await app.request("/api/admin/tokens", {
      method: "POST",
      headers: { ...admin.headers(), "content-type": "application/json" },
      body: JSON.stringify({
        name: "worker",
        scopes: ["jobs:read"],
        expiresAt: "0000-01-01T00:00:00Z",
      }),
    });
    assert.equal(far.status, 400);
    assert.deepEqual(
      ((await far.json()).errors as Array<{ path: string; message: string }>).map((e) => e.message),
      ["Must be between 0001-01-01 and 9999-12-31 (UTC)"],
    );
  } finally {
    await app.dispose();
  }
});
