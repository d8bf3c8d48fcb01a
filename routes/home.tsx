/** The start page: what this service is, the live mode, and where to go next. */
import { Hono } from "hono";
import { Island } from "../lib/web/island.tsx";
import ModeBadge from "../islands/ModeBadge.tsx";
import type { RouteContext } from "../lib/context.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";

export function homeRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  page(app, ctx.access, "GET", "/", { role: "public", class: "read" }, (c) => {
    const state = ctx.services.mode.state();
    const principal = c.get("principal");
    // Stewards and administrators run the platform: they get the operators' pointers.
    const operator = principal?.kind === "user" && roleAtLeast(principal.role, "STEWARD");
    return ctx.pages.render(
      c,
      <>
        <section class="hero">
          <h1>ResearchFlow Governance</h1>
          <p class="lede">
            The governance and feature-control plane of the ResearchFlow research platform: the
            platform's operating mode, feature flags and experiments, consented product analytics
            that never hold PHI, and live updates to every server running it.
          </p>
          {/* Signed in, the badge follows the event stream; signed out, it checks /health. */}
          <Island
            component={ModeBadge}
            props={{ mode: state.mode, pinned: state.pinned, signedIn: principal?.kind === "user" }}
          />
          {!principal && (
            <p>
              <a class="button button--primary" href="/login">Sign in</a>
            </p>
          )}
        </section>
        <section class="cards" aria-label="Sections">
          <article class="card">
            <h2>Modes</h2>
            <p>
              <strong>STANDBY</strong>{" "}
              pauses most changes, usage analytics and every call to outside services.{" "}
              <strong>DEMO</strong> runs on demonstration data. <strong>LIVE</strong>{" "}
              is normal operation. If the mode is set to anything else, or cannot be read, the
              service does not guess: it refuses to start, or switches to STANDBY while running.
            </p>
          </article>
          <article class="card">
            <h2>For services</h2>
            <p>
              Flag evaluation (OpenFeature remote evaluation), job status callbacks and the event
              stream are documented in the <a href="/api/docs">API reference</a>.
            </p>
          </article>
          {
            // Researchers cannot reach the runbooks or the workers: they are told whom to ask.
            // Signed out, the reader may be either, so both cards show.
          }
          {!operator && (
            <article class="card">
              <h2>For researchers</h2>
              {principal
                ? (
                  <p>
                    Follow analysis jobs on <a href="/jobs">Jobs</a>{" "}
                    and choose about usage analytics under{" "}
                    <a href="/settings/privacy">Privacy</a>. A job that stops moving, or a page you
                    need but cannot open: contact your data steward or administrator.
                  </p>
                )
                : (
                  <p>
                    Sign in to follow analysis jobs. No account yet, or a job that stops moving:
                    contact your data steward or administrator.
                  </p>
                )}
            </article>
          )}
          {(operator || !principal) && (
            <article class="card">
              <h2>For operators</h2>
              <p>
                Liveness and readiness with real dependency checks on{" "}
                <a href="/status">Service status</a> (as JSON for probes at <code>/health</code> and
                {" "}
                <code>/health/ready</code>), and runbooks under <code>docs/operations/</code>{" "}
                in the repository.
              </p>
            </article>
          )}
        </section>
      </>,
      { title: "Home" },
    );
  });
  return app;
}
