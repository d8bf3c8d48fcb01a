import assert from "node:assert/strict";
import { allocationPoint, assign, EXPERIMENT_SEED, pickVariant, POINT_RANGE } from "./assign.ts";
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

Deno.test("allocationPoint() leads with murmur3('<key>:<id>', 86028157) % 100", () => {
  // murmur3("checkout.v2:user-1", 86028157) = 0xf861f22e (cross-checked with npm murmurhash@2).
  const hash = murmur3("checkout.v2:user-1", EXPERIMENT_SEED);
  assert.equal(hash, 0xf861f22e);
  const point = allocationPoint("checkout.v2", "user-1");
  assert.equal(Math.floor(point / (POINT_RANGE / 100)), hash % 100); // 58: percent 58 of 0..99
  assert.equal(point % (POINT_RANGE / 100), Math.floor(hash / 100));
  // Percent 58 with A=50, B=50: past A's share [0, 50), inside B's.
  assert.equal(pickVariant(experiment({ A: 50, B: 50 }), "user-1")?.key, "B");
  assert.equal(pickVariant(experiment({ A: 60, B: 40 }), "user-1")?.key, "A");
});

/** The assignment of versions before the fixed point: `hash % total + 1` against cumulative weights. */
function previousPick(exp: Experiment, id: string): string | null {
  const total = exp.variants.reduce((sum, v) => sum + v.weight, 0);
  const target = (murmur3(`${exp.key}:${id}`, EXPERIMENT_SEED) % total) + 1;
  let cumulative = 0;
  for (const variant of exp.variants) {
    cumulative += variant.weight;
    if (cumulative >= target) return variant.key;
  }
  return null;
}

function picks(exp: Experiment, ids: number): (string | undefined)[] {
  return Array.from({ length: ids }, (_, i) => pickVariant(exp, `user-${i}`)?.key);
}

Deno.test("pickVariant() keeps every earlier assignment for weights totalling 100", () => {
  const splits: Record<string, number>[] = [{ A: 50, B: 50 }, { A: 10, B: 90 }, {
    A: 33,
    B: 33,
    C: 34,
  }, {
    A: 1,
    B: 99,
  }];
  for (const weights of splits) {
    const exp = experiment(weights);
    for (let i = 0; i < 20_000; i++) {
      assert.equal(pickVariant(exp, `user-${i}`)?.key, previousPick(exp, `user-${i}`));
    }
  }
});

Deno.test("pickVariant() moves nobody when weights are rescaled, only the changed share on a ramp", () => {
  const ids = 50_000;
  const half = picks(experiment({ A: 50, B: 50 }), ids);
  // The same split written with another total: before the fixed point, half the ids moved.
  assert.deepEqual(picks(experiment({ A: 1, B: 1 }), ids), half);
  assert.deepEqual(picks(experiment({ A: 5000, B: 5000 }), ids), half);
  assert.deepEqual(picks(experiment({ A: 500, B: 500, C: 0 }), ids), half);
  // 50/50 to 50/51: only ids moving from A to B (about 0.5%), none the other way.
  const ramped = picks(experiment({ A: 50, B: 51 }), ids);
  let moved = 0;
  for (let i = 0; i < ids; i++) {
    if (ramped[i] === half[i]) continue;
    assert.deepEqual([half[i], ramped[i]], ["A", "B"]);
    moved++;
  }
  assert.ok(moved > 0.003 * ids && moved < 0.007 * ids, `moved ${moved} of ${ids}`);
  // Switching the third variant off: its ids spread over A and B, and the shares are rescaled to
  // the new total, so only the ids in [45%, 50%) move from B to A (before, about half of all did).
  const three = picks(experiment({ A: 45, B: 45, C: 10 }), ids);
  const off = picks(experiment({ A: 45, B: 45, C: 0 }), ids);
  let shifted = 0;
  for (let i = 0; i < ids; i++) {
    if (three[i] === "C") assert.notEqual(off[i], "C");
    else if (off[i] !== three[i]) {
      assert.deepEqual([three[i], off[i]], ["B", "A"]);
      shifted++;
    }
  }
  assert.ok(shifted > 0.04 * ids && shifted < 0.06 * ids, `shifted ${shifted} of ${ids}`);
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

Deno.test("assign() keeps a sticky variant when weights change, and re-draws if it was removed or switched off", () => {
  const before = experiment({ A: 50, B: 50 });
  const first = assign(before, { userId: "user-1", mode: "LIVE" });
  assert.equal(first.variant, "B");
  const after = experiment({ A: 99, B: 1 });
  assert.equal(assign(after, { userId: "user-1", mode: "LIVE" }).variant, "A");
  const sticky = assign(after, { userId: "user-1", mode: "LIVE" }, "B");
  assert.deepEqual([sticky.variant, sticky.reason, sticky.config], ["B", "STICKY", { label: "B" }]);
  const off = assign(experiment({ A: 100, B: 0 }), { userId: "user-1", mode: "LIVE" }, "B");
  assert.deepEqual([off.variant, off.reason], ["A", "SPLIT"]);
  const removed = assign(experiment({ A: 1 }), { userId: "user-1", mode: "LIVE" }, "B");
  assert.deepEqual([removed.variant, removed.reason], ["A", "SPLIT"]);
});
