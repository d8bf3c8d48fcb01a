/** The jobs feature: status callbacks, their idempotent application and job events. */
export {
  applyCallback,
  CALLBACK_STATUSES,
  type CallbackStatus,
  isStalled,
  isTerminal,
  type Job,
  JOB_STATUSES,
  type JobCallback,
  JobCallbackSchema,
  JobIdSchema,
  type JobState,
  type JobStatus,
  type JobTransition,
  PHI_ID_RULE,
} from "./job.ts";
export {
  createJobService,
  type JobCleanupResult,
  type JobListOptions,
  jobPayload,
  type JobReporter,
  type JobService,
  type JobUpdate,
} from "./service.ts";
export { JOB_RETENTION_BATCH, retentionCutoff } from "./retention.ts";
