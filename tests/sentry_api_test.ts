/**
 * `POST /api/errors` (browser reports → the same scrub → the Sentry stand-in)
 * and the process-level handlers, against a real loopback Sentry.
 */
import assert from "node:assert/strict";
import { memoryLogger } from "../lib/log/mod.ts";
import { installProcessHandlers } from "../lib/sentry/process.ts";
import { isSentryDsn, matchRoute } from "../lib/sentry/mod.ts";
import { readIslandBundles } from "../lib/sentry/bundles.ts";
import { buildTestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { leakedCanaries, makeCanaries, phiMessages } from "./sentry_canaries.ts";
import { exceptionOf, startSentryStandIn } from "./sentry_helpers.ts";

const c = makeCanaries();
const messages = phiMessages(c);
// A real bundle file: only those keep their name and position (lib/sentry/bundles.ts).
const BUNDLE = `/_islands/${
  [...readIslandBundles().keys()].find((name) => name.startsWith("ModeBadge-")) ??
    "ModeBadge-not-built.js"
}`;
const ISLAND = `http://127.0.0.1:8000${BUNDLE}`;

function report(overrides: Record<string, unknown> = {}) {
  return {
    type: "TypeError",
    message: "Cannot read properties of null (reading 'value')",
    stack: "TypeError: Cannot read properties of null (reading 'value')\n" +
      `    at refresh (${ISLAND}:1:234)\n` +
      `    at boot (${ISLAND}:1:120)`,
    route: "/flags",
    ...overrides,
  };
}

Deno.test("matchRoute() answers a registered pattern or 'unmatched', never the client's path", () => {
  const patterns = ["/", "/flags", "/flags/:key", "/admin/users", "/docs/*"];
  assert.equal(matchRoute("/flags", patterns), "/flags");
  assert.equal(matchRoute(`/flags/${c.ssn}?email=${c.email}#x`, patterns), "/flags/:key");
  assert.equal(matchRoute("/", patterns), "/");
  assert.equal(matchRoute("/docs/a/b", patterns), "/docs/*");
  assert.equal(matchRoute(`/patients/${c.mrn}`, patterns), "unmatched");
  assert.equal(matchRoute("/flags/", patterns), "unmatched");
  assert.equal(matchRoute("", patterns), "unmatched");
});

Deno.test({
  name:
    "POST /api/errors: browser reports are scrubbed on the server, forwarded or dropped, never echoed",
  async fn(t) {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn } });
    const post = (body: unknown, headers: Record<string, string>) =>
      app.request("/api/errors", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    try {
      const session = await signInAs(app, "RESEARCHER");

      await t.step(
        "a clean report arrives with type, island frames and the page route",
        async () => {
          const response = await post(
            report({ route: `/flags/${c.ssn}?email=${c.email}` }),
            session.headers(),
          );
          assert.equal(response.status, 202);
          assert.equal(await response.text(), "");
          assert.equal(await app.services.errors.flush(5000), true);
          const events = sentry.events();
          assert.equal(events.length, 1);
          const event = events[0]!;
          const exception = exceptionOf(event);
          assert.equal(exception.type, "TypeError");
          // The message leaves as its template (lib/sentry/browser.ts messageTemplate).
          assert.equal(exception.value, "Cannot read properties of null (reading '…')");
          assert.deepEqual(
            exception.stacktrace!.frames.map((f) => [f.filename, f.function, f.in_app]),
            [
              [BUNDLE, "boot", true],
              [BUNDLE, "refresh", true],
            ],
          );
          const tags = event.tags as Record<string, string>;
          assert.equal(tags.source, "browser");
          assert.equal(tags.runtime, "browser");
          assert.equal(tags.route, "/flags/:key");
          assert.equal(tags.method, "GET");
          assert.deepEqual(leakedCanaries(c, sentry.envelopes()[0]!.raw), []);
        },
      );

      await t.step(
        "PHI in a report leaves only as its template (still 202)",
        async () => {
          // The template takes digits, quoted text and every word outside the error-message
          // vocabulary out of the message, and a frame keeps only a known or minified function
          // name and an island bundle path: these arrive without their canary. The scrub still
          // scans the result (and would drop it on a finding); nothing is left for it to find.
          const templated = [
            report({ message: messages.ssn }),
            report({ message: messages.phone }),
            report({ message: messages.mrn }),
            report({ message: messages.name }),
            report({ message: messages.base64Ssn }),
            report({ type: "Error", message: `Invalid token ${c.base64Ssn}`, stack: undefined }),
            report({ message: messages.email }),
            report({ stack: `Error: x\n    at patient ${c.name} (${ISLAND}:1:1)` }),
            report({ stack: `Error: x\n    at f (${c.email}:1:1)` }),
          ];
          const before = sentry.hits.length;
          const droppedBefore = await app.services.metrics.sentryDropped.value({
            reason: "phi_detected",
          });
          for (const body of templated) {
            const response = await post(body, session.headers());
            assert.equal(response.status, 202);
            assert.equal(await response.text(), "");
          }
          assert.equal(await app.services.errors.flush(5000), true);
          assert.equal(sentry.hits.length, before + templated.length);
          assert.equal(
            await app.services.metrics.sentryDropped.value({ reason: "phi_detected" }),
            droppedBefore,
          );
          for (const envelope of sentry.envelopes()) {
            assert.deepEqual(leakedCanaries(c, envelope.raw), []);
          }
          // This step's events, found by their frames: the reports are sent at once, so they may
          // arrive in any order (the last two received need not be the last two sent).
          const frames = sentry.events().slice(-templated.length).map((event) =>
            JSON.stringify(
              (exceptionOf(event).stacktrace?.frames ?? []).map((f) => [f.filename, f.function]),
            )
          );
          assert.ok(frames.includes(JSON.stringify([[BUNDLE, "?"]])), frames.join("\n"));
          assert.ok(frames.includes(JSON.stringify([["<unknown>", "f"]])), frames.join("\n"));
        },
      );

      await t.step("a frame URL's query and origin never leave", async () => {
        const stack = `Error: x\n    at f (http://127.0.0.1:8000/_islands/A-1.js?email=${
          encodeURIComponent(c.email)
        }&ssn=${c.ssn}:1:1)`;
        const response = await post(report({ stack }), session.headers());
        assert.equal(response.status, 202);
        await response.body?.cancel();
        assert.equal(await app.services.errors.flush(5000), true);
        const raw = sentry.envelopes().at(-1)!.raw;
        assert.deepEqual(leakedCanaries(c, raw), []);
        assert.ok(!raw.includes(encodeURIComponent(c.email)));
        assert.ok(!raw.includes("127.0.0.1:8000"));
      });

      await t.step("invalid reports are refused with 400 and no echo", async () => {
        for (
          const body of [
            { ...report(), extra: c.email },
            { type: "", message: "x", route: "/" },
            { type: "E", message: c.ssn },
            `{"type": "E", "message": "${c.ssn}"`,
          ]
        ) {
          const response = await post(body, session.headers());
          assert.equal(response.status, 400);
          assert.equal(response.headers.get("content-type"), "application/problem+json");
          const text = await response.text();
          assert.equal(JSON.parse(text).code, "VALIDATION_FAILED");
          assert.deepEqual(leakedCanaries(c, text), []);
        }
      });

      await t.step("bodies over 16 KB are refused with 413", async () => {
        const response = await post(
          report({ message: "x".repeat(1000), stack: "y".repeat(17_000) }),
          session.headers(),
        );
        assert.equal(response.status, 413);
        assert.equal(response.headers.get("content-type"), "application/problem+json");
        assert.equal((await response.json()).code, "PAYLOAD_TOO_LARGE");
      });

      await t.step(
        "anonymous callers, API tokens and missing CSRF tokens are refused",
        async () => {
          const anonymous = await post(report(), {});
          assert.equal(anonymous.status, 401);
          await anonymous.body?.cancel();
          const token = await createToken(app, { scopes: ["flags:evaluate"] });
          const bearer = await post(report(), { authorization: `Bearer ${token}` });
          assert.equal(bearer.status, 403);
          await bearer.body?.cancel();
          const noCsrf = await post(report(), { cookie: session.cookie });
          assert.equal(noCsrf.status, 403);
          assert.equal((await noCsrf.json()).code, "CSRF_FAILED");
        },
      );

      await t.step("one user is limited to 20 reports a minute", async () => {
        const other = await signInAs(app, "STEWARD");
        const statuses: number[] = [];
        for (let i = 0; i < 21; i++) {
          const response = await post(report({ message: messages.email }), other.headers());
          statuses.push(response.status);
          await response.body?.cancel();
        }
        assert.deepEqual(statuses.slice(0, 20), Array(20).fill(202));
        assert.equal(statuses[20], 429);
        // Another user is not affected.
        const response = await post(report({ message: messages.email }), session.headers());
        assert.equal(response.status, 202);
        await response.body?.cancel();
      });
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});

Deno.test({
  name: "POST /api/errors in STANDBY: 503 MODE_STANDBY (the client drops the report), nothing sent",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn, ROS_MODE: "STANDBY" } });
    try {
      const session = await signInAs(app, "ADMIN");
      const response = await app.request("/api/errors", {
        method: "POST",
        headers: session.headers({ "content-type": "application/json" }),
        body: JSON.stringify(report()),
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      assert.equal((await response.json()).code, "MODE_STANDBY");
      await app.services.errors.flush(5000);
      assert.equal(sentry.hits.length, 0);
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});

Deno.test({
  name:
    "process handlers report unhandled rejections and uncaught exceptions, then exit on the latter",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn } });
    const target = new EventTarget();
    const logger = memoryLogger();
    const exits: number[] = [];
    let exited!: () => void;
    const exitedPromise = new Promise<void>((resolve) => (exited = resolve));
    const uninstall = installProcessHandlers({
      target,
      errors: app.services.errors,
      logger,
      exit: (code) => {
        exits.push(code);
        exited();
      },
    });
    try {
      const rejection = new PromiseRejectionEvent("unhandledrejection", {
        promise: Promise.resolve(),
        reason: new RangeError("Offset out of range"),
        cancelable: true,
      });
      target.dispatchEvent(rejection);
      assert.equal(rejection.defaultPrevented, true);
      const phiRejection = new PromiseRejectionEvent("unhandledrejection", {
        promise: Promise.resolve(),
        reason: new Error(messages.mrn),
        cancelable: true,
      });
      target.dispatchEvent(phiRejection);
      const uncaught = new ErrorEvent("error", {
        error: new TypeError("Assignment to constant variable"),
        cancelable: true,
      });
      target.dispatchEvent(uncaught);
      assert.equal(uncaught.defaultPrevented, true);
      await exitedPromise;
      assert.deepEqual(exits, [1]);
      assert.equal(await app.services.errors.flush(5000), true);
      const events = sentry.events();
      assert.deepEqual(
        events.map((e) => [exceptionOf(e).type, (e.tags as Record<string, string>).source]),
        [["RangeError", "unhandled_rejection"], ["TypeError", "uncaught_exception"]],
      );
      assert.deepEqual(leakedCanaries(c, logger.lines.join("\n")), []);
      assert.deepEqual(leakedCanaries(c, sentry.envelopes().map((e) => e.raw).join("\n")), []);
    } finally {
      uninstall();
      await app.dispose();
      await sentry.close();
    }
  },
});

Deno.test("a SENTRY_DSN that is not a DSN turns reporting off and says so without the value", async () => {
  const app = await buildTestApp({ env: { SENTRY_DSN: "http://127.0.0.1:9/not-a-project" } });
  try {
    assert.equal(app.services.errors.enabled, false);
    const logs = app.logs.join("\n");
    assert.match(logs, /SENTRY_DSN is not a Sentry DSN/);
    assert.ok(!logs.includes("not-a-project"));
  } finally {
    await app.dispose();
  }
});

Deno.test("isSentryDsn() accepts the DSN shapes Sentry issues", () => {
  assert.equal(isSentryDsn("https://0123abc@o1.ingest.sentry.io/4505"), true);
  assert.equal(isSentryDsn("http://key@127.0.0.1:9000/42"), true);
  assert.equal(isSentryDsn("https://key@sentry.example/prefix/7"), true);
  assert.equal(isSentryDsn("https://sentry.example/7"), false);
  assert.equal(isSentryDsn("https://key@sentry.example/"), false);
  assert.equal(isSentryDsn("ftp://key@sentry.example/7"), false);
  assert.equal(isSentryDsn("not a url"), false);
});
