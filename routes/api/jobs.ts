/**
 * Job status callbacks (the worker, with a jobs:write token; or STEWARD+) and
 * job reads for polling clients (any signed-in caller, or jobs:read).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { actorOf } from "../../lib/audit/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, ProblemSchema, validationHook } from "../../lib/http/openapi.ts";
import { PROBLEM_CONTENT_TYPE } from "../../lib/http/problem.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { JOB_STATUSES, JobCallbackSchema, JobIdSchema, PHI_ID_RULE } from "../../lib/jobs/mod.ts";

const JobView = z.object({
  id: z.string(),
  researchId: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  progress: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string().openapi({
    description: "The job's last change of status or progress (a repeat does not move it).",
  }),
  lastReportedAt: z.string().openapi({
    description: "The job's last callback, a repeat or out-of-order one that changed nothing " +
      "included (a finished job keeps the time it finished). `stalled` is read from it.",
  }),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  stalled: z.boolean().openapi({
    description:
      "Unfinished and silent for longer than JOB_STALL_AFTER_MINUTES (its worker may have " +
      "died). A later callback still applies and clears it.",
  }),
}).openapi("Job");

const JobParams = z.object({ id: JobIdSchema.openapi({ param: { name: "id", in: "path" } }) });

/** The callback's path id: the pattern and the PHI check (reads only need the pattern). */
const CallbackParams = z.object({
  id: JobIdSchema.openapi({
    param: { name: "id", in: "path" },
    description: "The job id, `^[A-Za-z0-9_.:-]{1,128}$`. " + PHI_ID_RULE,
  }),
});

const problemOf = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

export function jobsApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const jobs = ctx.services.jobs;
  const READ = { role: "signed_in", scopes: ["jobs:read"], class: "read" } as const;

  app.openapi(
    apiRoute(ctx.access, { role: "STEWARD", scopes: ["jobs:write"], class: "write" }, {
      method: "post",
      path: "/api/jobs/{id}/status",
      tags: ["Jobs"],
      summary: "Report a job's status (worker callback)",
      description:
        "Upserts the job and publishes `job.started|progress|completed|failed` on topic `jobs`. " +
        "Idempotent: a repeated or out-of-order callback changes nothing (`changed: false`, no " +
        "event) but for the job's `lastReportedAt`, so a worker that repeats itself is not " +
        "marked stalled; a " +
        "finished job never goes back, and progress never decreases. A job belongs to one " +
        "research id, set by the first applied callback that names one; later callbacks may " +
        "repeat it or leave it out, and one naming another is refused (409 CONFLICT).",
      request: {
        params: CallbackParams,
        body: { required: true, content: { "application/json": { schema: JobCallbackSchema } } },
      },
      responses: {
        400: problemOf(
          "The request is invalid (VALIDATION_FAILED), `errors` naming each field by path " +
            "(`$.id` is the id in the URL path). An id that reads as PHI is refused so, and " +
            "nothing is stored.",
        ),
        409: problemOf(
          "The callback names a research id other than the job's (CONFLICT, `errors` at " +
            "`$.researchId`): a job keeps the research id it was first reported with; nothing " +
            "is changed.",
        ),
        200: {
          description: "The job after the callback",
          content: {
            "application/json": { schema: z.object({ job: JobView, changed: z.boolean() }) },
          },
        },
      },
    }),
    async (c) =>
      c.json(
        await jobs.report(c.req.valid("param").id, c.req.valid("json"), {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }),
        200,
      ),
  );

  app.openapi(
    apiRoute(ctx.access, READ, {
      method: "get",
      path: "/api/jobs",
      tags: ["Jobs"],
      summary: "Recently updated jobs, newest first",
      description: "`stalled=true` lists only the stalled jobs (none when the check is off).",
      request: {
        query: z.object({
          status: z.enum(JOB_STATUSES).optional(),
          stalled: z.enum(["true", "false"]).optional(),
          limit: z.coerce.number().int().min(1).max(200).optional(),
        }),
      },
      responses: {
        200: {
          description: "Jobs",
          content: { "application/json": { schema: z.object({ jobs: z.array(JobView) }) } },
        },
      },
    }),
    async (c) => {
      const { status, stalled, limit } = c.req.valid("query");
      const list = await jobs.list({ limit: limit ?? 50, status, stalled: stalled === "true" });
      return c.json({ jobs: list }, 200, {
        "cache-control": "no-store",
      });
    },
  );

  app.openapi(
    apiRoute(ctx.access, READ, {
      method: "get",
      path: "/api/jobs/{id}",
      tags: ["Jobs"],
      summary: "One job",
      request: { params: JobParams },
      responses: {
        200: { description: "The job", content: { "application/json": { schema: JobView } } },
        404: { description: "No such job (NOT_FOUND)" },
      },
    }),
    async (c) =>
      c.json(await jobs.get(c.req.valid("param").id), 200, { "cache-control": "no-store" }),
  );
  return app;
}
