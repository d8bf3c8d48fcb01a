/**
 * API messages that state the rule: each refused field gets one message per cause, saying what
 * is allowed (never "Invalid value", never the same message twice).
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

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
        "$.variants.a.config",
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
