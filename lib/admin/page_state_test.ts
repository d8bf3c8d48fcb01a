import assert from "node:assert/strict";
import { NotFoundError, ValidationError } from "../errors/mod.ts";
import type { FormFailure } from "../web/form_failure.ts";
import {
  errorsAt,
  failed,
  issueErrors,
  issuePaths,
  passwordErrorOnTop,
  topError,
} from "./page_state.ts";

const FIELDS = { "$.email": "new-user-email", conflict: "new-user-email" };

function failure(overrides: Partial<FormFailure> = {}): FormFailure {
  return {
    status: 400,
    message: "Email: not valid.",
    headers: {},
    code: "VALIDATION_FAILED",
    ...overrides,
  };
}

Deno.test("issuePaths() gives the field paths a domain error names, in order", () => {
  const error = new ValidationError("The request is invalid", [
    { path: "$.email", message: "in use" },
    { path: "$.password", message: "too short" },
  ]);
  assert.deepEqual(issuePaths(error), ["$.email", "$.password"]);
});

Deno.test("issuePaths() gives none for a domain error without issues or for any other error", () => {
  assert.deepEqual(issuePaths(new NotFoundError("No such API token")), []);
  assert.deepEqual(issuePaths(new Error("boom")), []);
  assert.deepEqual(issuePaths("not an error"), []);
});

Deno.test("issueErrors() gives one message per field, the first issue's, linked to the field's id", () => {
  const issues = [
    { path: ["email"], code: "too_small", message: "short" },
    { path: ["email"], code: "invalid_format", message: "format" },
    { path: ["role"], code: "invalid_value", message: "role" },
  ];
  const seen: string[] = [];
  const errors = issueErrors(issues, { email: "new-user-email" }, (name, issue) => {
    seen.push(`${name}:${issue.code}`);
    return `${name} refused`;
  });
  assert.deepEqual(errors, [
    { message: "email refused", field: "new-user-email" },
    { message: "role refused" },
  ]);
  assert.deepEqual(seen, ["email:too_small", "role:invalid_value"]);
});

Deno.test("issueErrors() names an issue without a path by the empty name and no field", () => {
  const errors = issueErrors(
    [{ path: [], code: "custom", message: "whole form" }],
    { email: "new-user-email" },
    (name) => `[${name}]`,
  );
  assert.deepEqual(errors, [{ message: "[]" }]);
});

Deno.test("failed() puts a client error about a named path beside that field, in the given form", () => {
  const form = { email: "a@example.test" };
  assert.deepEqual(
    failed({ ...failure(), paths: ["$.password", "$.email"] }, form, "create", FIELDS),
    {
      errors: [{ message: "Email: not valid.", field: "new-user-email" }],
      status: 400,
      headers: {},
      form,
      errorAt: "create",
    },
  );
});

Deno.test("failed() puts a CONFLICT beside the conflict field when no path names a field", () => {
  const state = failed(
    failure({ status: 409, code: "CONFLICT", message: "In use." }),
    undefined,
    "create",
    FIELDS,
  );
  assert.deepEqual(state.errors, [{ message: "In use.", field: "new-user-email" }]);
  assert.equal(state.error, undefined);
  assert.equal("form" in state, false);
});

Deno.test("failed() makes a server error a notice, with its status and Retry-After, even when a path names a field", () => {
  const state = failed(
    {
      ...failure({
        status: 503,
        code: "DB_TIMEOUT",
        message: "Busy.",
        headers: { "retry-after": "5" },
      }),
      paths: ["$.email"],
    },
    undefined,
    undefined,
    FIELDS,
  );
  assert.deepEqual(state, { error: "Busy.", status: 503, headers: { "retry-after": "5" } });
});

Deno.test("failed() without fields makes any failure a notice", () => {
  const state = failed({ ...failure(), paths: ["$.email"] });
  assert.deepEqual(state, { error: "Email: not valid.", status: 400, headers: {} });
});

Deno.test("topError() shows the error on top only when it belongs to no form", () => {
  assert.equal(topError({ error: "Busy." }), "Busy.");
  assert.equal(topError({ error: "Busy.", errorAt: "create" }), undefined);
});

Deno.test("errorsAt() gives the field messages of the refused form only", () => {
  const errors = [{ message: "Email: enter one.", field: "new-user-email" }];
  assert.deepEqual(errorsAt({ errors, errorAt: "create" }, "create"), errors);
  assert.deepEqual(errorsAt({ errors, errorAt: "password:1" }, "create"), []);
  assert.deepEqual(errorsAt({ errorAt: "create" }, "create"), []);
});

Deno.test("passwordErrorOnTop() keeps the error of a listed account's set-password form in it", () => {
  const state = { errors: [{ message: "Too short.", field: "password-a" }], errorAt: "password:a" };
  assert.equal(passwordErrorOnTop(state, ["a", "b"]), state);
});

Deno.test("passwordErrorOnTop() moves the field messages of an unlisted account's form to the top, joined", () => {
  const state = {
    errors: [{ message: "Too short.", field: "password-x" }, { message: "Your password too." }],
    errorAt: "password:x",
    status: 400,
  };
  assert.deepEqual(passwordErrorOnTop(state, ["a"]), {
    errorAt: undefined,
    error: "Too short. Your password too.",
    status: 400,
  });
});

Deno.test("passwordErrorOnTop() keeps an unlisted account's notice as the top error", () => {
  const state = { error: "No such account.", errorAt: "password:x", status: 404 };
  assert.deepEqual(passwordErrorOnTop(state, []), {
    error: "No such account.",
    errorAt: undefined,
    status: 404,
  });
});

Deno.test("passwordErrorOnTop() leaves an error of another form or of none as it is", () => {
  const create = { error: "Busy.", errorAt: "create" };
  const top = { error: "Busy." };
  assert.equal(passwordErrorOnTop(create, []), create);
  assert.equal(passwordErrorOnTop(top, []), top);
});
