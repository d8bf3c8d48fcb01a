/**
 * The governance state a caller may see: the effective mode (and why, when
 * pinned) and the flags evaluated for that caller. Served by
 * `GET /api/governance/state` and as the `hello` event of `/api/stream`.
 */
import type { Principal } from "../auth/principal.ts";
import type { Mode } from "../config.ts";
import type { FlagMetaView, FlagStateProvider, FlagSubject } from "../context.ts";
import type { ModeSource } from "./mode.ts";
import { PINNED_REASON } from "./service.ts";

export interface GovernanceState {
  mode: Mode;
  pinned: boolean;
  source: ModeSource;
  /** Why the mode cannot be changed here, when pinned. */
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: FlagMetaView[];
}

/** Who flags are evaluated for, from the request's principal. */
export function subjectOf(principal: Principal | null): FlagSubject {
  if (principal?.kind !== "user") return {};
  return { userId: principal.id, sessionId: principal.sessionId, role: principal.role };
}

/** The state for one caller, from in-process values (no database round trip). */
export function governanceStateFor(
  deps: {
    mode: { state(): { mode: Mode; pinned: boolean; source: ModeSource } };
    flags: FlagStateProvider;
  },
  principal: Principal | null,
): GovernanceState {
  const { mode, pinned, source } = deps.mode.state();
  const { flags, flagsMeta } = deps.flags.stateFor(subjectOf(principal));
  return { mode, pinned, source, pinnedReason: pinned ? PINNED_REASON : null, flags, flagsMeta };
}
