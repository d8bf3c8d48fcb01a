import assert from "node:assert/strict";
import {
  AUDIT_UNAVAILABLE_DETAIL,
  DatabaseTimeoutError,
  isAuditWriteFailure,
  markAuditWriteFailure,
  retryAfterOf,
  toProblem,
} from "./mod.ts";

Deno.test("toProblem() answers a failed audit insert 503 SERVICE_UNAVAILABLE without the driver's text", () => {
  const driver = Object.assign(new Error("permission denied for table audit_log"), {
    code: "42501",
  });
  assert.equal(markAuditWriteFailure(driver), driver, "the same error travels on");
  assert.equal(isAuditWriteFailure(driver), true);
  const problem = toProblem(driver, "req-1");
  assert.equal(problem.status, 503);
  assert.equal(problem.code, "SERVICE_UNAVAILABLE");
  assert.equal(problem.detail, AUDIT_UNAVAILABLE_DETAIL);
  assert.ok(!JSON.stringify(problem).includes("audit_log"));
  assert.equal(retryAfterOf(driver), 5);
});

Deno.test("an unmarked driver error stays a 500; an AppError from an audit insert keeps its own answer", () => {
  const other = new Error("something else");
  assert.equal(toProblem(other).status, 500);
  assert.equal(retryAfterOf(other), undefined);
  const timeout = markAuditWriteFailure(new DatabaseTimeoutError("55P03", "lock_not_available"));
  assert.equal(isAuditWriteFailure(timeout), false);
  assert.equal(toProblem(timeout).code, "DB_TIMEOUT");
  assert.equal(isAuditWriteFailure("a string"), false);
});
