import assert from "node:assert/strict";
import { retentionCutoff } from "./retention.ts";

Deno.test("retentionCutoff() is the start of the UTC day retentionDays ago", () => {
  const noon = Date.UTC(2027, 2, 10, 12);
  assert.equal(retentionCutoff(noon, 365).toISOString(), "2026-03-10T00:00:00.000Z");
  assert.equal(retentionCutoff(noon, 1).toISOString(), "2027-03-09T00:00:00.000Z");
  // The same cutoff all day long, whatever the hour of the run.
  const midnight = Date.UTC(2027, 2, 10);
  const lastMs = Date.UTC(2027, 2, 11) - 1;
  assert.deepEqual(retentionCutoff(midnight, 365), retentionCutoff(lastMs, 365));
  // Across a leap day: 365 days before 2028-03-01 is 2027-03-02.
  assert.equal(
    retentionCutoff(Date.UTC(2028, 2, 1, 6), 365).toISOString(),
    "2027-03-02T00:00:00.000Z",
  );
});
