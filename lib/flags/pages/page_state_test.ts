import assert from "node:assert/strict";
import { failed } from "./page_state.ts";

Deno.test("failed() carries the failure's message, status and headers, and the form when given", () => {
  const failure = {
    status: 503,
    message: "The database is busy.",
    headers: { "retry-after": "5" },
    code: "DB_TIMEOUT" as const,
  };
  assert.deepEqual(failed(failure), {
    errors: [{ message: "The database is busy." }],
    status: 503,
    headers: { "retry-after": "5" },
  });
  assert.deepEqual(failed({ ...failure, field: "flag-key" }, { key: "k" }), {
    errors: [{ message: "The database is busy.", field: "flag-key" }],
    status: 503,
    headers: { "retry-after": "5" },
    form: { key: "k" },
  });
});
