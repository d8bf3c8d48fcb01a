/**
 * The start's line for a failed migration names the SQLSTATE and a fixed class, never the
 * statement or the server's message (either may hold values).
 */
import assert from "node:assert/strict";
import { DatabaseReadOnlyError, DatabaseTimeoutError } from "../errors/mod.ts";
import { DATABASE_READ_ONLY_START_LINE, migrationFailureLine } from "./migrate.ts";

class FakePostgresError extends Error {
  override name = "PostgresError";
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

Deno.test("a failed migration's line: fixed class and SQLSTATE, no server text", () => {
  const cases: Array<[string, string]> = [
    ["42501", "Migrations failed: permission denied (SQLSTATE 42501)"],
    ["42P07", "Migrations failed: object already exists (SQLSTATE 42P07)"],
    ["42601", "Migrations failed: statement refused (SQLSTATE 42601)"],
    ["23505", "Migrations failed: constraint violated by existing data (SQLSTATE 23505)"],
    ["53100", "Migrations failed: server out of resources (SQLSTATE 53100)"],
    ["08006", "Migrations failed: connection lost (SQLSTATE 08006)"],
    ["XX000", "Migrations failed: database error (SQLSTATE XX000)"],
  ];
  for (const [code, line] of cases) {
    const error = new FakePostgresError(code, `relation "patients_4155550132" secret`);
    assert.equal(migrationFailureLine(error), line);
  }
});

Deno.test("a failed migration's line: a timeout keeps its message and reason; no SQLSTATE gives the class", () => {
  assert.equal(
    migrationFailureLine(new DatabaseTimeoutError("55P03", "lock_not_available")),
    "Migrations failed: DatabaseTimeoutError: The database did not answer in time; try again shortly (lock_not_available, SQLSTATE 55P03)",
  );
  assert.equal(
    migrationFailureLine(new TypeError("SELECT secret FROM t")),
    "Migrations failed: TypeError",
  );
  assert.equal(migrationFailureLine("x"), "Migrations failed: error");
});

Deno.test("a migration refused as read-only (SQLSTATE 25006) gives the read-only start line", () => {
  const error = new FakePostgresError(
    "25006",
    "cannot execute CREATE TABLE in a read-only transaction",
  );
  assert.equal(migrationFailureLine(error), DATABASE_READ_ONLY_START_LINE);
  assert.equal(migrationFailureLine(new DatabaseReadOnlyError()), DATABASE_READ_ONLY_START_LINE);
  assert.match(DATABASE_READ_ONLY_START_LINE, /^Database at DATABASE_URL is read-only /);
});
