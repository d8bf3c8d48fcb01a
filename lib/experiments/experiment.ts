/**
 * A/B experiments: types and zod schemas. Pure (no I/O).
 */
import { z } from "@hono/zod-openapi";
import { type Mode, MODES } from "../config.ts";
import { DescriptionSchema, KEY_PATTERN, noRepeats } from "../flags/flag.ts";
import { checkNewEventKey } from "../validation/event_key.ts";
import { noPhi, noPhiIssue, phiTypesIn } from "../validation/no_phi.ts";

/**
 * Variant keys: short identifiers starting with a letter (stored in a VARCHAR(50)). Served to
 * every assigned user and OFREP client and stored per assignment, so no bare numbers (a phone,
 * SSN or record number), and the input schema also refuses keys the PHI scanner flags.
 */
export const VARIANT_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,49}$/;
/** Longest key inside a variant's config object. */
export const MAX_CONFIG_KEY = 100;
export const MAX_VARIANTS = 20;
export const MAX_WEIGHT = 10_000;
/** Serialized size limit of one variant's config object. */
export const MAX_CONFIG_BYTES = 4096;

export type VariantConfig = Record<string, unknown>;

export interface Variant {
  key: string;
  /** Integer allocation weight; 0 keeps the variant defined but assigns nobody to it. */
  weight: number;
  config: VariantConfig;
}

/** One experiment as stored; `variants` are sorted by key (the allocation walk order). */
export interface Experiment {
  key: string;
  enabled: boolean;
  description: string | null;
  variants: Variant[];
  requiredModes: Mode[];
  version: number;
  updatedAt: string;
  updatedBy: string | null;
}

function jsonSize(value: unknown): number {
  try {
    return new TextEncoder().encode(JSON.stringify(value)).length;
  } catch {
    return Infinity;
  }
}

/**
 * A variant's config: served with the variant to every assigned user. Keys are checked here
 * rather than by a key schema, so a refused key is reported at the config's path, never in it.
 */
export const VariantConfigSchema = noPhi(
  z.record(z.string(), z.unknown())
    .superRefine((config, ctx) => {
      if (Object.keys(config).some((key) => key.length > MAX_CONFIG_KEY)) {
        ctx.addIssue({
          code: "too_big",
          origin: "string",
          maximum: MAX_CONFIG_KEY,
          inclusive: true,
          message: `Config keys must be at most ${MAX_CONFIG_KEY} characters`,
        });
      }
    })
    // A size issue, so the API's validation hook passes the rule on (a plain refine reads
    // "Invalid value" there).
    .superRefine((value, ctx) => {
      if (jsonSize(value) > MAX_CONFIG_BYTES) {
        ctx.addIssue({
          code: "too_big",
          origin: "string",
          maximum: MAX_CONFIG_BYTES,
          inclusive: true,
          message: `Must serialize to at most ${MAX_CONFIG_BYTES} bytes of JSON`,
        });
      }
    }),
);

export const VariantInputSchema = z.object({
  weight: z.number().int().min(0).max(MAX_WEIGHT),
  config: VariantConfigSchema.optional(),
}).strict().openapi("VariantInput");

/** One variant key: the identifier pattern, and nothing the PHI scanner flags. */
export const VariantKeySchema = noPhi(z.string().regex(VARIANT_KEY_PATTERN));

/**
 * Variants by key. The keys are checked first and a refused key is reported at `$.variants`,
 * never in the path (zod puts a record's key in the issue path); only then are the variants
 * validated, so any later path holds an accepted key. (A preprocess step, so the API reference
 * documents the record of VariantInput.)
 */
const VariantsSchema = z.preprocess((variants, ctx) => {
  if (!variants || typeof variants !== "object" || Array.isArray(variants)) return variants;
  const keys = Object.keys(variants);
  const types = [...new Set(keys.flatMap((key) => phiTypesIn(key)))];
  if (types.length > 0) ctx.addIssue(noPhiIssue(types));
  if (keys.some((key) => !VARIANT_KEY_PATTERN.test(key))) {
    ctx.addIssue({
      code: "invalid_format",
      format: "regex",
      pattern: VARIANT_KEY_PATTERN.toString(),
      message: `Variant keys must match pattern ${VARIANT_KEY_PATTERN}`,
    });
  }
  return variants;
}, z.record(VariantKeySchema, VariantInputSchema)).openapi({
  description: `Variants by key; keys match \`${VARIANT_KEY_PATTERN.source}\`. Keys and ` +
    "config values in which the PHI scanner finds anything are refused.",
});

/**
 * The rules over all variants, one message per cause: 1 to MAX_VARIANTS of them, and some weight
 * above 0 (only checked when the count is right, so no variants is not also "no weight"). Size
 * issues, so the API's validation hook passes the rule on (a plain refine reads "Invalid value").
 */
function checkVariantCount(
  variants: Record<string, { weight: number }>,
  ctx: z.core.$RefinementCtx<Record<string, { weight: number }>>,
): void {
  const count = Object.keys(variants).length;
  if (count < 1 || count > MAX_VARIANTS) {
    const bound = count < 1
      ? { code: "too_small" as const, minimum: 1 }
      : { code: "too_big" as const, maximum: MAX_VARIANTS };
    ctx.addIssue({
      ...bound,
      origin: "object",
      inclusive: true,
      message: `Give 1 to ${MAX_VARIANTS} variants, each with a weight`,
    });
    return;
  }
  if (!Object.values(variants).some((variant) => variant.weight > 0)) {
    ctx.addIssue({
      code: "too_small",
      origin: "number",
      minimum: 1,
      inclusive: true,
      message:
        `At least one variant needs a weight above 0 (weights are whole numbers from 0 to ${MAX_WEIGHT})`,
    });
  }
}

/** The body of `POST /api/admin/experiments` (create or update). */
export const ExperimentInputSchema = z.object({
  key: z.string().regex(KEY_PATTERN).openapi({
    description: "`^[a-z][a-z0-9_.-]{0,99}$`. A new key in which the PHI scanner finds " +
      "something (a date, an address-like number) is refused with 400 VALIDATION_FAILED.",
  }),
  enabled: z.boolean(),
  description: DescriptionSchema.nullable().optional(),
  variants: VariantsSchema.superRefine(checkVariantCount),
  requiredModes: noRepeats(z.array(z.enum(MODES)).max(MODES.length), "Must not repeat a mode")
    .optional(),
  version: z.number().int().min(1).optional().openapi({
    description:
      "The version this change is based on; a stale version is refused with 409 CONFLICT, and " +
      "a version for a key no experiment has with 404 NOT_FOUND (send none to create one).",
  }),
}).strict().openapi("ExperimentInput");
export type ExperimentInput = z.output<typeof ExperimentInputSchema>;

/** Variants sorted by key: the order the allocation walk uses. */
export function sortVariants(variants: readonly Variant[]): Variant[] {
  return [...variants].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Applies an input to the current experiment (or defaults). Pure. A new experiment whose key the
 * bus guard would refuse is refused with a ValidationError (lib/validation/event_key.ts): its
 * assignments would never be announced or recorded as exposures. Not in the input schema, which
 * updates share: an experiment stored before that check must stay changeable (switched off).
 */
export function applyExperimentInput(
  current: Experiment | undefined,
  input: ExperimentInput,
): Omit<Experiment, "version" | "updatedAt" | "updatedBy"> {
  if (!current) checkNewEventKey(input.key);
  return {
    key: input.key,
    enabled: input.enabled,
    description: input.description !== undefined
      ? (input.description?.trim() || null)
      : current?.description ?? null,
    variants: sortVariants(
      Object.entries(input.variants).map(([key, variant]) => ({
        key,
        weight: variant.weight,
        config: variant.config ?? current?.variants.find((v) => v.key === key)?.config ?? {},
      })),
    ),
    requiredModes: input.requiredModes ?? current?.requiredModes ?? [],
  };
}

/** Total allocation weight. */
export function totalWeight(experiment: Pick<Experiment, "variants">): number {
  return experiment.variants.reduce((sum, variant) => sum + variant.weight, 0);
}
