import assert from "node:assert/strict";
import { createLogger } from "./logger.ts";
import { isSensitiveLogKey, redactKeys } from "./redact.ts";

function capture(level: "debug" | "info" | "warn" | "error", format: "json" | "text" = "json") {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    format,
    sink: (line) => lines.push(line),
    now: () => new Date(0),
  });
  return { logger, lines };
}

Deno.test("the logger drops records below LOG_LEVEL", () => {
  const { logger, lines } = capture("warn");
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ["w", "e"]);
});

Deno.test("JSON records carry ts, level, msg and fields, with sensitive keys redacted", () => {
  const { logger, lines } = capture("info");
  logger.child({ requestId: "r1" }).info("signed in", {
    email: "jane@example.org",
    password: "hunter2",
    nested: { authorizationHeader: "Bearer x", firstName: "Jane", count: 3 },
    route: "/api/x",
  });
  const record = JSON.parse(lines[0]!);
  assert.deepEqual(record, {
    ts: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "signed in",
    requestId: "r1",
    email: "[REDACTED]",
    password: "[REDACTED]",
    nested: { authorizationHeader: "[REDACTED]", firstName: "[REDACTED]", count: 3 },
    route: "/api/x",
  });
});

Deno.test("text records are one readable line", () => {
  const { logger, lines } = capture("info", "text");
  logger.info("listening", { url: "http://localhost:8000", port: 8000 });
  assert.equal(
    lines[0],
    "1970-01-01T00:00:00.000Z INFO  listening url=http://localhost:8000 port=8000",
  );
});

Deno.test("a scrub that throws reduces the record to a safe line", () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    format: "json",
    sink: (line) => lines.push(line),
    scrub: () => {
      throw new Error("boom");
    },
  });
  logger.info("patient details", { note: "anything" });
  assert.equal(JSON.parse(lines[0]!).msg, "log record dropped by redactor");
  assert.ok(!lines[0]!.includes("anything"));
});

Deno.test("isSensitiveLogKey() matches case, separator and camelCase variants, not technical names", () => {
  for (
    const key of [
      "SSN",
      "dob",
      "first_name",
      "lastName",
      "Patient-Name",
      "x-api-token",
      "Cookie",
      "client_ip",
    ]
  ) {
    assert.equal(isSensitiveLogKey(key), true, key);
  }
  for (const key of ["route", "status", "eventName", "durationMs", "flagKey", "count"]) {
    assert.equal(isSensitiveLogKey(key), false, key);
  }
  assert.deepEqual(redactKeys([{ token: "t" }, 1]), [{ token: "[REDACTED]" }, 1]);
});
