import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("JOB_RETENTION_DAYS defaults to 365 days and takes whole days from 1 to 3650", () => {
  assert.equal(loadConfig({}).jobs.retentionDays, 365);
  assert.equal(loadConfig({ JOB_RETENTION_DAYS: "" }).jobs.retentionDays, 365);
  assert.equal(loadConfig({ JOB_RETENTION_DAYS: "1" }).jobs.retentionDays, 1);
  assert.equal(loadConfig({ JOB_RETENTION_DAYS: " 730 " }).jobs.retentionDays, 730);
  assert.equal(loadConfig({ JOB_RETENTION_DAYS: "3650" }).jobs.retentionDays, 3650);
});

Deno.test("a bad JOB_RETENTION_DAYS stops the start with one line naming it, never the value", () => {
  // 0 is refused, as for ANALYTICS_RETENTION_DAYS: retention has no "keep forever" value.
  for (const value of ["0", "-1", "3651", "1.5", "a year", "365d", "1e9"]) {
    assert.throws(
      () => loadConfig({ JOB_RETENTION_DAYS: value }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, value);
        assert.equal(error.variable, "JOB_RETENTION_DAYS");
        assert.equal(
          error.message,
          "Invalid configuration: JOB_RETENTION_DAYS must be a whole number from 1 to 3650",
        );
        return true;
      },
    );
  }
});
