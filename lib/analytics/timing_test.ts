import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { bucketValue, quantile, timingBucket } from "./timing.ts";

Deno.test("timingBucket() and bucketValue() stay within 1% of the value", () => {
  for (const value of [1, 1.5, 7, 42, 100, 999, 12_345, 3_600_000]) {
    const estimate = bucketValue(timingBucket(value));
    assert.ok(Math.abs(estimate - value) / value <= 0.0101, `${value} → ${estimate}`);
  }
  assert.equal(timingBucket(0), 0);
  assert.equal(timingBucket(0.4), 0);
  assert.equal(timingBucket(-5), 0);
  assert.equal(bucketValue(0), 0);
});

Deno.test("quantile() is the nearest-rank value of the histogram", () => {
  const h = new Map<number, number>();
  for (let v = 1; v <= 100; v++) h.set(timingBucket(v), (h.get(timingBucket(v)) ?? 0) + 1);
  const p50 = quantile(h, 0.5)!;
  const p95 = quantile(h, 0.95)!;
  assert.ok(Math.abs(p50 - 50) <= 1, `p50 ${p50}`);
  assert.ok(Math.abs(p95 - 95) <= 1.5, `p95 ${p95}`);
  assert.equal(quantile(new Map(), 0.5), null);
});

Deno.test("the SQL bucket function (migration 0005) agrees with timingBucket()", async () => {
  const pg = await PGlite.create();
  try {
    const sql = await Deno.readTextFile(
      new URL("../../migrations/0005_consent_analytics.sql", import.meta.url),
    );
    const fn = sql.slice(sql.indexOf("CREATE FUNCTION analytics_timing_bucket"));
    await pg.exec(fn);
    const values = [0, 0.5, 1.01, 3, 17.3, 250, 999.9, 65_000, 7_200_000];
    for (const value of values) {
      const { rows } = await pg.query<{ b: number }>(
        "SELECT analytics_timing_bucket($1::float8) AS b",
        [value],
      );
      assert.equal(rows[0]!.b, timingBucket(value), `bucket of ${value}`);
    }
  } finally {
    await pg.close();
  }
});
