/**
 * The mode service: loads the effective mode at start and answers `current()`
 * from memory on every request (no database round trip).
 */
import type { Config, Mode } from "../config.ts";
import type { Queryable } from "../db/mod.ts";
import { parseStoredMode, type ResolvedMode, resolveMode } from "./mode.ts";

export interface ModeService {
  /** The effective mode now. */
  current(): Mode;
  /** Mode, pinned flag and where it came from. */
  state(): ResolvedMode;
  /** Re-reads the database value and re-resolves. */
  reload(): Promise<ResolvedMode>;
}

/** Reads `governance_config['mode']`. */
export async function readStoredMode(db: Queryable): Promise<Mode | undefined> {
  const rows = await db.query<{ value: unknown }>(
    "SELECT value FROM governance_config WHERE key = 'mode'",
  );
  return parseStoredMode(rows[0]?.value);
}

/** Creates the service and loads the mode once. */
export async function createModeService(
  deps: { config: Pick<Config, "rosMode" | "governanceMode">; db: Queryable },
): Promise<ModeService> {
  let resolved: ResolvedMode;
  async function reload(): Promise<ResolvedMode> {
    resolved = resolveMode({
      rosMode: deps.config.rosMode,
      stored: await readStoredMode(deps.db),
      governanceMode: deps.config.governanceMode,
    });
    return resolved;
  }
  await reload();
  return {
    current: () => resolved.mode,
    state: () => resolved,
    reload,
  };
}
