/**
 * /analytics (STEWARD+): totals, events per day as a server-rendered SVG
 * chart, top events, timings, exposures, redactions and the consent rate.
 * ADMINs also get the erasure of one user's events, in two steps: the e-mail address finds the
 * account, then a confirmation names it before anything is deleted. No script needed.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { actorOf } from "../lib/audit/mod.ts";
import type { User } from "../lib/auth/mod.ts";
import { roleAtLeast, type UserPrincipal } from "../lib/auth/principal.ts";
import { barChart } from "../lib/analytics/chart.ts";
import { type DashboardData, MAX_RANGE_DAYS, SummaryQuery } from "../lib/analytics/mod.ts";
import type { RecentErasures } from "../lib/analytics/recent_erasure.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError } from "../lib/errors/mod.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { formValue, readForm } from "../lib/http/form.ts";
import {
  ErrorSummary,
  FieldError,
  fieldErrorAttrs,
  type FormError,
  SuccessNotice,
} from "../components/forms.tsx";
import { TableScroll } from "../components/TableScroll.tsx";

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
const ADMIN_ERASE = { role: "ADMIN", class: "governance-write" } as const;

/** Step one: which account (by e-mail). Step two: that account's id, confirmed. */
const FindAccountForm = z.object({ email: z.string().trim().min(3).max(254) }).strict();
const ConfirmEraseForm = z.object({ user_id: z.uuid(), confirm: z.literal("yes") }).strict();

/** The id of the erase form's email field. */
const ERASE_EMAIL = "erase-email";
/** The ids of the range's From and To fields; a refused range's message sits beside From. */
const RANGE_FROM = "range-from";
const RANGE_TO = "range-to";

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
          <TableScroll label="Events per day">
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
          </TableScroll>
        </details>
      </figcaption>
    </figure>
  );
}

/** Services of the analytics pages that are not on {@link RouteContext} (createApp builds them). */
export interface AnalyticsPageServices {
  /** The caller's own recent erasure, read back from the audit log for the notice. */
  erasures: RecentErasures;
}

export function analyticsPageRoutes(
  ctx: RouteContext,
  { erasures }: AnalyticsPageServices,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { analytics, consent, auth } = ctx.services;

  async function dashboardPage(
    c: Context<AppEnv>,
    options: {
      error?: string;
      /**
       * The erase form's message about its email field (empty, or no such account), shown in a
       * summary at the top of that form, focused on load; `email` is what was typed.
       */
      eraseError?: { message: string; email: string };
      notice?: string;
      status?: number;
      /** The account found by step one of the erasure, awaiting confirmation. */
      confirmErase?: User;
    } = {},
  ) {
    const user = c.get("principal") as UserPrincipal;
    const parsed = SummaryQuery.omit({ groupBy: true }).safeParse({
      ...(c.req.query("from") ? { from: c.req.query("from") } : {}),
      ...(c.req.query("to") ? { to: c.req.query("to") } : {}),
    });
    const error = options.error;
    let status = options.status ?? 200;
    let range: { from?: string; to?: string } = parsed.success ? parsed.data : {};
    // A refused range: its rule, beside the From field, both dates marked (one message for both).
    const rangeError = (message: string): FormError[] => [
      { message, field: RANGE_FROM, also: [RANGE_TO] },
    ];
    let rangeErrors: FormError[] = [];
    if (!parsed.success) {
      rangeErrors = rangeError("Enter each date as year-month-day, such as 2026-01-31.");
      status = 400;
    }
    // What the inputs show after a refused range: the dates typed, so they can be corrected.
    let typed: { from?: string; to?: string } = {};
    let data: DashboardData;
    try {
      data = await analytics.dashboard(range);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "VALIDATION_FAILED") throw e;
      // The service words it for the API ("The range is invalid"); the page names the rule.
      // ISO dates (YYYY-MM-DD) compare as text.
      const reversed = range.from !== undefined && range.to !== undefined && range.from > range.to;
      rangeErrors = rangeError(
        reversed
          ? "From must be on or before To."
          : `The range may cover at most ${MAX_RANGE_DAYS} days, From and To included.`,
      );
      status = 400;
      typed = range;
      range = {};
      data = await analytics.dashboard(range);
    }
    const stats = await consent.stats();
    const isAdmin = roleAtLeast(user.role, "ADMIN");
    const eraseErrors: FormError[] = options.eraseError
      ? [{ message: options.eraseError.message, field: ERASE_EMAIL }]
      : [];
    return ctx.pages.render(
      c,
      <>
        <h1>Product analytics</h1>
        <p class="lede">
          Usage events from people who allowed them, never PHI. Days run midnight to midnight UTC;
          the counts are kept per day and include every event accepted so far.
        </p>
        {options.notice && <SuccessNotice>{options.notice}</SuccessNotice>}
        {error && <p class="notice notice--error" role="alert">{error}</p>}
        <ErrorSummary
          errors={rangeErrors}
          title="The range was not used; showing the last 30 days:"
        />
        <form method="get" action="/analytics" class="filter-form">
          <label>
            From{" "}
            <input
              type="date"
              id={RANGE_FROM}
              name="from"
              value={typed.from ?? data.from}
              {...fieldErrorAttrs(rangeErrors, RANGE_FROM)}
            />
          </label>
          <FieldError errors={rangeErrors} field={RANGE_FROM} />
          <label>
            To{" "}
            <input
              type="date"
              id={RANGE_TO}
              name="to"
              value={typed.to ?? data.to}
              {...fieldErrorAttrs(rangeErrors, RANGE_TO)}
            />
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
            <p class="muted">
              Events whose details looked like PHI: kept as a count, their details thrown away
            </p>
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
            <TableScroll label="Top events">
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
            </TableScroll>
          )}

        {data.timings.length > 0 && (
          <>
            <h2>Timings</h2>
            <TableScroll label="Timings">
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
            </TableScroll>
          </>
        )}

        {data.exposures.length > 0 && (
          <>
            <h2>Experiment exposures</h2>
            <p class="muted">
              Each person is counted once, in the variant they were first shown. When a variant is
              switched off or removed, the people in it are moved to another variant on their next
              visit: those moves are counted under Moved in, not as new exposures.
            </p>
            <TableScroll label="Experiment exposures">
              <table class="data" aria-label="Experiment exposures">
                <thead>
                  <tr>
                    <th scope="col">Experiment</th>
                    <th scope="col">Variant</th>
                    <th scope="col">Exposures</th>
                    <th scope="col">Moved in</th>
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
                      <td>{number(x.movedIn)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </>
        )}

        {isAdmin && options.confirmErase && (
          <section
            class="panel notice--warn"
            aria-labelledby="erase-confirm-heading"
            data-testid="erase-confirm"
          >
            {/* Focused on arrival: this answer sits below the dashboard. */}
            <h2 id="erase-confirm-heading" tabindex={-1} autofocus>
              Delete the analytics events of <bdi>{nameFor(options.confirmErase, true)}</bdi>?
            </h2>
            <p>
              Every usage event recorded for <bdi>{nameFor(options.confirmErase, true)}</bdi>
              {options.confirmErase.displayName ? ` (${options.confirmErase.email})` : ""}{" "}
              is deleted and taken out of the totals. <strong>This cannot be undone.</strong>{" "}
              The deletion is recorded in the audit log, by account id.
            </p>
            <form method="post" action="/analytics/erase" class="inline-form">
              <input type="hidden" name="csrf_token" value={user.csrfToken} />
              <input type="hidden" name="user_id" value={options.confirmErase.id} />
              <input type="hidden" name="confirm" value="yes" />
              <button type="submit" class="button button--danger">
                Delete the events of <bdi>{nameFor(options.confirmErase, true)}</bdi>
              </button>{" "}
              <a class="button" href="/analytics">Cancel</a>
            </form>
          </section>
        )}
        {isAdmin && (
          <section class="panel" aria-labelledby="erase-heading">
            <h2 id="erase-heading">Delete a user's analytics events</h2>
            <p>
              Deletes every usage event recorded for one account and takes them out of the totals.
              You confirm on the next step, which names the account. The deletion is audited.
            </p>
            <form method="post" action="/analytics/erase" class="form-card">
              <ErrorSummary errors={eraseErrors} title="No events were deleted:" />
              <input type="hidden" name="csrf_token" value={user.csrfToken} />
              <label>
                Account email
                <input
                  type="email"
                  id={ERASE_EMAIL}
                  name="email"
                  required
                  maxLength={254}
                  autocomplete="off"
                  value={options.eraseError?.email ?? ""}
                  {...fieldErrorAttrs(eraseErrors, ERASE_EMAIL)}
                />
              </label>
              <FieldError errors={eraseErrors} field={ERASE_EMAIL} />
              <button type="submit" class="button">Delete events…</button>
            </form>
          </section>
        )}
      </>,
      { title: "Analytics", status },
    );
  }

  /** An account as the notices name it: its display name; its e-mail only for ADMINs. */
  function nameFor(account: User, admin: boolean): string {
    return account.displayName || (admin ? account.email : "that account");
  }

  page(app, ctx.access, "GET", "/analytics", STEWARD_READ, async (c) => {
    const erased = c.req.query("erased");
    if (erased !== undefined) {
      // The notice is told by the audit log, not by the URL: the caller's own erasure of this
      // account in the last 10 minutes, with the count it recorded. A crafted link
      // (?erased=3&user=<a colleague's id>) shows nothing.
      const principal = c.get("principal") as UserPrincipal;
      const id = c.req.query("user") ?? "";
      // The audit not answering shows the dashboard without the notice.
      const n = id
        ? await erasures.recentErasureBy(principal.id, id, 10 * 60_000).catch(() => undefined)
        : undefined;
      if (n === undefined) return await dashboardPage(c);
      // The URL holds the account's id, never its e-mail; the name is read back from the database.
      const account = (await auth.listUsers()).find((u) => u.id === id);
      const admin = roleAtLeast(principal.role, "ADMIN");
      // First-strong isolates (the text form of <bdi>): a name's direction characters stay in it.
      const whose = account ? `of \u2068${nameFor(account, admin)}\u2069 ` : "";
      return await dashboardPage(c, {
        notice: `${number(n)} analytics event${n === 1 ? "" : "s"} ${whose}${
          n === 1 ? "was" : "were"
        } deleted and taken out of the totals.`,
      });
    }
    return await dashboardPage(c);
  });

  page(app, ctx.access, "POST", "/analytics/erase", ADMIN_ERASE, async (c) => {
    const form = await readForm(c);
    const confirmed = ConfirmEraseForm.safeParse({
      ...(formValue(form, "user_id") !== undefined ? { user_id: formValue(form, "user_id") } : {}),
      ...(formValue(form, "confirm") !== undefined ? { confirm: formValue(form, "confirm") } : {}),
    });
    if (confirmed.success) {
      const deleted = await analytics.eraseUser(
        confirmed.data.user_id,
        actorOf(c.get("principal")),
        c.get("requestId"),
      ).catch((error) => {
        if (error instanceof AppError && error.code === "NOT_FOUND") return null;
        throw error;
      });
      if (deleted === null) {
        return await dashboardPage(c, { error: "That account no longer exists.", status: 404 });
      }
      return c.redirect(`/analytics?erased=${deleted}&user=${confirmed.data.user_id}`, 303);
    }
    const typed = (formValue(form, "email") ?? "").trim().slice(0, 254);
    const parsed = FindAccountForm.safeParse({ email: formValue(form, "email") });
    if (!parsed.success) {
      return await dashboardPage(c, {
        eraseError: { message: "Enter the email of an account.", email: typed },
        status: 400,
      });
    }
    const target = await auth.findUserByEmail(parsed.data.email.toLowerCase());
    if (!target) {
      return await dashboardPage(c, {
        eraseError: { message: "There is no account with that email.", email: typed },
        status: 404,
      });
    }
    // Nothing is deleted yet: the page asks to confirm, naming the account.
    return await dashboardPage(c, { confirmErase: target });
  });

  return app;
}
