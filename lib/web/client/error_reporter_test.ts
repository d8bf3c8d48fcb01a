import assert from "node:assert/strict";
import { reportKey, toReport } from "./error_reporter.ts";

Deno.test("toReport() carries an Error's type, message and stack, cut to the server's limits", () => {
  const error = new TypeError("x".repeat(3000));
  error.stack = "TypeError: boom\n" + "    at f (/_islands/A.js:1:1)\n".repeat(1000);
  const report = toReport(error, "/flags/" + "k".repeat(3000));
  assert.equal(report.type, "TypeError");
  assert.equal(report.message.length, 2000);
  assert.equal(report.stack!.length, 10_000);
  assert.equal(report.route.length, 2048);
});

Deno.test("toReport() describes a non-Error value by its type only", () => {
  assert.deepEqual(toReport({ email: "someone@example.org" }, "/"), {
    type: "NonErrorValue",
    message: "A value of type object was thrown",
    route: "/",
  });
  assert.deepEqual(
    toReport("a string with data", "/x").message,
    "A value of type string was thrown",
  );
  assert.deepEqual(toReport(undefined, "", "Script error."), {
    type: "Error",
    message: "Script error.",
    route: "/",
  });
});

Deno.test("reportKey() treats the same error from the same place as one", () => {
  const make = (message: string) => toReport(new RangeError(message), "/a");
  assert.equal(reportKey(make("Offset out of range")), reportKey(make("Offset out of range")));
  assert.notEqual(reportKey(make("Offset out of range")), reportKey(make("Another message")));
  // The same message thrown from another place is another error.
  const elsewhere = toReport(new RangeError("Offset out of range"), "/a");
  assert.notEqual(reportKey(make("Offset out of range")), reportKey(elsewhere));
});
