/**
 * Feature flags: the types and zod schemas shared by the engine, the store,
 * the routes and the islands. Pure (no I/O).
 */
import { z } from "@hono/zod-openapi";
import { APP_ENVS, type AppEnv, type Mode, MODES } from "../config.ts";
import { checkNewEventKey } from "../validation/event_key.ts";
import { noPhi } from "../validation/no_phi.ts";

/** Flag and experiment keys: lower-case, starting with a letter, at most 100 characters. */
export const KEY_PATTERN = /^[a-z][a-z0-9_.-]{0,99}$/;

export const FLAG_SCOPES = ["product", "governance"] as const;
export type FlagScope = (typeof FLAG_SCOPES)[number];

/**
 * Identifiers in `target_users`: user ids or service-side targeting keys.
 * No `@`, spaces or free text; the input schema also refuses any id the PHI scanner flags
 * (an SSN, phone or record number), so PHI cannot be stored as a target.
 */
export const TARGET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const MAX_TARGET_USERS = 1000;
export const MAX_DESCRIPTION = 500;

/** One flag as stored. */
export interface Flag {
  key: string;
  enabled: boolean;
  description: string | null;
  scope: FlagScope;
  /** 0..100. */
  rolloutPercent: number;
  /** Empty: every mode. */
  requiredModes: Mode[];
  /** User ids (or targeting keys) that always get the flag once it is enabled and not gated. */
  targetUsers: string[];
  /** Empty: every environment. */
  targetEnvironments: AppEnv[];
  /** Increases by one on every change (optimistic concurrency). */
  version: number;
  /** ISO-8601. */
  updatedAt: string;
  updatedBy: string | null;
}

/**
 * A flag key in a path. Also reads keys stored before the event-key check, so it checks the
 * pattern only; a new key is checked in applyFlagInput().
 */
export const FlagKeySchema = z.string().regex(KEY_PATTERN).openapi({
  description: "Flag key: `^[a-z][a-z0-9_.-]{0,99}$`. A new key in which the PHI scanner finds " +
    "something (a date, an address-like number) is refused with 400 VALIDATION_FAILED.",
  example: "new_dashboard",
});

/**
 * `schema` (a list) plus a check that refuses a repeated item with `message`. Raised as a format
 * issue (format `unique`): the API's validation hook passes on the messages of rule issues (type,
 * size, format) only and answers a plain refine with "Invalid value", which states no rule.
 */
export function noRepeats<T extends z.ZodArray<z.ZodType>>(schema: T, message: string): T {
  return schema.superRefine((items, ctx) => {
    const list = items as readonly unknown[];
    if (new Set(list).size !== list.length) {
      ctx.addIssue({ code: "invalid_format", format: "unique", message });
    }
  });
}

/** The body of a flag upsert (`POST /api/governance/flags/:key`, `POST /api/admin/feature-flags/:name`). */
/**
 * A description: served to every signed-in user (governance state, SSE hello), so text in which
 * the PHI scanner finds anything is refused.
 */
export const DescriptionSchema = noPhi(z.string().max(MAX_DESCRIPTION)).openapi({
  description: "Free text shown to every signed-in user; refused when it holds PHI",
});

/** One target id: the id pattern, and nothing the PHI scanner flags as a whole value. */
export const TargetIdSchema = noPhi(z.string().regex(TARGET_ID_PATTERN)).openapi({
  description: "A user id or targeting key; refused when the PHI scanner flags it",
});

export const FlagInputSchema = z.object({
  enabled: z.boolean(),
  description: DescriptionSchema.nullable().optional(),
  scope: z.enum(FLAG_SCOPES).optional(),
  rolloutPercent: z.number().int().min(0).max(100).optional(),
  requiredModes: noRepeats(z.array(z.enum(MODES)).max(MODES.length), "Must not repeat a mode")
    .optional(),
  targetUsers: noRepeats(z.array(TargetIdSchema).max(MAX_TARGET_USERS), "Must not repeat a user")
    .optional(),
  targetEnvironments: noRepeats(
    z.array(z.enum(APP_ENVS)).max(APP_ENVS.length),
    "Must not repeat an environment",
  ).optional(),
  version: z.number().int().min(1).optional().openapi({
    description:
      "The version this change is based on. When given and the stored flag has moved on, the " +
      "change is refused with 409 CONFLICT; when no flag has this key, with 404 NOT_FOUND " +
      "(send no version to create one).",
  }),
}).strict().openapi("FlagInput");
export type FlagInput = z.output<typeof FlagInputSchema>;

/** A flag as the admin API shows it: the stored flag plus the override in force. */
export const FlagViewSchema = z.object({
  key: z.string(),
  enabled: z.boolean(),
  description: z.string().nullable(),
  scope: z.enum(FLAG_SCOPES),
  rolloutPercent: z.number().int(),
  requiredModes: z.array(z.enum(MODES)),
  targetUsers: z.array(z.string()),
  targetEnvironments: z.array(z.enum(APP_ENVS)),
  version: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
  override: z.boolean().nullable().openapi({
    description: "The FEATURE_<KEY> environment override in force, or null",
  }),
  overrideName: z.string().openapi({ example: "FEATURE_NEW_DASHBOARD" }),
}).openapi("Flag");
export type FlagView = z.output<typeof FlagViewSchema>;

/**
 * Applies an upsert input to the current flag (or the defaults for a new one). Pure. A new flag
 * (or an archived one brought back) whose key the bus guard would refuse is refused with a
 * ValidationError (lib/validation/event_key.ts); only here is it known that the flag is new, and
 * a live flag stored before that check must stay changeable (switched off, say).
 */
export function applyFlagInput(
  key: string,
  current: Flag | undefined,
  input: FlagInput,
): Omit<Flag, "version" | "updatedAt" | "updatedBy"> {
  if (!current) checkNewEventKey(key);
  return {
    key,
    enabled: input.enabled,
    description: input.description !== undefined
      ? (input.description?.trim() || null)
      : current?.description ?? null,
    scope: input.scope ?? current?.scope ?? "product",
    rolloutPercent: input.rolloutPercent ?? current?.rolloutPercent ?? 100,
    requiredModes: input.requiredModes ?? current?.requiredModes ?? [],
    targetUsers: input.targetUsers ?? current?.targetUsers ?? [],
    targetEnvironments: input.targetEnvironments ?? current?.targetEnvironments ?? [],
  };
}
