/**
 * The governance console (STEWARD+): the live panel (mode, the flags that matter to governance,
 * connection, and the recent governance log, which it refreshes when the mode changes), and what
 * each mode allows. The panel gets the `panel` view of the flags (lib/governance/state.ts): every
 * flag while there are at most 50, otherwise the governance-scope ones (at most 50) with a count
 * and a link to /flags, never every flag of a large deployment. ADMIN
 * changes the mode with a plain form post (CSRF field and a required confirmation), which also
 * works without JavaScript.
 *
 * `GET /governance` with `Accept: application/json` answers the log rows as the page shows them
 * (`{ log }`): the panel refetches them on a `governance.mode_changed` event, whose payload names
 * no actor.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { TableScroll } from "../components/TableScroll.tsx";
import { SuccessNotice } from "../components/forms.tsx";
import GovernancePanel, { type GovernanceLogRow } from "../islands/GovernancePanel.tsx";
import { actorOf } from "../lib/audit/audit.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import { MODES } from "../lib/config.ts";
import { wantsApi } from "../lib/http/problem.ts";
import type { RouteContext } from "../lib/context.ts";
import type { GovernanceLogEntry } from "../lib/governance/mod.ts";
import { governanceStateFor } from "../lib/governance/state.ts";
import { modeEffect } from "../lib/governance/wording.ts";
import { ACTIONS_BY_CLASS, modePolicyConsoleTable } from "../lib/governance/policy_table.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { Island } from "../lib/web/island.tsx";
import { firstValues, readForm } from "../lib/http/form.ts";
import { utcTime } from "../islands/shared/time.ts";

const ModeForm = z.object({
  mode: z.enum(MODES),
  confirm: z.literal("yes"),
});

function describeChange(details: Record<string, unknown>): string {
  const from = typeof details.from === "string" ? details.from : "?";
  const to = typeof details.to === "string" ? details.to : "?";
  return `${from} → ${to}${details.reason === "restore" ? " (restore from a backup)" : ""}`;
}

/** Fixed names of the log's event types; any other type is shown as stored. */
const EVENT_NAMES: Record<string, string> = {
  mode_change: "Mode",
  "analytics.phi_redacted": "PHI removed from an analytics event",
};

/** {@link modeEffect} of every mode, for the mode switch. */
function modeEffects(): Record<string, string> {
  return Object.fromEntries(MODES.map((mode) => [mode, modeEffect(mode)]));
}

/** A log entry as the console shows it (times in UTC, with the zone). */
export function logRow(entry: GovernanceLogEntry): GovernanceLogRow {
  return {
    id: entry.id,
    at: entry.createdAt,
    when: utcTime(entry.createdAt),
    change: EVENT_NAMES[entry.eventType] ?? entry.eventType,
    details: entry.eventType === "mode_change" ? describeChange(entry.details) : "",
    by: entry.actor,
  };
}

export function governancePageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { services } = ctx;

  async function render(
    c: Context<AppEnv>,
    options: { status?: number; error?: string } = {},
  ): Promise<Response> {
    const principal = c.get("principal");
    const user = principal?.kind === "user" ? principal : null;
    const isAdmin = user !== null && roleAtLeast(user.role, "ADMIN");
    const state = governanceStateFor(services, principal, "panel");
    const log = (await services.mode.recentLog(20)).map(logRow);
    const changed = c.req.query("changed");
    const table = modePolicyConsoleTable();
    return ctx.pages.render(
      c,
      <>
        <h1>Governance</h1>
        {changed && (MODES as readonly string[]).includes(changed) && (
          <SuccessNotice>
            The mode change to {changed}{" "}
            was saved. Every server of the service applies it within a second.
          </SuccessNotice>
        )}
        {options.error && <p class="notice notice--error" role="alert">{options.error}</p>}
        <Island
          component={GovernancePanel}
          props={{
            mode: state.mode,
            environment: ctx.config.appEnv,
            pinned: state.pinned,
            pinnedReason: state.pinnedReason,
            flags: state.flags,
            flagsMeta: state.flagsMeta,
            flagsListed: state.flagsListed,
            log,
            ...(isAdmin ? { csrfToken: user.csrfToken, modeEffects: modeEffects() } : {}),
            pollSeconds: 30,
          }}
        />
        {!isAdmin && (
          <p class="muted">Only an ADMIN can change the mode. Ask one if a change is needed.</p>
        )}

        <section aria-labelledby="mode-table-title">
          <h2 id="mode-table-title">What each mode allows</h2>
          <TableScroll label="What each mode allows">
            <table class="data mode-table" data-testid="mode-table">
              <thead>
                <tr>
                  {table.header.map((cell, i) =>
                    i === 0 ? <td key={i}></td> : <th scope="col" key={i}>{cell}</th>
                  )}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row) => (
                  <tr key={row[0]}>
                    <th scope="row">{row[0]}</th>
                    {row.slice(1).map((cell, i) => <td key={i}>{cell}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <h3>Governance actions</h3>
          <p>
            They work in STANDBY too, so that an administrator can contain an incident while
            everything else is paused:
          </p>
          <ul data-testid="governance-actions">
            {ACTIONS_BY_CLASS["governance-write"].map((item) => <li key={item.text}>{item.text}
            </li>)}
          </ul>
          <h3>Other changes</h3>
          <p>They are paused in STANDBY:</p>
          <ul data-testid="other-changes">
            {ACTIONS_BY_CLASS.write.map((item) => <li key={item.text}>{item.text}</li>)}
          </ul>
          <p class="muted">
            Operators can pin the mode, so that it cannot be changed here, with the{" "}
            <code>ROS_MODE</code>{" "}
            setting of the server (see the mode toggle runbook, docs/operations/MODE_TOGGLE.md).
          </p>
        </section>
      </>,
      {
        title: "Governance",
        analytics: { page: "governance", event: "governance.console_view" },
        // The same URL answers the log as JSON to the panel (Accept: application/json).
        headers: { vary: "accept" },
        ...(options.status ? { status: options.status } : {}),
      },
    );
  }

  page(app, ctx.access, "GET", "/governance", { role: "STEWARD", class: "read" }, async (c) => {
    // The same Accept rule as the refusals (wantsApi): JSON only when ranked above HTML.
    if (!wantsApi(c)) return await render(c);
    const log = (await services.mode.recentLog(20)).map(logRow);
    return c.json({ log }, 200, { "cache-control": "no-store", vary: "accept" });
  });

  page(
    app,
    ctx.access,
    "POST",
    "/governance/mode",
    { role: "ADMIN", class: "governance-write" },
    async (c) => {
      const fields = await readForm(c);
      const form = ModeForm.safeParse(
        firstValues(fields),
      );
      if (!form.success) {
        const confirmMissing = form.error.issues.some((issue) => issue.path[0] === "confirm");
        return await render(c, {
          status: 400,
          error: confirmMissing
            ? "Tick the confirmation box to change the mode."
            : "Choose one of STANDBY, DEMO or LIVE.",
        });
      }
      if (services.mode.state().pinned) {
        return await render(c, {
          status: 409,
          error: "The mode is pinned by ROS_MODE and cannot be changed here.",
        });
      }
      await services.mode.setMode(form.data.mode, actorOf(c.get("principal")), {
        requestId: c.get("requestId"),
      });
      return c.redirect(`/governance?changed=${form.data.mode}`, 303);
    },
  );
  return app;
}
