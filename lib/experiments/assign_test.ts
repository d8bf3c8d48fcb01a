import assert from "node:assert/strict";
import { allocationTarget, assign, EXPERIMENT_SEED, pickVariant } from "./assign.ts";
import type { Experiment } from "./experiment.ts";
import { chiSquareTest } from "./stats.ts";
import { murmur3 } from "../flags/hash.ts";

function experiment(weights: Record<string, number>, fields: Partial<Experiment> = {}): Experiment {
  return {
    key: "checkout.v2",
    enabled: true,
    description: null,
    variants: Object.entries(weights).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, weight]) => ({
      key,
      weight,
      config: { label: key },
    })),
    requiredModes: [],
    version: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
    updatedBy: null,
    ...fields,
  };
}

Deno.test("allocationTarget() is murmur3('<key>:<id>', 86028157) % total + 1", () => {
  // murmur3("checkout.v2:user-1", 86028157) = 0xf861f22e (cross-checked with npm murmurhash@2).
  assert.equal(murmur3("checkout.v2:user-1", EXPERIMENT_SEED), 0xf861f22e);
  assert.equal(allocationTarget("checkout.v2", "user-1", 100), (0xf861f22e % 100) + 1);
  assert.equal(allocationTarget("checkout.v2", "user-1", 100), 59);
  // Target 59 of 100 with A=50, B=50: A's cumulative 50 < 59, B's 100 >= 59.
  assert.equal(pickVariant(experiment({ A: 50, B: 50 }), "user-1")?.key, "B");
  assert.equal(pickVariant(experiment({ A: 60, B: 40 }), "user-1")?.key, "A");
});

Deno.test("assign() is deterministic and follows the weights (chi-square on 100k ids)", () => {
  const exp = experiment({ control: 2, blue: 1, green: 1 });
  const counts: Record<string, number> = { blue: 0, control: 0, green: 0 };
  for (let i = 0; i < 100_000; i++) {
    const result = assign(exp, { userId: `user-${i}`, mode: "LIVE" });
    assert.equal(result.reason, "SPLIT");
    counts[result.variant!]!++;
  }
  const again = assign(exp, { userId: "user-42", mode: "LIVE" });
  assert.deepEqual(again, assign(exp, { userId: "user-42", mode: "LIVE" }));
  const test = chiSquareTest([counts.blue!, counts.control!, counts.green!], [1, 2, 1]);
  assert.ok(test.pValue > 0.001, JSON.stringify(counts));
});

Deno.test("assign() never picks a zero-weight variant", () => {
  const exp = experiment({ A: 1, B: 0 });
  for (let i = 0; i < 2000; i++) {
    assert.equal(assign(exp, { userId: `u${i}`, mode: "DEMO" }).variant, "A");
  }
});

Deno.test("assign() gives no variant when gated, with the reason", () => {
  assert.equal(assign(undefined, { userId: "u", mode: "LIVE" }).reason, "NOT_FOUND");
  assert.deepEqual(
    assign(experiment({ A: 1 }, { enabled: false }), { userId: "u", mode: "LIVE" }),
    {
      experimentKey: "checkout.v2",
      variant: null,
      config: null,
      reason: "DISABLED",
    },
  );
  const gated = assign(experiment({ A: 1 }, { requiredModes: ["LIVE"] }), {
    userId: "u",
    mode: "DEMO",
  });
  assert.deepEqual([gated.variant, gated.reason], [null, "MODE_GATED"]);
  assert.equal(assign(experiment({ A: 1 }), { mode: "LIVE" }).reason, "NO_ID");
});

Deno.test("assign() keeps a sticky variant when weights change, and re-hashes if it was removed", () => {
  const before = experiment({ A: 50, B: 50 });
  const first = assign(before, { userId: "user-1", mode: "LIVE" });
  assert.equal(first.variant, "B");
  const after = experiment({ A: 100, B: 0 });
  assert.equal(assign(after, { userId: "user-1", mode: "LIVE" }).variant, "A");
  const sticky = assign(after, { userId: "user-1", mode: "LIVE" }, "B");
  assert.deepEqual([sticky.variant, sticky.reason, sticky.config], ["B", "STICKY", { label: "B" }]);
  const removed = assign(experiment({ A: 1 }), { userId: "user-1", mode: "LIVE" }, "B");
  assert.deepEqual([removed.variant, removed.reason], ["A", "SPLIT"]);
});
