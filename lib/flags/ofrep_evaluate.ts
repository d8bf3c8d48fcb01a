/**
 * OFREP evaluation: flags and experiments of one snapshot turned into OFREP results. Pure but for
 * the experiments' sticky assignments, read through the `assignRemote` it is given.
 */
import type { FlagSubject } from "../context.ts";
import type { Assignment } from "../experiments/assign.ts";
import {
  type EvalContext,
  evaluate as evaluateFlag,
  type FlagEvaluation,
  type FlagSnapshot,
} from "./evaluate.ts";
import { experimentResult, flagResult, type OfrepContext, type OfrepResult } from "./ofrep.ts";

/** What evaluation needs of the flag and experiment services. */
export interface OfrepEvaluatorDeps {
  contextFor(subject: FlagSubject): EvalContext;
  evaluate(key: string, context: EvalContext): FlagEvaluation;
  assignRemote(
    keys: readonly string[],
    targetingKey: string | undefined,
  ): Promise<Map<string, Assignment>>;
}

export interface OfrepEvaluator {
  /**
   * The results for `keys` from one snapshot, in order; a key that is neither a flag nor an
   * experiment there is left out. Experiments read the targeting key's sticky assignments once
   * for all of them (lib/experiments/service.ts), so a bulk evaluation costs at most one query.
   */
  resultsFor(
    snapshot: FlagSnapshot,
    keys: readonly string[],
    context: OfrepContext,
  ): Promise<OfrepResult[]>;
  /** With no snapshot loaded: the FEATURE_<KEY> override of `key`, if one is set. */
  overrideOnly(key: string): OfrepResult | undefined;
}

/**
 * @example
 * const { resultsFor, overrideOnly } = createOfrepEvaluator({
 *   contextFor: flags.contextFor, evaluate: flags.evaluate, assignRemote: experiments.assignRemote,
 * });
 */
export function createOfrepEvaluator(deps: OfrepEvaluatorDeps): OfrepEvaluator {
  return {
    async resultsFor(snapshot, keys, context) {
      const evalContext = deps.contextFor({
        ...(context.targetingKey ? { userId: context.targetingKey } : {}),
      });
      const experimentKeys = keys.filter((key) =>
        !snapshot.flags.has(key) && snapshot.experiments.has(key)
      );
      const assignments = experimentKeys.length > 0
        ? await deps.assignRemote(experimentKeys, context.targetingKey)
        : undefined;
      const results: OfrepResult[] = [];
      for (const key of keys) {
        const compiled = snapshot.flags.get(key);
        const experiment = snapshot.experiments.get(key);
        const assignment = assignments?.get(key);
        if (compiled) {
          // The snapshot taken before the await above, so a flag and its evaluation always agree.
          const evaluation = evaluateFlag(snapshot, key, evalContext, snapshot.overrides);
          results.push(flagResult(compiled, evaluation));
        } else if (experiment && assignment) {
          results.push(experimentResult(key, assignment, experiment.version));
        }
      }
      return results;
    },
    overrideOnly(key) {
      const evaluation = deps.evaluate(key, deps.contextFor({}));
      if (evaluation.reason !== "OVERRIDE") return undefined;
      return {
        key,
        value: evaluation.value,
        reason: "STATIC",
        variant: evaluation.value ? "on" : "off",
        metadata: { kind: "flag", evaluationReason: "OVERRIDE" },
      };
    },
  };
}
