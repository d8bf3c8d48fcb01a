/**
 * The flag evaluation engine: exactly the ordered rules of DESIGN.md "Flags",
 * with a reason for every result. Pure: evaluation reads an in-memory
 * {@link FlagSnapshot} and never does I/O.
 *
 * 1. env `FEATURE_<KEY>` → that value, `OVERRIDE`
 * 2. unknown flag → false, `FLAG_NOT_FOUND` (no snapshot at all → false, `ERROR`)
 * 3. disabled → false, `DISABLED`
 * 4. required modes set and mode not in them → false, `MODE_GATED`
 * 5. target environments set and environment not in them → false, `ENVIRONMENT_GATED`
 * 6. user id in target users → true, `TARGETING_MATCH`
 * 7. rollout 100 → true, `STATIC`; 0 → false, `ROLLOUT`; otherwise the bucket of
 *    `userId ?? sessionId` decides, `SPLIT`; no id → false, `ROLLOUT`.
 */
import { type AppEnv, featureOverrideName, type Mode } from "../config.ts";
import type { Experiment } from "../experiments/experiment.ts";
import type { Flag } from "./flag.ts";
import { bucketOf, inRollout, murmur3 } from "./hash.ts";

export const FLAG_REASONS = [
  "OVERRIDE",
  "FLAG_NOT_FOUND",
  "DISABLED",
  "MODE_GATED",
  "ENVIRONMENT_GATED",
  "TARGETING_MATCH",
  "STATIC",
  "ROLLOUT",
  "SPLIT",
  "ERROR",
] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

/** Who and where a flag is evaluated for. */
export interface EvalContext {
  userId?: string | undefined;
  sessionId?: string | undefined;
  mode: Mode;
  environment: AppEnv;
}

export interface FlagEvaluation {
  key: string;
  value: boolean;
  reason: FlagReason;
  /** The rollout bucket (1..100) when the rollout rule computed one, else null. */
  bucket: number | null;
  /** The stored flag's version, or null when the flag is unknown. */
  version: number | null;
}

/** `FEATURE_<KEY>` overrides keyed by variable name (`Config.featureOverrides`). */
export type Overrides = Readonly<Record<string, boolean>>;

/** A flag prepared for fast evaluation. */
export interface CompiledFlag {
  readonly flag: Flag;
  readonly overrideName: string;
  readonly override: boolean | null;
  readonly targets: ReadonlySet<string>;
  readonly modes: ReadonlySet<Mode>;
  readonly environments: ReadonlySet<AppEnv>;
}

/** Everything evaluation needs, loaded once and swapped atomically on change. */
export interface FlagSnapshot {
  /** Flags by key, in key order. */
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  /** Experiments by key, in key order. */
  readonly experiments: ReadonlyMap<string, Experiment>;
  readonly overrides: Overrides;
  /** Changes whenever any flag or experiment changes (content hash). */
  readonly revision: string;
  /** Clock time (ms) of the load. */
  readonly loadedAt: number;
}

const byKey = <T extends { key: string }>(
  a: T,
  b: T,
) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Builds a snapshot from stored flags and experiments. Pure. */
export function buildSnapshot(input: {
  flags: readonly Flag[];
  experiments: readonly Experiment[];
  overrides: Overrides;
  loadedAt: number;
}): FlagSnapshot {
  const flags = new Map<string, CompiledFlag>();
  const parts: string[] = [];
  for (const flag of [...input.flags].sort(byKey)) {
    const overrideName = featureOverrideName(flag.key);
    flags.set(flag.key, {
      flag,
      overrideName,
      override: input.overrides[overrideName] ?? null,
      targets: new Set(flag.targetUsers),
      modes: new Set(flag.requiredModes),
      environments: new Set(flag.targetEnvironments),
    });
    parts.push(`f:${flag.key}:${flag.version}:${flag.updatedAt}`);
  }
  const experiments = new Map<string, Experiment>();
  for (const experiment of [...input.experiments].sort(byKey)) {
    experiments.set(experiment.key, experiment);
    parts.push(`e:${experiment.key}:${experiment.version}:${experiment.updatedAt}`);
  }
  const text = parts.join("|");
  const revision = murmur3(text, 1).toString(16).padStart(8, "0") +
    murmur3(text, 2).toString(16).padStart(8, "0");
  return { flags, experiments, overrides: input.overrides, revision, loadedAt: input.loadedAt };
}

function result(
  key: string,
  value: boolean,
  reason: FlagReason,
  version: number | null,
  bucket: number | null = null,
): FlagEvaluation {
  return { key, value, reason, bucket, version };
}

/** Evaluates a compiled flag (rules 1 and 3–7). */
export function evaluateCompiled(compiled: CompiledFlag, context: EvalContext): FlagEvaluation {
  const { flag } = compiled;
  if (compiled.override !== null) {
    return result(flag.key, compiled.override, "OVERRIDE", flag.version);
  }
  if (!flag.enabled) return result(flag.key, false, "DISABLED", flag.version);
  if (compiled.modes.size > 0 && !compiled.modes.has(context.mode)) {
    return result(flag.key, false, "MODE_GATED", flag.version);
  }
  if (compiled.environments.size > 0 && !compiled.environments.has(context.environment)) {
    return result(flag.key, false, "ENVIRONMENT_GATED", flag.version);
  }
  if (context.userId !== undefined && compiled.targets.has(context.userId)) {
    return result(flag.key, true, "TARGETING_MATCH", flag.version);
  }
  if (flag.rolloutPercent >= 100) return result(flag.key, true, "STATIC", flag.version);
  if (flag.rolloutPercent <= 0) return result(flag.key, false, "ROLLOUT", flag.version);
  const id = context.userId ?? context.sessionId;
  if (id === undefined || id === "") return result(flag.key, false, "ROLLOUT", flag.version);
  const bucket = bucketOf(flag.key, id);
  return result(flag.key, inRollout(bucket, flag.rolloutPercent), "SPLIT", flag.version, bucket);
}

/**
 * Evaluates one flag. With no snapshot (nothing ever loaded) every flag is
 * false with reason `ERROR` (fail closed), unless an override says otherwise.
 *
 * @example
 * evaluate(snapshot, "new_dashboard", { userId: "u1", mode: "LIVE", environment: "production" }, {});
 * // { key: "new_dashboard", value: true, reason: "SPLIT", bucket: 37, version: 4 }
 */
export function evaluate(
  snapshot: FlagSnapshot | null,
  key: string,
  context: EvalContext,
  overrides: Overrides,
): FlagEvaluation {
  const compiled = snapshot?.flags.get(key);
  if (compiled) return evaluateCompiled(compiled, context);
  const override = overrides[featureOverrideName(key)];
  if (override !== undefined) return result(key, override, "OVERRIDE", null);
  if (!snapshot) return result(key, false, "ERROR", null);
  return result(key, false, "FLAG_NOT_FOUND", null);
}

/** Evaluates every flag of the snapshot, in key order (empty without a snapshot). */
export function evaluateAll(snapshot: FlagSnapshot | null, context: EvalContext): FlagEvaluation[] {
  if (!snapshot) return [];
  const out: FlagEvaluation[] = [];
  for (const compiled of snapshot.flags.values()) out.push(evaluateCompiled(compiled, context));
  return out;
}
