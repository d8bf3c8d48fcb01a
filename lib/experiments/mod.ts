/** A/B experiments: the public surface (built by `createFeatureControl` in lib/flags/mod.ts). */
export * from "./experiment.ts";
export * from "./assign.ts";
export { SRM_THRESHOLD, srmCheck, type SrmResult } from "./srm.ts";
export type {
  AssignedEvent,
  AssignmentRequest,
  ExperimentHooks,
  ExperimentService,
  ExperimentView,
  VariantView,
} from "./service.ts";
