/**
 * Experiment assignment. Pure: the same experiment and id always give the
 * same variant, and a persisted (sticky) assignment wins over the hash.
 *
 * Hash: MurmurHash3 x86 32-bit of `"<experimentKey>:<id>"` with seed 86028157
 * (Unleash's variant seed) gives each id a fixed point in [0, POINT_RANGE); the
 * variants, in key order, cover consecutive shares of that range in proportion
 * to their weights. The point does not depend on the weights, so rescaling
 * them (1/1 to 50/50) moves nobody and a ramp (50/50 to 60/40) moves only the
 * ids in the share that changed hands.
 *
 * A subject whose persisted variant was removed or switched off (weight 0) is
 * drawn again: MurmurHash3 of the same `"<experimentKey>:<id>"` with its own
 * seed ({@link REDRAW_SEED}) split by the current weights. Not the assignment
 * point, which lies in the share the lost variant covered and would send all of
 * its subjects to one neighbour; deterministic, so every instance agrees.
 */
import type { Mode } from "../config.ts";
import { murmur3 } from "../flags/hash.ts";
import { type Experiment, totalWeight, type Variant, type VariantConfig } from "./experiment.ts";

/** Unleash's variant seed. */
export const EXPERIMENT_SEED = 86028157;

/** The seed of the re-draw of a subject whose stored variant was removed or switched off. */
export const REDRAW_SEED = 0x9e3779b9;

export const ASSIGNMENT_REASONS = [
  "SPLIT",
  "STICKY",
  "DISABLED",
  "MODE_GATED",
  "NOT_FOUND",
  "NO_ID",
] as const;
/**
 * `SPLIT`: assigned by the hash; `STICKY`: a persisted assignment; `DISABLED`,
 * `MODE_GATED`: the experiment does not run here (no variant); `NOT_FOUND`:
 * unknown or archived; `NO_ID`: no user or session id to assign.
 */
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number];

export interface AssignmentContext {
  userId?: string | undefined;
  sessionId?: string | undefined;
  mode: Mode;
}

export interface Assignment {
  experimentKey: string;
  variant: string | null;
  config: VariantConfig | null;
  reason: AssignmentReason;
}

/** The fine part of a point ranges over [0, POINT_FINE): ceil(2^32 / 100). */
const POINT_FINE = 42_949_673;
/** Points range over [0, POINT_RANGE). */
export const POINT_RANGE = 100 * POINT_FINE;

/**
 * The point of an id in an experiment: the hash with its residue mod 100 leading
 * and the rest of it ordering ids within that percent. Leading with the residue
 * keeps, for weights totalling 100, the variant every earlier version gave
 * (`hash % total + 1` against the cumulative weights), so an upgrade does not
 * move those subjects.
 */
export function allocationPoint(experimentKey: string, id: string): number {
  const hash = murmur3(`${experimentKey}:${id}`, EXPERIMENT_SEED);
  return (hash % 100) * POINT_FINE + Math.floor(hash / 100);
}

/** The variant the hash gives `id` (null when no weight is allocated). */
export function pickVariant(experiment: Experiment, id: string): Variant | null {
  const total = totalWeight(experiment);
  if (total <= 0) return null;
  // point / POINT_RANGE < cumulative / total, in integers: both products stay below
  // 2^53 (points < 2^32, weights total at most 200,000).
  const scaledPoint = allocationPoint(experiment.key, id) * total;
  let cumulative = 0;
  for (const variant of experiment.variants) {
    cumulative += variant.weight;
    if (scaledPoint < cumulative * POINT_RANGE) return variant;
  }
  return null;
}

/**
 * The variant a subject gets when its stored variant was removed or switched off: a second,
 * independent hash of the id, split by the current weights (null when no weight is allocated).
 */
export function redrawVariant(experiment: Experiment, id: string): Variant | null {
  const total = totalWeight(experiment);
  if (total <= 0) return null;
  // hash / 2^32 < cumulative / total, in integers (below 2^50: weights total at most 200,000).
  const scaled = murmur3(`${experiment.key}:${id}`, REDRAW_SEED) * total;
  let cumulative = 0;
  for (const variant of experiment.variants) {
    cumulative += variant.weight;
    if (scaled < cumulative * 2 ** 32) return variant;
  }
  return null;
}

/** Whether a stored variant still holds: it exists and its weight is above 0. */
export function keepsVariant(experiment: Experiment, variant: string): boolean {
  return experiment.variants.some((v) => v.key === variant && v.weight > 0);
}

/** Whether the experiment runs for this context (enabled and not mode-gated), and why not. */
export function gate(
  experiment: Experiment | undefined,
  mode: Mode,
): "NOT_FOUND" | "DISABLED" | "MODE_GATED" | null {
  if (!experiment) return "NOT_FOUND";
  if (!experiment.enabled) return "DISABLED";
  if (experiment.requiredModes.length > 0 && !experiment.requiredModes.includes(mode)) {
    return "MODE_GATED";
  }
  return null;
}

/**
 * Assigns a variant. `sticky` is the persisted variant for this subject, if
 * any: it wins while that variant exists with a weight above 0; once removed or
 * switched off, the subject is re-drawn ({@link redrawVariant}, reason `SPLIT`).
 *
 * @example
 * assign(experiment, { userId: "u1", mode: "LIVE" }); // { variant: "B", reason: "SPLIT", ... }
 */
export function assign(
  experiment: Experiment | undefined,
  context: AssignmentContext,
  sticky?: string | null,
): Assignment {
  const key = experiment?.key ?? "";
  const none = (reason: AssignmentReason): Assignment => ({
    experimentKey: key,
    variant: null,
    config: null,
    reason,
  });
  const gated = gate(experiment, context.mode);
  if (gated || !experiment) return none(gated ?? "NOT_FOUND");
  if (sticky) {
    const kept = experiment.variants.find((variant) => variant.key === sticky);
    if (kept && kept.weight > 0) {
      return { experimentKey: key, variant: kept.key, config: kept.config, reason: "STICKY" };
    }
  }
  const id = context.userId ?? context.sessionId;
  if (id === undefined || id === "") return none("NO_ID");
  const variant = sticky ? redrawVariant(experiment, id) : pickVariant(experiment, id);
  if (!variant) return none("DISABLED");
  return { experimentKey: key, variant: variant.key, config: variant.config, reason: "SPLIT" };
}
