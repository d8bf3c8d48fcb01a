/**
 * Resolving the effective governance mode, in the order of DESIGN.md:
 * `ROS_MODE` (pinned) > database `governance_config['mode']` > `GOVERNANCE_MODE` > DEMO.
 */
import { type Mode, MODES } from "../config.ts";

export type ModeSource = "ROS_MODE" | "database" | "GOVERNANCE_MODE" | "default";

export interface ResolvedMode {
  mode: Mode;
  /** True when ROS_MODE pins the mode; API changes are refused. */
  pinned: boolean;
  source: ModeSource;
}

/** Raised when the database holds a mode value the app does not know. */
export class InvalidStoredModeError extends Error {
  constructor() {
    super(`governance_config['mode'] must hold {"mode": one of ${MODES.join(", ")}}`);
    this.name = "InvalidStoredModeError";
  }
}

/** True when `value` is one of STANDBY, DEMO, LIVE. */
export function isMode(value: unknown): value is Mode {
  return typeof value === "string" && (MODES as readonly string[]).includes(value);
}

/** Reads `{ "mode": "..." }`; undefined when absent, throws when present but invalid. */
export function parseStoredMode(value: unknown): Mode | undefined {
  if (value === undefined || value === null) return undefined;
  const mode = (value as { mode?: unknown }).mode;
  if (!isMode(mode)) throw new InvalidStoredModeError();
  return mode;
}

/**
 * The effective mode from its sources. Pure.
 *
 * @example
 * resolveMode({ rosMode: undefined, stored: "LIVE", governanceMode: "DEMO" });
 * // { mode: "LIVE", pinned: false, source: "database" }
 */
export function resolveMode(sources: {
  rosMode: Mode | undefined;
  stored: Mode | undefined;
  governanceMode: Mode | undefined;
}): ResolvedMode {
  if (sources.rosMode) return { mode: sources.rosMode, pinned: true, source: "ROS_MODE" };
  if (sources.stored) return { mode: sources.stored, pinned: false, source: "database" };
  if (sources.governanceMode) {
    return { mode: sources.governanceMode, pinned: false, source: "GOVERNANCE_MODE" };
  }
  return { mode: "DEMO", pinned: false, source: "default" };
}
