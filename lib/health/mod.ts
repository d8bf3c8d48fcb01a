export { databaseCheck, redisCheck, workerCheck } from "./checks.ts";
export {
  checkReadiness,
  type CheckStatus,
  failureReason,
  type ReadinessCheck,
  type ReadinessReport,
  sharedReadiness,
  statusLabels,
} from "./readiness.ts";
export { isProbeRoute, LIVENESS_PATHS, READINESS_PATHS } from "./paths.ts";
