/** The jobs page (any signed-in role): recent jobs with live progress. */
import { Hono } from "hono";
import JobsLive from "../islands/JobsLive.tsx";
import type { RouteContext } from "../lib/context.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { Island } from "../lib/web/island.tsx";

export function jobsPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  page(app, ctx.access, "GET", "/jobs", { role: "signed_in", class: "read" }, async (c) => {
    const jobs = await ctx.services.jobs.list({ limit: 50 });
    return ctx.pages.render(
      c,
      <>
        <h1>Jobs</h1>
        <p class="lede">
          Analysis jobs as the worker reports them. Progress updates live; the list also refreshes
          every 30 seconds if the live connection drops.
          {ctx.config.jobs.stallAfterMinutes > 0 &&
            ` An unfinished job that has not reported for ${ctx.config.jobs.stallAfterMinutes} minutes is marked stalled.`}
        </p>
        <Island
          component={JobsLive}
          props={{
            jobs: jobs.map(({ id, researchId, status, progress, updatedAt }) => ({
              id,
              researchId,
              status,
              progress,
              updatedAt,
            })),
            pollSeconds: 30,
            limit: 50,
            stallAfterMinutes: ctx.config.jobs.stallAfterMinutes,
            serverNow: ctx.clock.now(),
          }}
        />
      </>,
      { title: "Jobs" },
    );
  });
  return app;
}
