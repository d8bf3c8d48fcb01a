/**
 * The governance state a caller may see: the effective mode (and why, when
 * pinned) and the flags evaluated for that caller. Served by
 * `GET /api/governance/state` and as the `hello` event of `/api/stream`.
 *
 * Which flags it lists is the caller's choice ({@link FlagsView}): a hospital deployment holds
 * thousands of flags, and most readers of the state need none of them (the mode badge, the jobs
 * page) or only those the governance console shows. Only `all` lists every flag.
 */
import type { Principal } from "../auth/principal.ts";
import type { Mode } from "../config.ts";
import type { FlagMetaView, FlagStateProvider, FlagSubject } from "../context.ts";
import type { ModeSource } from "./mode.ts";
import { PINNED_REASON } from "./service.ts";

/**
 * Which flags a state lists:
 * - `all`: every live flag (the default of the state endpoint, the mode change, the flag toggle
 *   and the stream but for `topic=jobs`: services that read them all);
 * - `panel`: what the governance console shows, at most {@link PANEL_FLAG_LIMIT} flags: every
 *   flag while there are no more than that, otherwise the governance-scope flags (scope
 *   `governance`), the first {@link PANEL_FLAG_LIMIT} by key;
 * - `none`: no flag (the mode badge, the jobs page).
 */
export const FLAGS_VIEWS = ["all", "panel", "none"] as const;
export type FlagsView = (typeof FLAGS_VIEWS)[number];

/** The most flags a `panel` state lists (the console links to /flags for the rest). */
export const PANEL_FLAG_LIMIT = 50;

/** What `flags` and `flagsMeta` hold, so that a reader can tell a partial list from a whole one. */
export interface FlagsListed {
  /** `all`: every live flag; `governance`: governance-scope flags only; `none`: no flag. */
  scope: "all" | "governance" | "none";
  /** How many live flags are in that scope (`flagsMeta` holds at most the view's limit of them). */
  matching: number;
  /** How many live flags there are in all. */
  total: number;
}

export interface GovernanceState {
  mode: Mode;
  pinned: boolean;
  source: ModeSource;
  /** Why the mode cannot be changed here, when pinned. */
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: FlagMetaView[];
  flagsListed: FlagsListed;
}

/** Who flags are evaluated for, from the request's principal. */
export function subjectOf(principal: Principal | null): FlagSubject {
  if (principal?.kind !== "user") return {};
  return { userId: principal.id, sessionId: principal.sessionId, role: principal.role };
}

/** The flags provider, and how many live flags its snapshot holds (read without evaluating). */
export type GovernanceFlags = FlagStateProvider & {
  snapshot(): { readonly flags: ReadonlyMap<string, unknown> } | null;
};

/** The flags part of a state in the given view. */
export function flagsFor(
  provider: GovernanceFlags,
  subject: FlagSubject,
  view: FlagsView,
): Pick<GovernanceState, "flags" | "flagsMeta" | "flagsListed"> {
  if (view === "none") {
    const total = provider.snapshot()?.flags.size ?? 0;
    return { flags: {}, flagsMeta: [], flagsListed: { scope: "none", matching: 0, total } };
  }
  const all = provider.stateFor(subject);
  const total = all.flagsMeta.length;
  if (view === "all" || total <= PANEL_FLAG_LIMIT) {
    return { ...all, flagsListed: { scope: "all", matching: total, total } };
  }
  // In key order (the snapshot's), so that the same flags are listed from one answer to the next.
  const governance = all.flagsMeta.filter((flag) => flag.scope === "governance");
  const flagsMeta = governance.slice(0, PANEL_FLAG_LIMIT);
  const flags: Record<string, boolean> = {};
  for (const flag of flagsMeta) {
    const value = all.flags[flag.key];
    if (value !== undefined) flags[flag.key] = value;
  }
  return {
    flags,
    flagsMeta,
    flagsListed: { scope: "governance", matching: governance.length, total },
  };
}

/** The state for one caller, from in-process values (no database round trip). */
export function governanceStateFor(
  deps: {
    mode: { state(): { mode: Mode; pinned: boolean; source: ModeSource } };
    flags: GovernanceFlags;
  },
  principal: Principal | null,
  view: FlagsView = "all",
): GovernanceState {
  const { mode, pinned, source } = deps.mode.state();
  return {
    mode,
    pinned,
    source,
    pinnedReason: pinned ? PINNED_REASON : null,
    ...flagsFor(deps.flags, subjectOf(principal), view),
  };
}
