/**
 * `POST /api/errors`: what a signed-in user writes into a browser report's message reaches
 * Sentry only as a template (digit runs `0`, quoted strings `'…'`, words in any case outside
 * the error-message vocabulary `…`), and its stack only as frames with a code function name and
 * an island bundle file, so text the PHI scanner misses does not leave either.
 */
import assert from "node:assert/strict";
import { readIslandBundles } from "../lib/sentry/bundles.ts";
import { buildTestApp } from "./helpers/app.ts";
import { postJson, signInAs } from "./helpers/auth.ts";
import { leakedCanaries, makeCanaries } from "./sentry_canaries.ts";
import { exceptionOf, startSentryStandIn } from "./sentry_helpers.ts";

// A real bundle file: only those keep their name and position (lib/sentry/bundles.ts).
const BUNDLE = `/_islands/${
  [...readIslandBundles().keys()].find((name) => name.startsWith("ModeBadge-")) ??
    "ModeBadge-not-built.js"
}`;
const ISLAND = `http://127.0.0.1:8000${BUNDLE}`;
const frames = `    at refresh (${ISLAND}:1:234)\n    at boot (${ISLAND}:1:120)`;

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
          sent: "Record #0 missing; …. … has no …; …^…^^^…; retry 0 of '…' failed",
          values: ["7741293", "Zarkowski", "ZARKOWSKI", "QUENBY", "^MR", "3817", "quenby"],
        },
        {
          // Forms the scanner misses.
          message: "Case 7741293 for Zarkowski; Lookup failed for 'Quenby Zarkowski'; " +
            "ZARKOWSKI^Q^^^; bed 9143 Zarkowski Quenby",
          sent: "… 0 for …; … failed for '…'; …^…^^^; … 0 … …",
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
            [BUNDLE, "boot", 1, 120],
            [BUNDLE, "refresh", 1, 234],
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

const c = makeCanaries();
const [first, last] = c.name.split(" ") as [string, string];

/** The reviewer's reports: names in lower case, in identifiers and in stack frames. */
function nameReports(given: string, family: string) {
  const g = given.toLowerCase();
  const f = family.toLowerCase();
  const frame = (fn: string, file = ISLAND) => `TypeError: x\n    at ${fn} (${file}:1:2)`;
  return [
    { message: `could not load chart for ${g} ${f}` },
    { message: `failed to open record of patient ${f}` },
    { message: `${family} ${g}` },
    { message: `no user ${g}.${f} in org` },
    { message: `render_${f}_${g} is not a function` },
    { message: `${given}${family} is not defined` },
    { stack: frame(`${given} ${family}`) },
    { stack: frame(`${given}${family}`) },
    { stack: frame(`${family}.${given}`) },
    { stack: frame(`render_${f}_${g}`) },
    { stack: frame(`${g}`) },
    { stack: `TypeError: x\n    at ${given} ${family} admitted (<anonymous>)` },
    { stack: frame("e", `${f}/${g}.js`) },
    { stack: frame("e", `http://127.0.0.1:8000/${f}/${g}.js`) },
    { stack: `TypeError: x\n    at ${f}/${g}.js:1:2` },
  ];
}

Deno.test({
  name:
    "POST /api/errors: names in lower case, identifiers, frame functions and frame files do not reach Sentry",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn, RATE_LIMIT_PER_MIN: "0" } });
    try {
      const bodies = [...nameReports("Quenby", "Zarkowski"), ...nameReports(first, last)];
      let session = await signInAs(app, "RESEARCHER");
      for (const [i, body] of bodies.entries()) {
        // One user may send 20 reports a minute: another user for the next ones.
        if (i > 0 && i % 15 === 0) session = await signInAs(app, "RESEARCHER");
        const response = await postJson(app, session, "/api/errors", {
          type: "TypeError",
          message: "x is not a function",
          stack: `TypeError: x\n${frames}`,
          route: "/flags",
          ...body,
        });
        assert.equal(response.status, 202);
        await response.body?.cancel();
        assert.equal(await app.services.errors.flush(5000), true);
        assert.equal(sentry.events().length, i + 1, `forwarded: ${JSON.stringify(body)}`);
        const raw = sentry.envelopes().at(-1)!.raw;
        const lower = raw.toLowerCase();
        for (const word of ["quenby", "zarkowski", first.toLowerCase(), last.toLowerCase()]) {
          assert.ok(!lower.includes(word), `${JSON.stringify(body)} leaves without the name`);
        }
        assert.deepEqual(leakedCanaries(c, raw), []);
      }
      const sent = sentry.events().map((event) => exceptionOf(event));
      // Lower-case and identifier words are templated part by part.
      assert.equal(sent[0]!.value, "could not load … for … …");
      assert.equal(sent[3]!.value, "no user ….… in …");
      assert.equal(sent[4]!.value, "render_…_… is not a function");
      // A frame keeps an island bundle path and a known or minified function name, nothing else.
      const frameOf = (i: number) =>
        sent[i]!.stacktrace!.frames.map((f) => [f.filename, f.function]);
      for (const i of [6, 7, 8, 9, 10]) {
        assert.deepEqual(frameOf(i), [[BUNDLE, "?"]], String(i));
      }
      assert.deepEqual(frameOf(11), [["<anonymous>", "?"]]);
      for (const i of [12, 13, 14]) assert.equal(frameOf(i)[0]![0], "<unknown>", String(i));
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});

Deno.test({
  name: "POST /api/errors: engine messages and minified island frames arrive readable",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn, RATE_LIMIT_PER_MIN: "0" } });
    try {
      const session = await signInAs(app, "RESEARCHER");
      const cases: Array<[string, string, string]> = [
        [
          "ResizeObserver loop completed with undelivered notifications.",
          "ResizeObserver loop completed with undelivered notifications.",
          "Error",
        ],
        [
          "NetworkError when attempting to fetch resource.",
          "NetworkError when attempting to fetch resource.",
          "TypeError",
        ],
        ["signal is aborted without reason", "signal is aborted without reason", "AbortError"],
        ["The operation was aborted.", "The operation was aborted.", "DOMException"],
        ["Loading chunk 42 failed.", "Loading chunk 0 failed.", "ChunkLoadError"],
        [
          "Cannot read properties of undefined (reading 'length')",
          "Cannot read properties of undefined (reading '…')",
          "TypeError",
        ],
        ["e is not a function", "e is not a function", "TypeError"],
        ["t.map is not a function", "t.map is not a function", "TypeError"],
        [
          "Unexpected end of JSON input",
          "Unexpected end of JSON input",
          "SyntaxError",
        ],
        ["Failed to fetch", "Failed to fetch", "TypeError"],
      ];
      for (const [i, [message, expected, type]] of cases.entries()) {
        const response = await postJson(app, session, "/api/errors", {
          type,
          message,
          stack: `${type}: ${message}\n    at e (${ISLAND}:1:77)\n    at Xy (${ISLAND}:1:88)\n` +
            `    at $ (${ISLAND}:1:99)\n    at Array.map (<anonymous>)\n` +
            `    at HTMLButtonElement.connectedCallback (${ISLAND}:1:3)`,
          route: "/flags",
        });
        assert.equal(response.status, 202);
        await response.body?.cancel();
        assert.equal(await app.services.errors.flush(5000), true);
        assert.equal(sentry.events().length, i + 1, message);
        const exception = exceptionOf(sentry.events().at(-1)!);
        assert.equal(exception.type, type);
        assert.equal(exception.value, expected);
        assert.deepEqual(
          exception.stacktrace!.frames.map((f) => [f.filename, f.function, f.lineno, f.colno]),
          [
            [BUNDLE, "HTMLButtonElement.connectedCallback", 1, 3],
            ["<anonymous>", "Array.map", undefined, undefined],
            [BUNDLE, "$", 1, 99],
            [BUNDLE, "Xy", 1, 88],
            [BUNDLE, "e", 1, 77],
          ],
        );
      }
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});
