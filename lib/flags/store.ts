/**
 * Flags and experiments in Postgres (`feature_flags`, `experiments`). The
 * snapshot loader reads every live row; writes run in a transaction with a
 * row lock, an optimistic version check and the caller's audit record, so a
 * change and its audit entry commit together or not at all.
 */
import type { Clock } from "../clock.ts";
import { APP_ENVS, type AppEnv, type Mode } from "../config.ts";
import type { Connection, Db, Row } from "../db/mod.ts";
import { isUniqueViolation } from "../db/mod.ts";
import { ConflictError, NotFoundError } from "../errors/mod.ts";
import {
  applyExperimentInput,
  type Experiment,
  type ExperimentInput,
  sortVariants,
  type Variant,
  type VariantConfig,
} from "../experiments/experiment.ts";
import { isMode } from "../governance/mode.ts";
import { applyFlagInput, type Flag, FLAG_SCOPES, type FlagInput, type FlagScope } from "./flag.ts";
import { sqlFoldCase } from "../validation/search.ts";

/**
 * A write meant to create (or restore) a key found a live flag or experiment under it (see
 * `expectNew`): someone else created it meanwhile. A CONFLICT, so the API answers 409.
 */
export class KeyExistsError extends ConflictError {
  constructor(what: "flag" | "experiment") {
    super(`A live ${what} with this key exists already; open it to change it`);
  }
}

/** Before and after of one change (before is undefined for a creation). */
export interface Change<T> {
  before: T | undefined;
  after: T;
  /** The archived row this write brought back (before is then undefined: nothing was live). */
  restored?: T;
  /**
   * The live row already had every setting the write asked for: nothing was written, versioned or
   * audited (`onChange` was not called), whatever version the write was based on, and `before`
   * and `after` are both the stored row.
   */
  unchanged?: true;
}

/** Called inside the write transaction (audit the change there). */
export type OnChange<T> = (tx: Connection, change: Change<T>) => Promise<void>;

export interface WriteOptions<T> {
  /** The version the change is based on; a different stored version is a conflict. */
  expectedVersion?: number | undefined;
  /**
   * The write creates (or restores) the key: a live row under it is refused with
   * {@link KeyExistsError}, checked under the key lock, so of two creations at once exactly one
   * is written. Settings the live row already has are still `unchanged`, not refused (nothing
   * is lost). An archived row does not count: writing over it restores it.
   */
  expectNew?: boolean | undefined;
  /** A user id for `updated_by` (null for system and token actors). */
  actorUserId: string | null;
  onChange: OnChange<T>;
}

/** An archived flag: its last settings and when it was archived. */
export interface ArchivedFlag extends Flag {
  archivedAt: string;
}

export interface FlagStore {
  /** Every live (not archived) flag and experiment. */
  loadAll(): Promise<{ flags: Flag[]; experiments: Experiment[] }>;
  upsertFlag(key: string, input: FlagInput, options: WriteOptions<Flag>): Promise<Change<Flag>>;
  /** Archives a live flag (it stops evaluating; history stays). */
  archiveFlag(key: string, options: WriteOptions<Flag>): Promise<Change<Flag>>;
  /**
   * How many flags are archived, and how many of them `needle` (lower case; '' matches every one)
   * is part of the key or the description of.
   */
  countArchived(needle: string): Promise<{ total: number; matching: number }>;
  /**
   * The archived flags `needle` matches (as {@link countArchived}), newest first (then by key):
   * `limit` of them after the first `offset`. Only those rows are read.
   */
  pageArchived(needle: string, offset: number, limit: number): Promise<ArchivedFlag[]>;
  /** The archived flag `key`, or undefined when none is (live, or never stored). */
  findArchived(key: string): Promise<ArchivedFlag | undefined>;
  upsertExperiment(
    input: ExperimentInput,
    options: WriteOptions<Experiment>,
  ): Promise<Change<Experiment>>;
}

const FLAG_COLUMNS = `key, enabled, description, scope, rollout_percent, required_modes,
  target_users, target_environments, version, archived_at, updated_by, updated_at`;
const EXPERIMENT_COLUMNS = `key, enabled, description, variants, allocation, required_modes,
  version, archived_at, updated_by, updated_at`;

/** Advisory lock class of flag and experiment keys (`pg_advisory_xact_lock(class, hashtext(key))`). */
const KEY_LOCK_CLASS = 0x46_4c_41_47; // "FLAG"

const modesOf = (value: unknown): Mode[] => Array.isArray(value) ? value.filter(isMode) : [];
const envsOf = (value: unknown): AppEnv[] =>
  Array.isArray(value)
    ? value.filter((v): v is AppEnv => (APP_ENVS as readonly unknown[]).includes(v))
    : [];
const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
const iso = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();

function toFlag(row: Row): Flag {
  const scope = FLAG_SCOPES.includes(row.scope as FlagScope) ? row.scope as FlagScope : "product";
  return {
    key: String(row.key),
    enabled: row.enabled === true,
    description: typeof row.description === "string" ? row.description : null,
    scope,
    rolloutPercent: Number(row.rollout_percent),
    requiredModes: modesOf(row.required_modes),
    targetUsers: stringsOf(row.target_users),
    targetEnvironments: envsOf(row.target_environments),
    version: Number(row.version),
    updatedAt: iso(row.updated_at),
    updatedBy: typeof row.updated_by === "string" ? row.updated_by : null,
  };
}

function toArchivedFlag(row: Row): ArchivedFlag {
  return { ...toFlag(row), archivedAt: iso(row.archived_at) };
}

/**
 * An archived row whose key or description holds $1 ('' for every row; folded by the caller,
 * `needleOf`), folded as the live flags are (lib/validation/search.ts): a plain substring test,
 * so no LIKE wildcard needs escaping.
 */
const ARCHIVED_MATCH = `($1 = '' OR strpos(${sqlFoldCase("key")}, $1) > 0 OR ` +
  `strpos(${sqlFoldCase("coalesce(description, '')")}, $1) > 0)`;

function toExperiment(row: Row): Experiment {
  const configs = (row.variants ?? {}) as Record<string, unknown>;
  const weights = (row.allocation ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(configs), ...Object.keys(weights)]);
  const variants: Variant[] = [...keys].map((key) => {
    const config = configs[key];
    const weight = Number(weights[key] ?? 0);
    return {
      key,
      weight: Number.isInteger(weight) && weight > 0 ? weight : 0,
      config: config && typeof config === "object" && !Array.isArray(config)
        ? config as VariantConfig
        : {},
    };
  });
  return {
    key: String(row.key),
    enabled: row.enabled === true,
    description: typeof row.description === "string" ? row.description : null,
    variants: sortVariants(variants),
    requiredModes: modesOf(row.required_modes),
    version: Number(row.version),
    updatedAt: iso(row.updated_at),
    updatedBy: typeof row.updated_by === "string" ? row.updated_by : null,
  };
}

/** The distinct items of two lists are the same (their order and repeats mean nothing). */
function sameItems(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

/** A JSON value with every object's keys sorted (jsonb keeps its own key order). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((
        key,
      ) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

const sameJson = (a: unknown, b: unknown) =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** How one setting of a flag or an experiment compares, stored against asked for. */
type Same<T> = (live: T, next: T) => boolean;
const same = <T>(live: T, next: T) => live === next;

/**
 * How each setting of a flag compares (as applyFlagInput made it: description trimmed, '' as
 * null; the modes, environments and target users as sets, since evaluation reads them so). Keyed
 * by every field but the write's own bookkeeping: a field added to Flag fails the type check here
 * until it says how it compares, instead of being taken as unchanged.
 */
const FLAG_SETTINGS: {
  [K in Exclude<keyof Flag, "key" | "version" | "updatedAt" | "updatedBy">]: Same<Flag[K]>;
} = {
  enabled: same,
  description: same,
  scope: same,
  rolloutPercent: same,
  requiredModes: sameItems,
  targetEnvironments: sameItems,
  targetUsers: sameItems,
};

/** The live flag already has every setting of `next`. */
export function sameFlagSettings(
  live: Flag,
  next: Omit<Flag, "version" | "updatedAt" | "updatedBy">,
): boolean {
  return (Object.keys(FLAG_SETTINGS) as (keyof typeof FLAG_SETTINGS)[]).every((field) =>
    (FLAG_SETTINGS[field] as Same<unknown>)(live[field], next[field])
  );
}

/**
 * The same variants (by key) with the same weights and configs (compared as JSON, whatever the
 * order of an object's keys; an array's order counts).
 */
function sameVariants(live: Experiment["variants"], next: Experiment["variants"]): boolean {
  return live.length === next.length && next.every((variant) => {
    const stored = live.find((v) => v.key === variant.key);
    return stored !== undefined && stored.weight === variant.weight &&
      sameJson(stored.config, variant.config);
  });
}

/** How each setting of an experiment compares (as applyExperimentInput made it); see above. */
const EXPERIMENT_SETTINGS: {
  [K in Exclude<keyof Experiment, "key" | "version" | "updatedAt" | "updatedBy">]: Same<
    Experiment[K]
  >;
} = {
  enabled: same,
  description: same,
  requiredModes: sameItems,
  variants: sameVariants,
};

/** The live experiment already has every setting of `next`. */
export function sameExperimentSettings(
  live: Experiment,
  next: Omit<Experiment, "version" | "updatedAt" | "updatedBy">,
): boolean {
  return (Object.keys(EXPERIMENT_SETTINGS) as (keyof typeof EXPERIMENT_SETTINGS)[]).every((
    field,
  ) => (EXPERIMENT_SETTINGS[field] as Same<unknown>)(live[field], next[field]));
}

/**
 * The optimistic check of a write based on `expected`. With no row at all there is no version to
 * match: that is a key that never existed (a typo, another environment), 404 rather than a 409
 * that tells the caller to reload something that is not there. An archived row still has its
 * version (a restore sends it).
 */
function checkVersion(
  current: { version: number } | undefined,
  expected: number | undefined,
  what: "flag" | "experiment",
): void {
  if (expected === undefined) return;
  if (!current) {
    throw new NotFoundError(
      `No ${what} with this key exists, so there is no version to match; send no version to ` +
        `create it`,
    );
  }
  if (current.version !== expected) {
    throw new ConflictError("The resource changed since it was read; reload and try again");
  }
}

/** Creates the store over a database. */
export function createFlagStore(deps: { db: Db; clock: Clock }): FlagStore {
  const { db, clock } = deps;

  async function keyTakenByOther(
    tx: Connection,
    table: "feature_flags" | "experiments",
    key: string,
  ) {
    const rows = await tx.query(
      `SELECT 1 FROM ${table} WHERE key = $1 AND archived_at IS NULL`,
      [key],
    );
    return rows.length > 0;
  }

  /**
   * Serializes every write that may create `key`, in either table, until the transaction ends.
   * Row locks cannot do this (the other table has no row yet to lock), so a flag and an
   * experiment created with the same key at the same time would both pass the cross-table check.
   * Two-int form with a class id of our own: its key space is apart from the one-int locks
   * (migrations) and the class keeps it apart from any other user of hashtext() locks.
   */
  async function lockKey(tx: Connection, key: string): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))", [
      KEY_LOCK_CLASS,
      key,
    ]);
  }

  async function write<T>(fn: (tx: Connection) => Promise<Change<T>>): Promise<Change<T>> {
    try {
      return await db.transaction(fn);
    } catch (error) {
      // Two creations of the same key raced: the loser sees a conflict, not a 500.
      if (isUniqueViolation(error)) {
        throw new ConflictError("The resource was created concurrently; reload and try again");
      }
      throw error;
    }
  }

  return {
    async loadAll() {
      const [flagRows, experimentRows] = await Promise.all([
        db.query(
          `SELECT ${FLAG_COLUMNS} FROM feature_flags WHERE archived_at IS NULL ORDER BY key`,
        ),
        db.query(
          `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE archived_at IS NULL ORDER BY key`,
        ),
      ]);
      return { flags: flagRows.map(toFlag), experiments: experimentRows.map(toExperiment) };
    },

    upsertFlag(key, input, options) {
      return write(async (tx) => {
        await lockKey(tx, key);
        const rows = await tx.query(
          `SELECT ${FLAG_COLUMNS} FROM feature_flags WHERE key = $1 FOR UPDATE`,
          [key],
        );
        const row = rows[0];
        const stored = row ? toFlag(row) : undefined;
        const live = row && row.archived_at === null ? stored : undefined;
        const next = live ? applyFlagInput(key, live, input) : undefined;
        // Settings the flag already has: nothing to write or audit, and nothing to conflict
        // about, whatever version the caller saw.
        if (live && next && sameFlagSettings(live, next)) {
          return { before: live, after: live, unchanged: true };
        }
        if (live && options.expectNew) throw new KeyExistsError("flag");
        checkVersion(stored, options.expectedVersion, "flag");
        if (!live && await keyTakenByOther(tx, "experiments", key)) {
          throw new ConflictError("An experiment already uses this key");
        }
        // A new key is checked (checkNewEventKey) only once the version check passed.
        const settings = next ?? applyFlagInput(key, live, input);
        const now = new Date(clock.now());
        const params = [
          key,
          settings.enabled,
          settings.description,
          settings.scope,
          settings.rolloutPercent,
          settings.requiredModes,
          settings.targetUsers,
          settings.targetEnvironments,
          options.actorUserId,
          now,
        ];
        const written = stored
          ? await tx.query(
            `UPDATE feature_flags SET enabled = $2, description = $3, scope = $4,
               rollout_percent = $5, required_modes = $6::jsonb, target_users = $7::jsonb,
               target_environments = $8::jsonb, updated_by = $9, updated_at = $10,
               version = version + 1, archived_at = NULL
             WHERE key = $1 RETURNING ${FLAG_COLUMNS}`,
            params,
          )
          : await tx.query(
            `INSERT INTO feature_flags (key, enabled, description, scope, rollout_percent,
               required_modes, target_users, target_environments, updated_by, updated_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $10)
             RETURNING ${FLAG_COLUMNS}`,
            params,
          );
        const change: Change<Flag> = {
          before: live,
          after: toFlag(written[0]!),
          ...(stored && !live ? { restored: stored } : {}),
        };
        await options.onChange(tx, change);
        return change;
      });
    },

    async countArchived(needle) {
      const [counts] = await db.query(
        `SELECT count(*)::int AS total, (count(*) FILTER (WHERE ${ARCHIVED_MATCH}))::int AS matching
           FROM feature_flags WHERE archived_at IS NOT NULL`,
        [needle],
      );
      return { total: Number(counts?.total ?? 0), matching: Number(counts?.matching ?? 0) };
    },

    async pageArchived(needle, offset, limit) {
      const rows = await db.query(
        `SELECT ${FLAG_COLUMNS} FROM feature_flags WHERE archived_at IS NOT NULL
            AND ${ARCHIVED_MATCH}
          ORDER BY archived_at DESC, key LIMIT $2 OFFSET $3`,
        [needle, limit, offset],
      );
      return rows.map(toArchivedFlag);
    },

    async findArchived(key) {
      const [row] = await db.query(
        `SELECT ${FLAG_COLUMNS} FROM feature_flags WHERE key = $1 AND archived_at IS NOT NULL`,
        [key],
      );
      return row ? toArchivedFlag(row) : undefined;
    },

    archiveFlag(key, options) {
      return write(async (tx) => {
        const rows = await tx.query(
          `SELECT ${FLAG_COLUMNS} FROM feature_flags WHERE key = $1 AND archived_at IS NULL FOR UPDATE`,
          [key],
        );
        if (!rows[0]) throw new NotFoundError("No such flag");
        const before = toFlag(rows[0]);
        checkVersion(before, options.expectedVersion, "flag");
        const now = new Date(clock.now());
        const written = await tx.query(
          `UPDATE feature_flags SET archived_at = $2, updated_at = $2, updated_by = $3,
             version = version + 1
           WHERE key = $1 RETURNING ${FLAG_COLUMNS}`,
          [key, now, options.actorUserId],
        );
        const change = { before, after: toFlag(written[0]!) };
        await options.onChange(tx, change);
        return change;
      });
    },

    upsertExperiment(input, options) {
      return write(async (tx) => {
        await lockKey(tx, input.key);
        const rows = await tx.query(
          `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE key = $1 FOR UPDATE`,
          [input.key],
        );
        const row = rows[0];
        const stored = row ? toExperiment(row) : undefined;
        const live = row && row.archived_at === null ? stored : undefined;
        const same = live ? applyExperimentInput(live, input) : undefined;
        // Settings the experiment already has: nothing to write or audit, and nothing to
        // conflict about, whatever version the caller saw.
        if (live && same && sameExperimentSettings(live, same)) {
          return { before: live, after: live, unchanged: true };
        }
        if (live && options.expectNew) throw new KeyExistsError("experiment");
        checkVersion(stored, options.expectedVersion, "experiment");
        if (!live && await keyTakenByOther(tx, "feature_flags", input.key)) {
          throw new ConflictError("A flag already uses this key");
        }
        const next = same ?? applyExperimentInput(live, input);
        const configs = Object.fromEntries(next.variants.map((v) => [v.key, v.config]));
        const allocation = Object.fromEntries(next.variants.map((v) => [v.key, v.weight]));
        const now = new Date(clock.now());
        const params = [
          next.key,
          next.enabled,
          next.description,
          configs,
          allocation,
          next.requiredModes,
          options.actorUserId,
          now,
        ];
        const written = stored
          ? await tx.query(
            `UPDATE experiments SET enabled = $2, description = $3, variants = $4::jsonb,
               allocation = $5::jsonb, required_modes = $6::jsonb, updated_by = $7,
               updated_at = $8, version = version + 1, archived_at = NULL
             WHERE key = $1 RETURNING ${EXPERIMENT_COLUMNS}`,
            params,
          )
          : await tx.query(
            `INSERT INTO experiments (key, enabled, description, variants, allocation,
               required_modes, updated_by, updated_at, created_at)
             VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $8)
             RETURNING ${EXPERIMENT_COLUMNS}`,
            params,
          );
        const change = { before: live, after: toExperiment(written[0]!) };
        await options.onChange(tx, change);
        return change;
      });
    },
  };
}
