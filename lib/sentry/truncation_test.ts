/**
 * Shortening never lets part of an identifier out: an identifier planted across the point where
 * a long message (1,000 characters) or a long stack line (1,024, the SDK's parser) is cut, at
 * every offset, must not reach Sentry in part. Checked on the scrub alone, through the reporter
 * and the SDK to a loopback Sentry, and through `POST /api/errors`.
 *
 * The identifiers are synthetic and built at run time (tests/sentry_canaries.ts, a seeded
 * faker for the date); the filler around them holds no digit and none of their letters, so any
 * 4-character prefix of an identifier found in an event came from the identifier.
 */
import assert from "node:assert/strict";
import { en, Faker } from "@faker-js/faker";
import { systemClock } from "../clock.ts";
import { memoryLogger } from "../log/mod.ts";
import { createOutboundGuard } from "../net/mod.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { buildTestApp } from "../../tests/helpers/app.ts";
import { signInAs } from "../../tests/helpers/auth.ts";
import { makeCanaries } from "../../tests/sentry_canaries.ts";
import { exceptionOf, startSentryStandIn } from "../../tests/sentry_helpers.ts";
import { MAX_STACK_LINE_CHARS } from "./sentry_reporter.ts";
import { createSentryReporter } from "./mod.ts";
import { defaultScanner, scrubEvent } from "./scrub.ts";

const MAX_MESSAGE = 1000;
const c = makeCanaries();

/** A date of birth as `YYYY-MM-DD`, from a seeded faker. */
function fakeBirthDate(seed = 5_1955): string {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  return faker.date.birthdate({ min: 1930, max: 2015, mode: "year" }).toISOString().slice(0, 10);
}

interface Planted {
  kind: string;
  /** The words before the identifier that make it readable as one (a cue). */
  cue: string;
  value: string;
  /** The 4-character prefixes that must never appear: of the text, and of its digits. */
  text4: string;
  digits4?: string;
}

function planted(kind: string, cue: string, value: string): Planted {
  const digits = value.replace(/\D/g, "");
  return {
    kind,
    cue,
    value,
    text4: value.slice(0, 4),
    ...(digits.length >= 4 ? { digits4: digits.slice(0, 4) } : {}),
  };
}

const IDENTIFIERS: Planted[] = [
  planted("email", "received ", c.email),
  planted("ssn", "SSN ", c.ssn),
  planted("phone", "call ", c.phone),
  planted("date", "DOB ", fakeBirthDate()),
];

/** No digit, and no 4 characters in a row of any identifier. */
const FILLER_CHAR = "~";

/**
 * A message over the limit whose cut (at `MAX_MESSAGE`) falls `offset` characters into the
 * identifier: 0 keeps none of it, `value.length` all of it; -1 and length + 1 are the cuts just
 * outside.
 */
function messageCutAt(id: Planted, offset: number): string {
  const start = MAX_MESSAGE - offset;
  const head = FILLER_CHAR.repeat(start - id.cue.length - 1) + " " + id.cue;
  return head + id.value + " " + FILLER_CHAR.repeat(200);
}

function offsets(id: Planted): number[] {
  return Array.from({ length: id.value.length + 3 }, (_, i) => i - 1);
}

/** What of `id` a sent text gives away (empty when nothing): kinds of prefixes, never values. */
function leaks(id: Planted, text: string): string[] {
  const found: string[] = [];
  if (text.includes(id.text4)) found.push("text prefix");
  if (id.digits4 && text.replace(/\D/g, "").includes(id.digits4)) found.push("digit prefix");
  return found;
}

/** The exception messages of an event, joined: where the filler (no digits) and the cut live. */
function messagesOf(event: { exception?: unknown }): string {
  const values = (event.exception as { values?: Array<{ value?: string }> } | undefined)?.values;
  return (values ?? []).map((value) => value.value ?? "").join("\n");
}

Deno.test("the planted identifiers are what the scanner finds, and the filler is neutral", () => {
  for (const id of IDENTIFIERS) {
    const whole = `${id.cue}${id.value}`;
    assert.ok(defaultScanner({ value: whole }).found, `${id.kind} is found when whole`);
    assert.ok(!FILLER_CHAR.repeat(8).includes(id.text4), id.kind);
    assert.ok(id.digits4 !== undefined || id.kind === "email", id.kind);
    for (const offset of offsets(id)) {
      const message = messageCutAt(id, offset);
      assert.ok(message.length > MAX_MESSAGE);
      assert.equal(
        message.slice(MAX_MESSAGE - offset, MAX_MESSAGE - offset + id.value.length),
        id.value,
      );
    }
  }
});

Deno.test("scrubEvent() scans a long message whole before cutting it: no part of an identifier across the cut is kept", () => {
  for (const id of IDENTIFIERS) {
    for (const offset of offsets(id)) {
      const result = scrubEvent({
        exception: { values: [{ type: "Error", value: messageCutAt(id, offset) }] },
      });
      if (result.ok) {
        assert.deepEqual(
          leaks(id, messagesOf(result.event)),
          [],
          `${id.kind}: the cut ${offset} characters into it let a prefix through`,
        );
        assert.deepEqual(
          leaks(id, JSON.stringify(result.event)).filter((l) => l === "text prefix"),
          [],
        );
      } else {
        assert.equal(result.reason, "phi_detected", `${id.kind} at ${offset}`);
      }
    }
  }
});

Deno.test("scrubEvent() still cuts a clean long message to 1,000 characters and sends it", () => {
  const message = "Import step failed; ".repeat(100);
  const result = scrubEvent({ exception: { values: [{ type: "Error", value: message }] } });
  assert.ok(result.ok);
  assert.equal(result.event.exception.values[0]!.value, message.slice(0, MAX_MESSAGE) + "…");
});

Deno.test("scrubEvent() scans the cut message too: a cut that makes an identifier's shape drops the event", () => {
  // Whole, `536-22-12345` has a digit after the last group and is no SSN; cut after `1234` it is
  // one, and the scrub (not only the transport) must drop it.
  const ssnLike = ["536", "22", "1234"].join("-") + "5";
  const head = FILLER_CHAR.repeat(MAX_MESSAGE - " order ".length - (ssnLike.length - 1));
  const message = head + " order " + ssnLike + " " + FILLER_CHAR;
  assert.equal(message.slice(0, MAX_MESSAGE).endsWith(ssnLike.slice(0, -1)), true);
  assert.equal(defaultScanner({ value: message }).found, false, "whole, the message is clean");
  const result = scrubEvent({ exception: { values: [{ type: "Error", value: message }] } });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason, "phi_detected");
});

function reporterWith(dsn: string) {
  const metrics = createAppMetrics();
  const net = createOutboundGuard({
    noNetwork: false,
    mockOnly: false,
    mode: () => "DEMO",
    metrics,
    clock: systemClock,
  });
  const reporter = createSentryReporter({
    dsn,
    environment: "test",
    release: "researchflow-governance@test",
    net,
    metrics,
    logger: memoryLogger(),
  });
  return { reporter, metrics };
}

Deno.test({
  name:
    "through the SDK to a loopback Sentry: no envelope holds part of an identifier cut from a long message",
  async fn() {
    const sentry = startSentryStandIn();
    try {
      const { reporter, metrics } = reporterWith(sentry.dsn);
      let planted = 0;
      for (const id of IDENTIFIERS) {
        for (const offset of offsets(id)) {
          reporter.capture(new Error(messageCutAt(id, offset)), { source: "http" });
          planted++;
        }
      }
      const clean = FILLER_CHAR.repeat(1500);
      reporter.capture(new Error(clean), { source: "http" });
      assert.equal(await reporter.flush(10_000), true);

      for (const envelope of sentry.envelopes()) {
        for (const id of IDENTIFIERS) {
          assert.ok(!envelope.raw.includes(id.text4), `${id.kind}: a text prefix left`);
        }
      }
      for (const event of sentry.events()) {
        for (const id of IDENTIFIERS) {
          assert.deepEqual(leaks(id, messagesOf(event)), [], id.kind);
        }
      }
      // The clean message still arrives, cut; every planted one was dropped for what it held.
      assert.deepEqual(sentry.events().map((event) => exceptionOf(event).value), [
        clean.slice(0, MAX_MESSAGE) + "…",
      ]);
      assert.equal(await metrics.sentryDropped.value({ reason: "phi_detected" }), planted);
    } finally {
      await sentry.close();
    }
  },
});

Deno.test({
  name: "a stack line longer than the SDK parses is left out whole, never cut inside an identifier",
  async fn() {
    const sentry = startSentryStandIn();
    try {
      const { reporter } = reporterWith(sentry.dsn);
      const id = IDENTIFIERS[0]!;
      let captured = 0;
      for (let offset = -1; offset <= id.value.length + 1; offset++) {
        // `    at load (/ddd…/note_<email>.ts:1:2)`, with the e-mail starting `offset` characters
        // before MAX_STACK_LINE_CHARS, where the SDK would cut the line.
        const before = "    at load (/";
        const dir = "d".repeat(MAX_STACK_LINE_CHARS - offset - before.length - "/note_".length);
        const line = `${before}${dir}/note_${id.value}.ts:1:2)`;
        assert.equal(line.indexOf(id.value), MAX_STACK_LINE_CHARS - offset);
        const error = new Error("Import step failed");
        error.stack = `Error: Import step failed\n${line}\n` +
          "    at handler (/srv/app/routes/api/flags.ts:40:11)";
        reporter.capture(error, { source: "http" });
        captured++;
      }
      assert.equal(await reporter.flush(10_000), true);
      for (const envelope of sentry.envelopes()) {
        assert.ok(!envelope.raw.includes(id.text4), "no part of the e-mail in any envelope");
      }
      const events = sentry.events();
      assert.equal(events.length, captured, "the events still go, without the long line's frame");
      for (const event of events) {
        assert.deepEqual(
          exceptionOf(event).stacktrace!.frames.map((frame) => frame.function),
          ["handler"],
        );
      }
    } finally {
      await sentry.close();
    }
  },
});

Deno.test({
  name: "POST /api/errors: a browser message cut inside an e-mail address sends no part of it",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn } });
    try {
      const session = await signInAs(app, "RESEARCHER");
      const id = IDENTIFIERS[0]!;
      // The per-user limit is 20 a minute: the cuts inside the local part and just after the @.
      const at = id.value.indexOf("@");
      const cuts = [4, 6, at, at + 1, at + 3].filter((offset) => offset <= id.value.length);
      for (const offset of cuts) {
        const response = await app.request("/api/errors", {
          method: "POST",
          headers: { "content-type": "application/json", ...session.headers() },
          body: JSON.stringify({
            type: "Error",
            message: messageCutAt(id, offset),
            route: "/flags",
          }),
        });
        assert.equal(response.status, 202);
        await response.body?.cancel();
      }
      assert.equal(await app.services.errors.flush(5000), true);
      for (const envelope of sentry.envelopes()) {
        assert.ok(!envelope.raw.includes(id.text4), "no part of the e-mail in any envelope");
      }
      // The message template (lib/sentry/browser.ts) turns every word outside the error-message
      // vocabulary into `…` before the cut and the scan: the reports go, as templates.
      assert.equal(sentry.events().length, cuts.length);
      assert.equal(
        await app.services.metrics.sentryDropped.value({ reason: "phi_detected" }),
        0,
      );
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});
