/** The governance feature: the mode, its policy table, its service and the state view. */
export {
  InvalidStoredModeError,
  isMode,
  type ModeSource,
  parseStoredMode,
  type ResolvedMode,
  resolveMode,
} from "./mode.ts";
export {
  MODE_POLICY,
  modeAllows,
  type ModeRules,
  ROUTE_CLASSES,
  type RouteClass,
} from "./policy.ts";
export {
  createModeService,
  type ModeChange,
  type ModeService,
  type ModeServiceDeps,
  PINNED_REASON,
} from "./service.ts";
export {
  type GovernanceLogEntry,
  listGovernanceLog,
  readStoredMode,
  writeStoredMode,
} from "./store.ts";
export { type GovernanceState, governanceStateFor, subjectOf } from "./state.ts";
export { modePolicyMarkdown, modePolicyTable } from "./policy_table.ts";
