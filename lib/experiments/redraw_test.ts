/**
 * A subject whose stored variant was removed, or switched off (weight 0), is drawn again by the
 * current weights with its own hash (not the assignment point, which sends every subject of a
 * removed last arm to the last remaining variant). Pure.
 */
import assert from "node:assert/strict";
import { assign, pickVariant } from "./assign.ts";
import type { Experiment } from "./experiment.ts";

function experiment(weights: Record<string, number>): Experiment {
  return {
    key: "colour.test",
    enabled: true,
    description: null,
    variants: Object.entries(weights).map(([key, weight]) => ({ key, weight, config: {} })),
    requiredModes: [],
    version: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
    updatedBy: null,
  };
}

/** 10 000 ids the hash put in `variant` of `exp`. */
function idsIn(exp: Experiment, variant: string): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < 10_000; i++) {
    if (pickVariant(exp, `user-${i}`)?.key === variant) ids.push(`user-${i}`);
  }
  return ids;
}

function shares(exp: Experiment, ids: string[], stored: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) {
    const result = assign(exp, { userId: id, mode: "LIVE" }, stored);
    assert.equal(result.reason, "SPLIT");
    counts[result.variant!] = (counts[result.variant!] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, (100 * n) / ids.length]));
}

function assertNear(actual: Record<string, number>, expected: Record<string, number>) {
  assert.deepEqual(
    Object.keys(actual).sort(),
    Object.keys(expected).sort(),
    JSON.stringify(actual),
  );
  for (const [key, share] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[key]! - share) < 2, `${key}: ${actual[key]} vs ${share}`);
  }
}

const BEFORE = experiment({ blue: 50, green: 30, red: 20 });

Deno.test("a removed variant's subjects are split by the current weights, not all sent to one", () => {
  const inRed = idsIn(BEFORE, "red");
  assertNear(shares(experiment({ blue: 50, green: 30 }), inRed, "red"), {
    blue: 62.5,
    green: 37.5,
  });
});

Deno.test("a variant switched off (weight 0) is taken away from its subjects, split by the weights", () => {
  const inRed = idsIn(BEFORE, "red");
  assertNear(shares(experiment({ blue: 50, green: 30, red: 0 }), inRed, "red"), {
    blue: 62.5,
    green: 37.5,
  });
  // A subject the hash had put elsewhere, stored in the switched-off variant, leaves it too.
  const inBlue = idsIn(BEFORE, "blue").slice(0, 1000);
  assert.ok(shares(experiment({ blue: 50, green: 30, red: 0 }), inBlue, "red").red === undefined);
  // A sticky variant that still has weight is kept.
  const kept = assign(
    experiment({ blue: 50, green: 1, red: 0 }),
    { userId: "u", mode: "LIVE" },
    "green",
  );
  assert.deepEqual([kept.variant, kept.reason], ["green", "STICKY"]);
});

Deno.test("the re-draw is deterministic: same id, same weights, same replacement", () => {
  const after = experiment({ blue: 50, green: 30 });
  for (const id of idsIn(BEFORE, "red").slice(0, 500)) {
    const one = assign(after, { userId: id, mode: "LIVE" }, "red");
    const two = assign(experiment({ blue: 50, green: 30 }), { userId: id, mode: "LIVE" }, "red");
    assert.deepEqual(one, two);
  }
  // Pinned, so two releases (and two instances) agree on the replacement.
  const pinned = idsIn(BEFORE, "red").slice(0, 8).map((id) =>
    assign(after, { userId: id, mode: "LIVE" }, "red").variant
  );
  assert.deepEqual(pinned, ["blue", "blue", "blue", "blue", "green", "green", "blue", "blue"]);
});
