/**
 * A/B experiments: types and zod schemas. Pure (no I/O).
 */
import { z } from "@hono/zod-openapi";
import { type Mode, MODES } from "../config.ts";
import { KEY_PATTERN, MAX_DESCRIPTION } from "../flags/flag.ts";

/** Variant keys: short identifiers (stored in a VARCHAR(50)). */
export const VARIANT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;
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

const unique = <T>(items: readonly T[]) => new Set(items).size === items.length;

function jsonSize(value: unknown): number {
  try {
    return new TextEncoder().encode(JSON.stringify(value)).length;
  } catch {
    return Infinity;
  }
}

export const VariantInputSchema = z.object({
  weight: z.number().int().min(0).max(MAX_WEIGHT),
  config: z.record(z.string().max(100), z.unknown())
    .refine((value) => jsonSize(value) <= MAX_CONFIG_BYTES, {
      message: `Must serialize to at most ${MAX_CONFIG_BYTES} bytes of JSON`,
    })
    .optional(),
}).strict().openapi("VariantInput");

/** The body of `POST /api/admin/experiments` (create or update). */
export const ExperimentInputSchema = z.object({
  key: z.string().regex(KEY_PATTERN),
  enabled: z.boolean(),
  description: z.string().max(MAX_DESCRIPTION).nullable().optional(),
  variants: z.record(z.string().regex(VARIANT_KEY_PATTERN), VariantInputSchema)
    .refine((v) => Object.keys(v).length >= 1, "Must define at least one variant")
    .refine((v) => Object.keys(v).length <= MAX_VARIANTS, `At most ${MAX_VARIANTS} variants`)
    .refine(
      (v) => Object.values(v).some((variant) => variant.weight > 0),
      "At least one variant must have a weight above 0",
    ),
  requiredModes: z.array(z.enum(MODES)).max(MODES.length).refine(unique, "Must not repeat a mode")
    .optional(),
  version: z.number().int().min(1).optional().openapi({
    description:
      "The version this change is based on; a stale version is refused with 409 CONFLICT.",
  }),
}).strict().openapi("ExperimentInput");
export type ExperimentInput = z.output<typeof ExperimentInputSchema>;

/** Variants sorted by key: the order the allocation walk uses. */
export function sortVariants(variants: readonly Variant[]): Variant[] {
  return [...variants].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Applies an input to the current experiment (or defaults). Pure. */
export function applyExperimentInput(
  current: Experiment | undefined,
  input: ExperimentInput,
): Omit<Experiment, "version" | "updatedAt" | "updatedBy"> {
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
