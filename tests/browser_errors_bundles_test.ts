/**
 * `POST /api/errors`: a browser frame keeps its file only when it is one of the app's island
 * bundles (the files the build wrote to static/_islands/, read when the app starts), and its
 * line and column only when they point inside that bundle. Any other `/_islands/…` name, and any
 * other position, is text the client chose (the PHI review sent an e-mail address as a base64
 * file name and an SSN as a line number). Needs `deno task build`.
 */
import assert from "node:assert/strict";
import { readIslandBundles } from "../lib/sentry/bundles.ts";
import { buildTestApp } from "./helpers/app.ts";
import { postJson, signInAs } from "./helpers/auth.ts";
import { exceptionOf, startSentryStandIn } from "./sentry_helpers.ts";

const bundles = readIslandBundles();
const modeBadge = [...bundles.keys()].find((name) => name.startsWith("ModeBadge-"));

Deno.test({
  name: "POST /api/errors: only the app's bundle files and positions inside them reach Sentry",
  ignore: modeBadge === undefined,
  async fn() {
    const bundle = modeBadge!;
    const lines = bundles.get(bundle)!;
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn, RATE_LIMIT_PER_MIN: "0" } });
    try {
      const session = await signInAs(app, "RESEARCHER");
      const send = async (frame: string) => {
        const response = await postJson(app, session, "/api/errors", {
          type: "TypeError",
          message: "x is not a function",
          stack: `TypeError: x\n    at e (${frame})`,
          route: "/flags/x",
        });
        assert.equal(response.status, 202);
        await response.body?.cancel();
        assert.equal(await app.services.errors.flush(5000), true);
        const frames = exceptionOf(sentry.events().at(-1)!).stacktrace!.frames;
        return {
          raw: sentry.envelopes().at(-1)!.raw,
          frames: frames.map((f) => [f.filename, f.function, f.lineno, f.colno]),
        };
      };

      // The review's file names: an e-mail address in base64, and spelt out.
      for (
        const name of [
          "cXVpbGxhLnZhbnRyZWVzZUBjYW5hcnltYWlsLm9yZw.js",
          "quilla.vantreese.at.canarymail.org.js",
          "quilla.vantreese.js",
          `${bundle.slice(0, -3)}0.js`,
        ]
      ) {
        const sent = await send(`http://h/_islands/${name}:1:1`);
        assert.deepEqual(sent.frames, [["<unknown>", "e", undefined, undefined]], name);
        assert.ok(!sent.raw.includes(name.slice(0, -3)), `${name} does not reach Sentry`);
        assert.ok(!sent.raw.includes("cXVpbGxh") && !sent.raw.includes("quilla"));
      }

      // A real bundle keeps its path, and a position inside it.
      const last = lines.length;
      const width = lines[last - 1]!;
      assert.deepEqual((await send(`http://h/_islands/${bundle}:1:1`)).frames, [
        [`/_islands/${bundle}`, "e", 1, 1],
      ]);
      assert.deepEqual((await send(`http://h/_islands/${bundle}:${last}:${width}`)).frames, [
        [`/_islands/${bundle}`, "e", last, width],
      ]);

      // The review's SSN-shaped position, and positions just past the bundle's end: dropped.
      for (
        const position of ["536224187:4158672", `${last + 1}:1`, `${last}:${width + 2}`, "0:1"]
      ) {
        const sent = await send(`http://h/_islands/${bundle}:${position}`);
        assert.deepEqual(sent.frames, [[`/_islands/${bundle}`, "e", undefined, undefined]]);
        assert.ok(!sent.raw.includes("536224187") && !sent.raw.includes("4158672"), position);
      }
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});
