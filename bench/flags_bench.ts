/**
 * In-process flag evaluation: one flag, and all 50 flags, per context; the
 * bucketing hash alone; and building an OFREP bulk body (mapping, JSON, ETag).
 * `deno bench --allow-all bench/flags_bench.ts` — figures in docs/flags.md.
 */
import { type AppEnv, type Mode } from "../lib/config.ts";
import { buildSnapshot, type EvalContext, evaluate, evaluateAll } from "../lib/flags/evaluate.ts";
import type { Flag } from "../lib/flags/flag.ts";
import { bucketOf } from "../lib/flags/hash.ts";
import { bulkEtag, flagResult } from "../lib/flags/ofrep.ts";

const MODES: Mode[] = ["DEMO", "LIVE"];
const ENVS: AppEnv[] = ["staging", "production"];

/** 50 flags of every shape: static, split, targeted, gated, disabled. */
function flags(): Flag[] {
  return Array.from({ length: 50 }, (_, i) => ({
    key: `bench.flag_${String(i).padStart(2, "0")}`,
    enabled: i % 10 !== 9,
    description: null,
    scope: "product",
    rolloutPercent: [100, 50, 10, 0, 75][i % 5]!,
    requiredModes: i % 7 === 0 ? [MODES[i % 2]!] : [],
    targetUsers: i % 4 === 0 ? Array.from({ length: 20 }, (_, j) => `vip-${j}`) : [],
    targetEnvironments: i % 11 === 0 ? [ENVS[i % 2]!] : [],
    version: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
    updatedBy: null,
  }));
}

const snapshot = buildSnapshot({ flags: flags(), experiments: [], overrides: {}, loadedAt: 0 });
const contexts: EvalContext[] = Array.from({ length: 1024 }, (_, i) => ({
  userId: `user-${i * 7919}`,
  mode: "LIVE",
  environment: "production",
}));
let n = 0;
const next = () => contexts[n++ & 1023]!;

Deno.bench("evaluate 1 flag (50% split) per context", { group: "evaluate", baseline: true }, () => {
  evaluate(snapshot, "bench.flag_01", next(), {});
});

Deno.bench("evaluateAll: 50 flags per context", { group: "evaluate" }, () => {
  evaluateAll(snapshot, next());
});

Deno.bench("bucketOf (MurmurHash3 of '<key>:<id>')", { group: "hash" }, () => {
  bucketOf("bench.flag_01", next().userId!);
});

Deno.bench("OFREP bulk body for 50 flags (evaluate, map, JSON, ETag)", { group: "ofrep" }, () => {
  const context = next();
  const results = [];
  for (const compiled of snapshot.flags.values()) {
    results.push(flagResult(compiled, evaluate(snapshot, compiled.flag.key, context, {})));
  }
  bulkEtag(JSON.stringify({ flags: results }));
});
