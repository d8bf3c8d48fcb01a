/**
 * /analytics (STEWARD+): totals, events per day as a server-rendered SVG
 * chart, top events, timings, exposures, redactions and the consent rate.
 * ADMINs also get the erasure of one user's events. No script needed.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { actorOf } from "../lib/audit/mod.ts";
import { roleAtLeast, type UserPrincipal } from "../lib/auth/principal.ts";
import { barChart } from "../lib/analytics/chart.ts";
import { type DashboardData, SummaryQuery } from "../lib/analytics/mod.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError } from "../lib/errors/mod.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { formValue, readForm } from "../lib/http/form.ts";

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
const ADMIN_ERASE = { role: "ADMIN", class: "governance-write" } as const;

const EraseForm = z.object({
  csrf_token: z.string().optional(),
  email: z.string().trim().min(3).max(254),
}).strict();

const number = (n: number) => n.toLocaleString("en-US");
const percent = (part: number, whole: number) =>
  whole === 0 ? "—" : `${(Math.round((part / whole) * 1000) / 10).toFixed(1)}%`;

function DailyChart({ data }: { data: DashboardData }) {
  const chart = barChart(data.daily.map((d) => ({ label: d.key, value: d.events })));
  const first = data.daily[0]?.key ?? data.from;
  const last = data.daily[data.daily.length - 1]?.key ?? data.to;
  return (
    <figure class="chart">
      <svg
        class="chart__svg"
        viewBox={`0 0 ${chart.width} ${chart.height}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="chart-title">Events per day</title>
        <desc id="chart-desc">
          {`Bar chart of ${data.daily.length} days from ${first} to ${last}; the busiest day had ${
            number(Math.max(0, ...data.daily.map((d) => d.events)))
          } events. The same numbers are in the table below.`}
        </desc>
        {chart.ticks.map((tick) => (
          <g key={tick.y}>
            <line
              class="chart__grid"
              x1={chart.plot.left}
              x2={chart.plot.left + chart.plot.width}
              y1={tick.y}
              y2={tick.y}
            />
            <text class="chart__label" x={chart.plot.left - 6} y={tick.y + 4} text-anchor="end">
              {number(tick.value)}
            </text>
          </g>
        ))}
        {chart.bars.map((bar) => (
          <rect
            key={bar.label}
            class="chart__bar"
            x={bar.x}
            y={bar.y}
            width={bar.width}
            height={bar.height}
          >
            <title>{`${bar.label}: ${number(bar.value)} events`}</title>
          </rect>
        ))}
        <text class="chart__label" x={chart.plot.left} y={chart.height - 8}>{first}</text>
        <text
          class="chart__label"
          x={chart.plot.left + chart.plot.width}
          y={chart.height - 8}
          text-anchor="end"
        >
          {last}
        </text>
      </svg>
      <figcaption>
        <details>
          <summary>Events per day as a table</summary>
          <table class="data" aria-label="Events per day">
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Events</th>
                <th scope="col">Redacted</th>
              </tr>
            </thead>
            <tbody>
              {data.daily.map((d) => (
                <tr key={d.key}>
                  <td>{d.key}</td>
                  <td>{number(d.events)}</td>
                  <td>{number(d.redacted)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}

export function analyticsPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { analytics, consent, auth } = ctx.services;

  async function dashboardPage(
    c: Context<AppEnv>,
    options: { error?: string; notice?: string; status?: number } = {},
  ) {
    const user = c.get("principal") as UserPrincipal;
    const parsed = SummaryQuery.omit({ groupBy: true }).safeParse({
      ...(c.req.query("from") ? { from: c.req.query("from") } : {}),
      ...(c.req.query("to") ? { to: c.req.query("to") } : {}),
    });
    let error = options.error;
    let status = options.status ?? 200;
    let range: { from?: string; to?: string } = parsed.success ? parsed.data : {};
    if (!parsed.success) {
      error = "The dates were not understood; showing the last 30 days.";
      status = 400;
    }
    let data: DashboardData;
    try {
      data = await analytics.dashboard(range);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "VALIDATION_FAILED") throw e;
      error = `${e.message}; showing the last 30 days.`;
      status = 400;
      range = {};
      data = await analytics.dashboard(range);
    }
    const stats = await consent.stats();
    const isAdmin = roleAtLeast(user.role, "ADMIN");
    return ctx.pages.render(
      c,
      <>
        <h1>Product analytics</h1>
        <p class="lede">
          Consented usage events only, never PHI. Days are UTC; counts come from daily roll-ups.
        </p>
        {options.notice && <p class="notice notice--ok" role="status">{options.notice}</p>}
        {error && <p class="notice notice--error" role="alert">{error}</p>}
        <form method="get" action="/analytics" class="filter-form">
          <label>
            From <input type="date" name="from" value={data.from} />
          </label>
          <label>
            To <input type="date" name="to" value={data.to} />
          </label>
          <button type="submit" class="button">Show</button>
        </form>

        <section class="cards" aria-label="Totals">
          <article class="card stat">
            <h2>Events</h2>
            <p class="stat__value" data-testid="total-events">{number(data.totals.events)}</p>
          </article>
          <article class="card stat">
            <h2>Users</h2>
            <p class="stat__value">{number(data.totals.distinctUsers)}</p>
          </article>
          <article class="card stat">
            <h2>Redacted</h2>
            <p class="stat__value" data-testid="total-redacted">{number(data.totals.redacted)}</p>
            <p class="muted">PHI found: stored as {"{ phi_redacted: true }"}</p>
          </article>
          <article class="card stat">
            <h2>Consent rate</h2>
            <p class="stat__value">{percent(stats.granted, stats.activeUsers)}</p>
            <p class="muted">
              {number(stats.granted)} of {number(stats.activeUsers)} active accounts allow;{" "}
              {number(stats.declined)} declined, {number(stats.revoked)} withdrew
            </p>
          </article>
        </section>

        <h2>Events per day</h2>
        <DailyChart data={data} />

        <h2>Top events</h2>
        {data.byEvent.length === 0
          ? <p class="muted">No events in this range.</p>
          : (
            <table class="data" aria-label="Top events">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Count</th>
                  <th scope="col">Share</th>
                  <th scope="col">Redacted</th>
                </tr>
              </thead>
              <tbody>
                {data.byEvent.slice(0, 20).map((row) => (
                  <tr key={row.key}>
                    <td>
                      <code>{row.key}</code>
                    </td>
                    <td>{number(row.events)}</td>
                    <td>{percent(row.events, data.totals.events)}</td>
                    <td>{number(row.redacted)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

        {data.timings.length > 0 && (
          <>
            <h2>Timings</h2>
            <table class="data" aria-label="Timings">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Property</th>
                  <th scope="col">Samples</th>
                  <th scope="col">p50 (ms)</th>
                  <th scope="col">p95 (ms)</th>
                </tr>
              </thead>
              <tbody>
                {data.timings.map((t) => (
                  <tr key={`${t.eventName}:${t.property}`}>
                    <td>
                      <code>{t.eventName}</code>
                    </td>
                    <td>
                      <code>{t.property}</code>
                    </td>
                    <td>{number(t.samples)}</td>
                    <td>{t.p50 === null ? "—" : number(t.p50)}</td>
                    <td>{t.p95 === null ? "—" : number(t.p95)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}

        {data.exposures.length > 0 && (
          <>
            <h2>Experiment exposures</h2>
            <table class="data" aria-label="Experiment exposures">
              <thead>
                <tr>
                  <th scope="col">Experiment</th>
                  <th scope="col">Variant</th>
                  <th scope="col">Exposures</th>
                </tr>
              </thead>
              <tbody>
                {data.exposures.map((x) => (
                  <tr key={`${x.experimentKey}:${x.variant}`}>
                    <td>
                      <code>{x.experimentKey}</code>
                    </td>
                    <td>{x.variant}</td>
                    <td>{number(x.exposures)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}

        {isAdmin && (
          <section class="panel" aria-labelledby="erase-heading">
            <h2 id="erase-heading">Delete a user's analytics events</h2>
            <p>
              Deletes every usage event recorded for one account and takes them out of the totals.
              The deletion is audited.
            </p>
            <form method="post" action="/analytics/erase" class="form-card">
              <input type="hidden" name="csrf_token" value={user.csrfToken} />
              <label>
                Account email
                <input type="email" name="email" required maxLength={254} autocomplete="off" />
              </label>
              <button type="submit" class="button button--danger">Delete events</button>
            </form>
          </section>
        )}
      </>,
      { title: "Analytics", status },
    );
  }

  page(app, ctx.access, "GET", "/analytics", STEWARD_READ, (c) => {
    const erased = c.req.query("erased");
    if (erased && /^\d{1,12}$/.test(erased)) {
      const n = Number(erased);
      return dashboardPage(c, {
        notice: `${number(n)} event${n === 1 ? " was" : "s were"} deleted for that account.`,
      });
    }
    return dashboardPage(c);
  });

  page(app, ctx.access, "POST", "/analytics/erase", ADMIN_ERASE, async (c) => {
    const form = await readForm(c);
    const parsed = EraseForm.safeParse({ email: formValue(form, "email") });
    if (!parsed.success) {
      return await dashboardPage(c, { error: "Enter the email of an account.", status: 400 });
    }
    const target = await auth.findUserByEmail(parsed.data.email.toLowerCase());
    if (!target) {
      return await dashboardPage(c, { error: "There is no account with that email.", status: 404 });
    }
    const deleted = await analytics.eraseUser(
      target.id,
      actorOf(c.get("principal")),
      c.get("requestId"),
    );
    return c.redirect(`/analytics?erased=${deleted}`, 303);
  });

  return app;
}
