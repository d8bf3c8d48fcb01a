/**
 * Why a job callback's ids are refused, by field. Both ids ride on `job.*` events to every open
 * stream, so the bus's payload guard reads each as a whole value with no key counted as
 * technical: an id that embeds a date, a record number or a bare 9-digit number (read as an SSN)
 * is refused and nothing is stored. The answer names the field (`$.id` for the id in the URL
 * path, as the API's validation hook names path parameters, or `$.researchId`) and the rule,
 * never the value, so a worker team knows which id to change and what to use instead.
 */
import { AppError, type FieldIssue, ValidationError } from "../errors/mod.ts";
import { EventRefusedError, payloadRefusal } from "../realtime/payload_guard.ts";

const SHAPES = "a date, a record number, a 9-digit number that reads as an SSN, a phone " +
  "number or similar inside it";

/** The issue of a job id in the URL path that reads as PHI. */
export const JOB_ID_PHI_MESSAGE = `The job id in the URL path reads as PHI to the scanner ` +
  `(${SHAPES}); use an opaque id such as a UUID or a prefixed counter like run_000123`;

/** The issue of a `researchId` that reads as PHI. */
export const RESEARCH_ID_PHI_MESSAGE = `researchId reads as PHI to the scanner (${SHAPES}); ` +
  "use an opaque id such as a UUID or a prefixed counter like study_000042";

/** The detail of the 400: what happened; `errors` says which field. */
export const CALLBACK_PHI_DETAIL = "An id in this callback reads as PHI to the scanner, so " +
  "nothing was recorded; errors names the field (docs/realtime.md, Job callbacks)";

/**
 * The error a callback's ids earn from the payload guard, or undefined when its event may be
 * published. The guard's verdict on the pair decides (the event carries both); each id is then
 * checked alone to say which one it was. Pure apart from the scanner.
 */
export function callbackIdRefusal(
  id: string,
  researchId: string | undefined,
): AppError | undefined {
  const reason = payloadRefusal({ jobId: id, researchId: researchId ?? null });
  if (!reason) return undefined;
  // The schemas admit only identifier-shaped ids, so any other reason is not the client's id.
  if (reason !== "phi") return new EventRefusedError(reason);
  const idIssue: FieldIssue = { path: "$.id", message: JOB_ID_PHI_MESSAGE };
  const researchIssue: FieldIssue = { path: "$.researchId", message: RESEARCH_ID_PHI_MESSAGE };
  const issues: FieldIssue[] = [];
  if (payloadRefusal({ jobId: id })) issues.push(idIssue);
  if (researchId !== undefined && payloadRefusal({ researchId })) issues.push(researchIssue);
  // Only the two together read as PHI: both are named, since changing either may do.
  if (issues.length === 0) issues.push(idIssue, researchIssue);
  return new ValidationError(CALLBACK_PHI_DETAIL, issues);
}

/**
 * The 409 of a callback naming a research id other than the job's (409 CONFLICT, `errors` at
 * `$.researchId`); neither id is repeated.
 */
export function researchIdMismatchError(): AppError {
  return new AppError(
    "CONFLICT",
    "This job belongs to another research id (the one it was first reported with), so " +
      "nothing was changed; report this work under a new job id, or send the job's own " +
      "researchId or none (docs/realtime.md, Job callbacks)",
    {
      issues: [{
        path: "$.researchId",
        message: "Differs from the research id this job was first reported with",
      }],
    },
  );
}
