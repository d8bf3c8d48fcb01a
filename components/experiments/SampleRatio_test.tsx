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
  // Just under the floor (p ≈ 7.7e-5) it is the floor too; just over it (p ≈ 1.5e-4) the value.
  assert.match(sentence({ a: 1, b: 1 }, { a: 5_198, b: 4_802 }), /p < 0\.0001/);
  assert.match(sentence({ a: 1, b: 1 }, { a: 5_190, b: 4_810 }), /p = 0\.00014/);
});
