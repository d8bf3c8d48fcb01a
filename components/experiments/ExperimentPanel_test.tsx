/**
 * The variants table of an experiment's panel (ExperimentPanel.tsx), read-only view, rendered
 * from the real srmCheck over given counts. Pure.
 */
import assert from "node:assert/strict";
import type { Context } from "hono";
import { renderToString } from "preact-render-to-string";
import { type ExperimentView, srmCheck } from "../../lib/experiments/mod.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { ExperimentPanel } from "./ExperimentPanel.tsx";

function view(weights: Record<string, number>, counts: Record<string, number>): ExperimentView {
  const variants = Object.entries(weights).map(([key, weight]) => ({ key, weight, config: {} }));
  return {
    key: "exp",
    enabled: true,
    description: null,
    requiredModes: [],
    variants: variants.map((v) => ({ ...v, assignments: counts[v.key] ?? 0 })),
    version: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
    updatedBy: null,
    srm: srmCheck({ variants }, counts),
  };
}

/** Each body row of the variants table as its cells' text; and the whole text. */
function render(experiment: ExperimentView): { rows: string[][]; text: string } {
  const html = renderToString(
    <ExperimentPanel
      c={{} as Context<AppEnv>}
      experiment={experiment}
      admin={false}
      errors={[]}
      edited={undefined}
    />,
  );
  const body = /<tbody>(.*)<\/tbody>/s.exec(html)![1]!;
  const rows = [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) =>
    [...row[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((cell) =>
      cell[1]!.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim()
    )
  );
  const text = html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ");
  return { rows, text };
}

Deno.test("ExperimentPanel: a live variant with a tiny weight does not read as switched off", () => {
  // Before: B showed Share "0.0%" and Actual share "0.0%", as a weight-0 variant does.
  const { rows } = render(view({ A: 9_999, B: 1, C: 0 }, { A: 10_000, B: 3 }));
  assert.deepEqual(rows, [
    ["A", "9999", ">99.9%", "10000", ">99.9%"],
    ["B", "1", "<0.1%", "3", "<0.1%"],
    ["C", "0", "0.0%", "0", "—"],
  ]);
});

Deno.test("ExperimentPanel: Actual share is over the live variants' assignments, as the sample-ratio check counts them", () => {
  // Weights 50/50/0 with 100/120/44: the 44 still held in switched-off C are left out of the
  // check (exact p = 0.20) and of Actual share. Before: 37.9% / 45.5% / 16.7% next to Share 50% / 50%.
  const { rows, text } = render(view({ A: 50, B: 50, C: 0 }, { A: 100, B: 120, C: 44 }));
  assert.deepEqual(rows, [
    ["A", "50", "50.0%", "100", "45.5%"],
    ["B", "50", "50.0%", "120", "54.5%"],
    ["C", "0", "0.0%", "44", "—"],
  ]);
  assert.match(
    text,
    /No sample-ratio mismatch detected in the 220 assignments \(p = 0\.20\) by an exact test/,
  );
  assert.match(
    text,
    /Actual share is over the 220 assignment\(s\) to variants with a weight above 0, those the sample-ratio check counts; a switched-off variant \(weight 0\) has no actual share \(—\), whatever its assignments\./,
  );
});

Deno.test("ExperimentPanel: without a switched-off variant there is no note on Actual share", () => {
  const { rows, text } = render(view({ A: 3, B: 1 }, { A: 300, B: 100 }));
  assert.deepEqual(rows.map((row) => row[4]), ["75.0%", "25.0%"]);
  assert.doesNotMatch(text, /Actual share is over/);
});
