/**
 * `POST /api/errors`: what a signed-in user writes into a browser report's message reaches
 * Sentry only as a template (digit runs `0`, quoted strings `'…'`, capitalised words that are
 * no known error-message word `…`), so text the PHI scanner misses does not leave either.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { postJson, signInAs } from "./helpers/auth.ts";
import { exceptionOf, startSentryStandIn } from "./sentry_helpers.ts";

const ISLAND = "http://127.0.0.1:8000/_islands/ModeBadge-3f2a9c1b7d4e.js";
const frames = `    at refresh (${ISLAND}:1:2345)\n    at boot (${ISLAND}:1:120)`;

Deno.test({
  name:
    "POST /api/errors: record numbers, quoted values and names in a browser message do not reach Sentry",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn, RATE_LIMIT_PER_MIN: "0" } });
    try {
      const session = await signInAs(app, "RESEARCHER");
      const cases = [
        {
          // The review's examples: the scanner now reads some of them, the template all of them.
          message: "Record #7741293 missing; pt. Zarkowski has no chart; " +
            "ZARKOWSKI^QUENBY^^^MR; retry 3817 of 'quenby zarkowski' failed",
          sent: "Record #0 missing; pt. … has no chart; …^…^^^…; retry 0 of '…' failed",
          values: ["7741293", "Zarkowski", "ZARKOWSKI", "QUENBY", "^MR", "3817", "quenby"],
        },
        {
          // Forms the scanner misses.
          message: "Case 7741293 for Zarkowski; Lookup failed for 'Quenby Zarkowski'; " +
            "ZARKOWSKI^Q^^^; bed 9143 Zarkowski Quenby",
          sent: "… 0 for …; … failed for '…'; …^…^^^; bed 0 … …",
          values: ["7741293", "Zarkowski", "ZARKOWSKI", "Quenby", "^Q^", "9143"],
        },
      ];
      for (const [i, { message, sent, values }] of cases.entries()) {
        const response = await postJson(app, session, "/api/errors", {
          type: "TypeError",
          message,
          stack: `TypeError: ${message}\n${frames}\nChart note for Zarkowski, MRN 7741293`,
          route: "/flags",
        });
        assert.equal(response.status, 202);
        await response.body?.cancel();
        assert.equal(await app.services.errors.flush(5000), true);
        const events = sentry.events();
        assert.equal(events.length, i + 1, "the report is forwarded, as a template");
        const raw = sentry.envelopes().at(-1)!.raw;
        for (const value of values) {
          assert.ok(!raw.includes(value), `${value} does not reach Sentry`);
        }
        const exception = exceptionOf(events.at(-1)!);
        assert.equal(exception.value, sent);
        assert.deepEqual(
          exception.stacktrace!.frames.map((f) => [f.filename, f.function, f.lineno, f.colno]),
          [
            ["/_islands/ModeBadge-3f2a9c1b7d4e.js", "boot", 1, 120],
            ["/_islands/ModeBadge-3f2a9c1b7d4e.js", "refresh", 1, 2345],
          ],
        );
      }

      // A plain message is kept as it was written.
      const plain = await postJson(app, session, "/api/errors", {
        type: "RangeError",
        message: "Offset out of range",
        stack: `RangeError: Offset out of range\n${frames}`,
        route: "/flags",
      });
      assert.equal(plain.status, 202);
      await plain.body?.cancel();
      assert.equal(await app.services.errors.flush(5000), true);
      const last = exceptionOf(sentry.events().at(-1)!);
      assert.equal(last.type, "RangeError");
      assert.equal(last.value, "Offset out of range");
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});
