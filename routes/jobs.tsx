/** The jobs page (any signed-in role): recent jobs with live progress. */
import { Hono } from "hono";
import JobsLive from "../islands/JobsLive.tsx";
import type { RouteContext } from "../lib/context.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { Island } from "../lib/web/island.tsx";

function minutes(n: number): string {
  return `${n} minute${n === 1 ? "" : "s"}`;
}

export function jobsPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  page(app, ctx.access, "GET", "/jobs", { role: "signed_in", class: "read" }, async (c) => {
    const jobs = await ctx.services.jobs.list({ limit: 50 });
    const principal = c.get("principal");
    // Stewards and administrators run the platform; the stalled notice gives them the runbook.
    const operator = principal?.kind === "user" && roleAtLeast(principal.role, "STEWARD");
    return ctx.pages.render(
      c,
      <>
        <h1>Jobs</h1>
        <p class="lede">
          Analysis jobs as the worker reports them, with the time of each job's last report (UTC).
          Progress updates live; the list also refreshes every 30 seconds if the live connection
          drops.
          {ctx.config.jobs.stallAfterMinutes > 0 &&
            ` An unfinished job that has not reported for ${
              minutes(ctx.config.jobs.stallAfterMinutes)
            } is marked stalled.`}
        </p>
        <Island
          component={JobsLive}
          props={{
            jobs: jobs.map(({ id, researchId, status, progress, updatedAt, lastReportedAt }) => ({
              id,
              researchId,
              status,
              progress,
              updatedAt,
              lastReportedAt,
            })),
            pollSeconds: 30,
            limit: 50,
            stallAfterMinutes: ctx.config.jobs.stallAfterMinutes,
            serverNow: ctx.clock.now(),
            operator,
          }}
        />
      </>,
      { title: "Jobs" },
    );
  });
  return app;
}
