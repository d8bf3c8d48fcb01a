/** The jobs feature: status callbacks, their idempotent application and job events. */
export {
  applyCallback,
  CALLBACK_STATUSES,
  type CallbackStatus,
  isTerminal,
  type Job,
  JOB_STATUSES,
  type JobCallback,
  JobCallbackSchema,
  JobIdSchema,
  type JobStatus,
  type JobTransition,
} from "./job.ts";
export { createJobService, jobPayload, type JobService, type JobUpdate } from "./service.ts";
