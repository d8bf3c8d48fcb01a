/** A/B experiments: the public surface (built by `createFeatureControl` in lib/flags/mod.ts). */
export * from "./experiment.ts";
export * from "./assign.ts";
export { SRM_THRESHOLD, srmCheck, type SrmResult } from "./srm.ts";
export { createGpcMemory, GPC_MEMORY_SIZE, type GpcMemory } from "./gpc_memory.ts";
export { EXPOSURE_WAIT_MS, STICKY_READ_TIMEOUT_MS } from "./service.ts";
export type {
  AssignedEvent,
  AssignmentRequest,
  ExperimentHooks,
  ExperimentService,
  ExperimentView,
  VariantView,
} from "./service.ts";
