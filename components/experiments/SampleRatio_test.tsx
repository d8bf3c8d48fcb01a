/**
 * The sample-ratio sentence of an experiment's panel (SampleRatio.tsx), rendered from the real
 * srmCheck over given counts. Pure.
 */
import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { srmCheck } from "../../lib/experiments/mod.ts";
import { SrmCheck } from "./SampleRatio.tsx";

const variants = (weights: Record<string, number>) => ({
  variants: Object.entries(weights).map(([key, weight]) => ({ key, weight, config: {} })),
});

/** The rendered text of the check, tags removed and white space collapsed. */
function sentence(weights: Record<string, number>, counts: Record<string, number>): string {
  const html = renderToString(<SrmCheck srm={srmCheck(variants(weights), counts)} />);
  return html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(
    /\s+/g,
    " ",
  );
}

Deno.test("SrmCheck: a p-value too small to print is shown below a floor, never as 0", () => {
  // chi-square 16666.7; the p-value underflows. Before: "p = 0.0 < 0.001".
  const text = sentence({ a: 50, b: 50 }, { a: 100_000, b: 50_000 });
  assert.match(text, /chi-square 16666\.7, p < 0\.0001/);
  assert.doesNotMatch(text, /p = 0\.0\b/);
  // Just under the floor (exact p ≈ 7.8e-5) it is the floor too; just over it (1.5e-4) the value.
  assert.match(sentence({ a: 1, b: 1 }, { a: 5_198, b: 4_802 }), /exact test, p < 0\.0001/);
  assert.match(sentence({ a: 1, b: 1 }, { a: 5_190, b: 4_810 }), /p = 0\.00015/);
});

Deno.test("SrmCheck: no mismatch is worded as nothing detected, not as a fit to the weights", () => {
  // All 10 assignments of a 1:1 experiment in one arm: p = 0.0020 (exact; 2 × 2^-10) does not
  // reject at 0.001, but is no evidence of a fit. Before: "10 assignments fit the weights".
  const lopsided = sentence({ a: 1, b: 1 }, { a: 10, b: 0 });
  assert.doesNotMatch(lopsided, /fit the weights/);
  assert.match(
    lopsided,
    /No sample-ratio mismatch detected in the 10 assignments \(p = 0\.0020\) by an exact test\./,
  );
  // p ≈ 0.9975 is not 1. Before: "p = 1.0".
  assert.match(
    sentence({ a: 1, b: 1 }, { a: 50_001, b: 50_000 }),
    /No sample-ratio mismatch detected in the 100001 assignments \(p > 0\.99\) by a chi-square test\./,
  );
  // An exact split is p = 1 exactly.
  assert.match(sentence({ a: 3, b: 1 }, { a: 300, b: 100 }), /\(p = 1\.0\)/);
});

Deno.test("SrmCheck: names the test that gave p; a small unbalanced sample chi-square flagged is no warning", () => {
  // 38/12 at 90/10: chi-square p = 0.00097 was a "Sample ratio mismatch" warning; the exact
  // binomial p is 0.0032 (lib/experiments/srm_test.ts).
  assert.equal(
    sentence({ a: 90, b: 10 }, { a: 38, b: 12 }).trim(),
    "No sample-ratio mismatch detected in the 50 assignments (p = 0.0032) by an exact test.",
  );
  // A mismatch found by the exact test says so, without a chi-square statistic.
  const exact = sentence({ a: 80, b: 10, c: 10 }, { a: 30, b: 0, c: 20 });
  assert.match(
    exact,
    /The 50 assignments do not fit the weights \(exact test, p < 0\.0001; the warning is for p < 0\.001\)/,
  );
  assert.doesNotMatch(exact, /chi-square/);
});
