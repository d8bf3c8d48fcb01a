import assert from "node:assert/strict";
import {
  ConflictError,
  DatabaseTimeoutError,
  ModeStandbyError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from "../errors/mod.ts";
import { DB_BUSY_MESSAGES, formFailure, versionBehindForm } from "./form_failure.ts";

const ATOMIC = { writes: "atomic" } as const;

Deno.test("formFailure() answers a database timeout 503 with Retry-After and says whether anything may have been saved", () => {
  const timeout = new DatabaseTimeoutError("55P03", "lock_not_available");
  assert.deepEqual(formFailure(timeout, ATOMIC), {
    status: 503,
    message: "The database is busy; nothing was saved. Try again in a moment.",
    headers: { "retry-after": "5" },
    code: "DB_TIMEOUT",
  });
  assert.equal(formFailure(timeout, { writes: "steps" })?.message, DB_BUSY_MESSAGES.steps);
  // A driver error the store did not translate is a timeout too; its text is not shown.
  const raw = Object.assign(new Error("canceling statement due to statement timeout"), {
    code: "57014",
  });
  const failure = formFailure(raw, ATOMIC);
  assert.equal(failure?.status, 503);
  assert.equal(failure?.code, "DB_TIMEOUT");
  assert.ok(!failure?.message.includes("canceling"));
});

Deno.test("formFailure() answers STANDBY and an unavailable store with their own 503 and Retry-After", () => {
  assert.deepEqual(formFailure(new ModeStandbyError(), ATOMIC), {
    status: 503,
    message: "The platform is in STANDBY mode; writes are paused.",
    headers: { "retry-after": "60" },
    code: "MODE_STANDBY",
  });
  assert.deepEqual(
    formFailure(new ServiceUnavailableError("The flag store is unavailable"), ATOMIC),
    {
      status: 503,
      message: "The flag store is unavailable.",
      headers: { "retry-after": "5" },
      code: "SERVICE_UNAVAILABLE",
    },
  );
});

Deno.test("formFailure() keeps client errors on the form: 409 with the page's conflict text, 404, else 400", () => {
  const conflict = formFailure(new ConflictError(), { ...ATOMIC, conflict: "Reload and retry." });
  assert.deepEqual(conflict, {
    status: 409,
    message: "Reload and retry.",
    headers: {},
    code: "CONFLICT",
  });
  assert.equal(formFailure(new NotFoundError("No such flag"), ATOMIC)?.status, 404);
  const invalid = formFailure(new ValidationError("The expiry must be in the future"), ATOMIC);
  assert.deepEqual([invalid?.status, invalid?.message], [400, "The expiry must be in the future."]);
});

Deno.test("formFailure() leaves unexpected errors to the error handler (undefined)", () => {
  assert.equal(formFailure(new Error("boom: SELECT secret FROM t"), ATOMIC), undefined);
  assert.equal(formFailure("a string", ATOMIC), undefined);
});

Deno.test("versionBehindForm() keeps the version a form shown again was based on, not the stored one", () => {
  // Typed at version 3, stored at 4 since: Save on the form shown again must still conflict.
  assert.equal(versionBehindForm("3", 4), 3);
  assert.equal(versionBehindForm(" 3 ", 4), 3);
  // A form without a usable version (not one the page sent) falls back to the stored one.
  for (const posted of [undefined, "", "0", "-1", "2.5", "abc", "1e3"]) {
    assert.equal(versionBehindForm(posted, 4), 4, String(posted));
  }
});
