/**
 * The service status page (everyone): liveness and readiness in words, in the site's frame. The
 * probes' JSON at /health and /health/ready is for machines; a person following the footer's
 * link got that JSON in the tab, with no navigation. The same checks run here (shared between
 * concurrent views); the probes' metric counts only the probes' own runs.
 */
import { Hono } from "hono";
import type { VNode } from "preact";
import type { RouteContext } from "../lib/context.ts";
import { checkReadiness, type CheckStatus, sharedReadiness } from "../lib/health/mod.ts";
import { TableScroll } from "../components/TableScroll.tsx";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";

/** What each readiness check looks at, for a reader. */
const CHECK_NAMES: Record<string, string> = {
  db: "Database",
  redis: "Redis (live updates and counters shared between servers)",
  worker: "Analysis worker",
  flags: "Flags and experiments held in memory",
};

/** A check's state in words. */
export function checkStateText(status: CheckStatus): string {
  if (status === "ok") return "Working";
  if (status === "skipped") return "Not configured on this server";
  if (status === "blocked") return "Not checked: outside calls are blocked (STANDBY or settings)";
  if (status === "degraded") return "Working on older data: the last reload failed";
  return `Failing (${status.slice("failed: ".length)})`;
}

/** Uptime as days, hours and minutes (whole minutes; "under a minute" before the first). */
export function uptimeText(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "under a minute";
  const parts: string[] = [];
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) parts.push(`${d} day${d === 1 ? "" : "s"}`);
  if (h) parts.push(`${h} hour${h === 1 ? "" : "s"}`);
  if (m) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
  return parts.join(" ");
}

function ChecksTable({ checks }: { checks: Record<string, CheckStatus> }): VNode {
  return (
    <TableScroll label="Dependency checks">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(checks).map(([name, status]) => (
            <tr key={name}>
              <th scope="row">{CHECK_NAMES[name] ?? name}</th>
              <td data-check={name} data-state={status}>{checkStateText(status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function statusRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, services } = ctx;
  const readiness = sharedReadiness(() => checkReadiness(services.readiness, 2000));
  page(app, ctx.access, "GET", "/status", { role: "public", class: "read" }, async (c) => {
    const { report } = await readiness();
    const state = services.mode.state();
    const checkedAt = new Date(ctx.clock.now()).toISOString().slice(11, 19);
    return ctx.pages.render(
      c,
      <>
        <h1>Service status</h1>
        <p class="lede">
          How the server that answered this page is doing, as its health checks see it, at{" "}
          {checkedAt} UTC. Reload the page to check again.
        </p>
        <section aria-labelledby="ready-heading">
          <h2 id="ready-heading">
            {report.ready ? "Ready: taking requests" : "Not ready: requests may fail"}
          </h2>
          <p>
            {report.ready
              ? "Every check this server needs passes. A check that is not configured or not checked does not stop it."
              : "A check this server needs is failing, so load balancers send requests elsewhere. If it lasts, tell your administrator; operators find the steps in docs/operations/TROUBLESHOOTING.md."}
          </p>
          <ChecksTable checks={report.checks} />
        </section>
        <section aria-labelledby="server-heading">
          <h2 id="server-heading">This server</h2>
          <dl class="panel">
            <dt>Version</dt>
            <dd>{config.version}{config.build ? ` (build ${config.build})` : ""}</dd>
            <dt>Running for</dt>
            <dd>{uptimeText(Math.floor((ctx.clock.now() - ctx.startedAt) / 1000))}</dd>
            <dt>Governance mode</dt>
            <dd>
              {state.mode}
              {state.pinned && " (pinned by the operator's ROS_MODE setting)"}
            </dd>
          </dl>
        </section>
        <section aria-labelledby="probes-heading">
          <h2 id="probes-heading">For monitoring</h2>
          <p>
            Probes and monitors read the same checks as JSON: liveness at <code>/health</code>{" "}
            (touches no dependency) and readiness at <code>/health/ready</code>{" "}
            (503 while not ready). Their fields are in the <a href="/api/docs">API reference</a>.
          </p>
        </section>
      </>,
      { title: "Service status" },
    );
  });
  return app;
}
