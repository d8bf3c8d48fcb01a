/**
 * "Why is it on?": one human sentence for an evaluation. Pure. Never repeats
 * the user or session id it was asked about.
 */
import { featureOverrideName } from "../config.ts";
import type { EvalContext, FlagEvaluation } from "./evaluate.ts";
import type { Flag } from "./flag.ts";

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/**
 * The sentence explaining `evaluation` of `flag` (undefined when unknown) in `context`.
 *
 * @example
 * explain({ key: "x", value: true, reason: "SPLIT", bucket: 37, version: 2 }, flag, ctx);
 * // "The user is in bucket 37 and the rollout is 50% (buckets 1–50), so the flag is on."
 */
export function explain(
  evaluation: FlagEvaluation,
  flag: Flag | undefined,
  context: EvalContext,
): string {
  const state = evaluation.value ? "on" : "off";
  switch (evaluation.reason) {
    case "OVERRIDE":
      return `${
        featureOverrideName(evaluation.key)
      }=${evaluation.value} is set in the server's environment and overrides the stored flag, so it is ${state}.`;
    case "ERROR":
      return "No flag configuration has been loaded yet (the database was unreachable at start), so every flag is off.";
    case "FLAG_NOT_FOUND":
      return "No flag with this key exists (or it was archived), so it is off.";
    case "DISABLED":
      return "The flag is disabled, so it is off for everyone.";
    case "MODE_GATED":
      return `The flag only applies in ${
        list(flag?.requiredModes ?? [])
      } mode and the platform is in ${context.mode}, so it is off.`;
    case "ENVIRONMENT_GATED":
      return `The flag only applies in ${
        list(flag?.targetEnvironments ?? [])
      } and this instance runs in ${context.environment}, so it is off.`;
    case "TARGETING_MATCH":
      return "The user is one of the flag's target users, so it is on regardless of the rollout.";
    case "STATIC":
      return "The rollout is 100%, so the flag is on for everyone.";
    case "ROLLOUT":
      return flag && flag.rolloutPercent > 0 && flag.rolloutPercent < 100
        ? `The rollout is ${flag.rolloutPercent}% but there is no user or session id to place in a bucket, so it is off.`
        : "The rollout is 0%, so the flag is off for everyone but its target users.";
    case "SPLIT": {
      const who = context.userId !== undefined ? "user" : "session";
      const percent = flag?.rolloutPercent ?? 0;
      return `The ${who} is in bucket ${evaluation.bucket} and the rollout is ${percent}% (buckets 1–${percent}), so the flag is ${state}.`;
    }
  }
}
