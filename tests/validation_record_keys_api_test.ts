/**
 * A record key is the client's own text (a variant key, a config key): a 400's `errors[].path`
 * never holds it, whether or not the PHI scanner finds anything in it. The entry is named by its
 * position in the sent object (`$.variants[1].weight`), and the fields the schema declares keep
 * their names, so the client still learns which field is wrong. Nor does the key reach the logs.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface Problem {
  code: string;
  errors?: Array<{ path: string; message: string }>;
}

async function post(app: TestApp, admin: Session, body: unknown) {
  const response = await app.request("/api/admin/experiments", {
    method: "POST",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

Deno.test({
  name: "experiment variants: a 400 names the entry by position, never by the client's key",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const cases: Array<[unknown, string[], string[]]> = [
        // The reviewer's request: a key the pattern allows and the scanner passes.
        [{ "Doe-Jane": { weight: "x" } }, ["$.variants[0].weight"], ["Doe-Jane"]],
        [
          { control: { weight: 1 }, "CANARY-7731": { weight: -1 } },
          ["$.variants[1].weight"],
          ["CANARY-7731"],
        ],
        // A field the variant does not declare: named at the variant, not by its own name.
        [{ Smith: { weight: 1, "Jane-Roe": 1 } }, ["$.variants[0]"], ["Smith", "Jane-Roe"]],
        // Config keys: a too-large config is reported at the variant's config.
        [
          { Doe: { weight: 1, config: { Roe: "x".repeat(5000) } } },
          ["$.variants[0].config"],
          ["Doe", "Roe"],
        ],
      ];
      for (const [variants, paths, keys] of cases) {
        const logsBefore = app.logs.length;
        const { status, text } = await post(app, admin, {
          key: "rev_exp_q",
          enabled: true,
          variants,
        });
        assert.equal(status, 400, text);
        const problem = JSON.parse(text) as Problem;
        assert.equal(problem.code, "VALIDATION_FAILED");
        assert.deepEqual(problem.errors!.map((e) => e.path), paths, text);
        const logs = JSON.stringify(app.logs.slice(logsBefore));
        for (const key of keys) {
          assert.ok(!text.includes(key), `response echoes ${key}: ${text}`);
          assert.ok(!logs.includes(key), `logs echo ${key}: ${logs}`);
        }
      }
    } finally {
      await app.dispose();
    }
  },
});
