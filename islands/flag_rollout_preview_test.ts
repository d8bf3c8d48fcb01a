import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import FlagRolloutPreview, { bucketsOn } from "./FlagRolloutPreview.tsx";

Deno.test("bucketsOn() says which buckets are on, and that none is at 0%", () => {
  assert.equal(bucketsOn(0), "no bucket is on");
  assert.equal(bucketsOn(1), "bucket 1 is on");
  assert.equal(bucketsOn(30), "buckets 1–30 are on");
  assert.equal(bucketsOn(100), "every bucket (1–100) is on");
});

Deno.test("the rollout preview at 0% says no bucket is on (never 'buckets 1–0')", () => {
  const html = renderToString(
    h(FlagRolloutPreview, { flagKey: "ui.flag", rolloutPercent: 0, inputId: "rollout" }),
  );
  assert.match(html, /no bucket is on/);
  assert.doesNotMatch(html, /1–0/);
  assert.match(html, /<strong>0<\/strong> of 1000 sample ids/);
});
