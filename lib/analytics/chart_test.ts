import assert from "node:assert/strict";
import { barChart, niceCeiling } from "./chart.ts";

Deno.test("niceCeiling() rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
  assert.equal(niceCeiling(0), 1);
  assert.equal(niceCeiling(7), 10);
  assert.equal(niceCeiling(13), 20);
  assert.equal(niceCeiling(230), 250);
  assert.equal(niceCeiling(3001), 5000);
});

Deno.test("barChart() scales bars to the largest value inside the plot area", () => {
  const chart = barChart(
    [{ label: "a", value: 0 }, { label: "b", value: 5 }, {
      label: "c",
      value: 10,
    }],
    300,
    120,
  );
  assert.equal(chart.max, 10);
  const [a, b, c] = chart.bars;
  assert.equal(a!.height, 0);
  assert.equal(c!.height, chart.plot.height);
  assert.equal(b!.height, chart.plot.height / 2);
  assert.ok(c!.x + c!.width <= chart.plot.left + chart.plot.width);
  assert.equal(c!.y + c!.height, chart.plot.top + chart.plot.height);
});
