/**
 * Flag versions on the client: which of two views of a flag is newer. Events reach a page out of
 * order (two changes committed close together, on one instance or two: the bus can deliver the
 * later one first), and a state answer can be older than an event already applied (the instance
 * that answers has not re-read the database yet). A flag's `version` grows by one on every change,
 * so the rule is simple: what carries a lower version than the one held never replaces it. Pure.
 */

/** A flag row as a page holds it: its key and, when the server sent it, its version. */
export interface VersionedFlag {
  key: string;
  version?: number | undefined;
}

/** The flags part of a governance state (`/api/governance/state`, `hello`, a toggle's answer). */
export interface FlagsState<M extends VersionedFlag> {
  flags: Record<string, boolean>;
  flagsMeta: M[];
}

/** The fields of a `governance.flag_changed` payload this module reads. */
export interface FlagChange {
  flagKey: string;
  version: number | undefined;
  enabled: boolean;
  rolloutPercent: number | undefined;
  archived: boolean;
}

/** Reads a `governance.flag_changed` payload; null when it names no flag. */
export function flagChangeOf(payload: Record<string, unknown>): FlagChange | null {
  if (typeof payload.flagKey !== "string") return null;
  const version = payload.version;
  const rollout = payload.rolloutPercent;
  return {
    flagKey: payload.flagKey,
    version: typeof version === "number" && Number.isFinite(version) ? version : undefined,
    enabled: payload.enabled === true,
    rolloutPercent: typeof rollout === "number" ? rollout : undefined,
    archived: payload.archived === true,
  };
}

/**
 * Whether something at version `incoming` is older than (or the same as) what is held: then it
 * changes nothing. Unknown versions never count as older (an older server sends none).
 */
export function isStale(held: number | undefined, incoming: number | undefined): boolean {
  return held !== undefined && incoming !== undefined && incoming <= held;
}

/**
 * What a page holds after a flag change event: the flag updated, removed (archived), or `null`
 * when the event is older than what is held (or than an archive already seen) and is dropped.
 * `archivedAt` holds the version at which each key was seen archived, and is updated.
 */
export function applyFlagChange<M extends VersionedFlag & { enabled: boolean }>(
  state: FlagsState<M>,
  change: FlagChange,
  archivedAt: Map<string, number>,
): FlagsState<M> | null {
  const held = state.flagsMeta.find((flag) => flag.key === change.flagKey);
  if (isStale(held?.version, change.version)) return null;
  if (isStale(archivedAt.get(change.flagKey), change.version)) return null;
  if (change.archived) {
    if (change.version !== undefined) archivedAt.set(change.flagKey, change.version);
    const flags = { ...state.flags };
    delete flags[change.flagKey];
    return { flags, flagsMeta: state.flagsMeta.filter((flag) => flag.key !== change.flagKey) };
  }
  return {
    flags: state.flags,
    flagsMeta: state.flagsMeta.map((flag) =>
      flag.key === change.flagKey
        ? {
          ...flag,
          enabled: change.enabled,
          ...(change.rolloutPercent !== undefined ? { rolloutPercent: change.rolloutPercent } : {}),
          ...(change.version !== undefined ? { version: change.version } : {}),
        }
        : flag
    ),
  };
}

/**
 * Merges a full state answer into what a page holds, flag by flag: a flag the answer has at a
 * lower version than the one held keeps the held row and value (`behind` then says the answer
 * lagged, so the caller can ask again); a flag the answer has at or below the version it was seen
 * archived at stays out. A flag the answer does not list is gone (archived, or the answer says
 * so): the server's list decides which flags exist.
 */
export function mergeFlagsState<M extends VersionedFlag>(
  held: FlagsState<M>,
  incoming: FlagsState<M>,
  archivedAt: Map<string, number>,
): FlagsState<M> & { behind: boolean } {
  const heldByKey = new Map(held.flagsMeta.map((flag) => [flag.key, flag]));
  const flags: Record<string, boolean> = {};
  const flagsMeta: M[] = [];
  let behind = false;
  for (const next of incoming.flagsMeta) {
    if (isStale(archivedAt.get(next.key), next.version)) {
      behind = true;
      continue;
    }
    const mine = heldByKey.get(next.key);
    if (
      mine?.version !== undefined && next.version !== undefined && next.version < mine.version
    ) {
      behind = true;
      flagsMeta.push(mine);
      const value = held.flags[next.key] ?? incoming.flags[next.key];
      if (value !== undefined) flags[next.key] = value;
      continue;
    }
    if (next.version !== undefined) archivedAt.delete(next.key);
    flagsMeta.push(next);
    const value = incoming.flags[next.key];
    if (value !== undefined) flags[next.key] = value;
  }
  return { flags, flagsMeta, behind };
}
