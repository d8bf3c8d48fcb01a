/**
 * Resolving the effective governance mode, in the order of DESIGN.md:
 * `ROS_MODE` (pinned) > database `governance_config['mode']` > `GOVERNANCE_MODE` > DEMO.
 */
import { type Mode, MODES } from "../config.ts";

export type ModeSource = "ROS_MODE" | "database" | "GOVERNANCE_MODE" | "default" | "fail-closed";

export interface ResolvedMode {
  mode: Mode;
  /** True when ROS_MODE pins the mode; API changes are refused. */
  pinned: boolean;
  source: ModeSource;
}

/**
 * What a running instance falls back to when it cannot read the stored mode (the database is
 * unreachable, the row is corrupt): STANDBY, until a read succeeds again.
 */
export const FAIL_CLOSED: ResolvedMode = Object.freeze({
  mode: "STANDBY",
  pinned: false,
  source: "fail-closed",
});

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

/**
 * Reads the value of a stored mode row, `{ "mode": "..." }`; throws for anything else —
 * JSON `null` and `{}` included: a row that exists but names no mode is corrupt, never "unset"
 * (an absent row is the caller's `undefined`).
 */
export function parseStoredMode(value: unknown): Mode {
  const mode = value !== null && typeof value === "object"
    ? (value as { mode?: unknown }).mode
    : undefined;
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
