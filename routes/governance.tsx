/**
 * The governance console (STEWARD+): the live panel (mode, flags, connection),
 * what each mode allows, and the recent governance log. ADMIN changes the mode
 * with a plain form post (CSRF field and a required confirmation), which also
 * works without JavaScript.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import GovernancePanel from "../islands/GovernancePanel.tsx";
import { actorOf } from "../lib/audit/audit.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import { MODES } from "../lib/config.ts";
import type { RouteContext } from "../lib/context.ts";
import { governanceStateFor, modePolicyTable } from "../lib/governance/mod.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { Island } from "../lib/web/island.tsx";
import { firstValues, readForm } from "../lib/http/form.ts";

const ModeForm = z.object({
  mode: z.enum(MODES),
  confirm: z.literal("yes"),
});

/** Markdown-ish cell text: `code` spans become <code>. */
function Cell({ text }: { text: string }) {
  return <>{text.split("`").map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}
  </>;
}

function describeChange(details: Record<string, unknown>): string {
  const from = typeof details.from === "string" ? details.from : "?";
  const to = typeof details.to === "string" ? details.to : "?";
  return `${from} → ${to}`;
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
    const state = governanceStateFor(services, principal);
    const log = await services.mode.recentLog(20);
    const changed = c.req.query("changed");
    const table = modePolicyTable();
    return ctx.pages.render(
      c,
      <>
        <h1>Governance</h1>
        {changed && (MODES as readonly string[]).includes(changed) && (
          <p class="notice notice--ok" role="status">
            The mode change to {changed} was saved.
          </p>
        )}
        {options.error && <p class="notice notice--error" role="alert">{options.error}</p>}
        <Island
          component={GovernancePanel}
          props={{
            mode: state.mode,
            pinned: state.pinned,
            pinnedReason: state.pinnedReason,
            flags: state.flags,
            flagsMeta: state.flagsMeta,
            ...(isAdmin ? { csrfToken: user.csrfToken } : {}),
            pollSeconds: 30,
          }}
        />
        {!isAdmin && (
          <p class="muted">Only an ADMIN can change the mode. Ask one if a change is needed.</p>
        )}

        <section aria-labelledby="mode-table-title">
          <h2 id="mode-table-title">What each mode allows</h2>
          <table class="data mode-table">
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
                  <th scope="row">
                    <Cell text={row[0]!} />
                  </th>
                  {row.slice(1).map((cell, i) => (
                    <td key={i}>
                      <Cell text={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">
            Operators can pin the mode with the <code>ROS_MODE</code>{" "}
            environment variable (see the mode toggle runbook, docs/operations/MODE_TOGGLE.md).
          </p>
        </section>

        <section aria-labelledby="governance-log-title">
          <h2 id="governance-log-title">Recent governance log</h2>
          {log.length === 0
            ? <p class="muted">No governance changes yet.</p>
            : (
              <table class="data" data-testid="governance-log">
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">Change</th>
                    <th scope="col">Details</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {log.map((entry) => (
                    <tr key={entry.id}>
                      <td>
                        <time datetime={entry.createdAt}>
                          {entry.createdAt.replace("T", " ").slice(0, 19)}
                        </time>
                      </td>
                      <td>{entry.eventType === "mode_change" ? "Mode" : entry.eventType}</td>
                      <td>
                        {entry.eventType === "mode_change" ? describeChange(entry.details) : ""}
                      </td>
                      <td>{entry.actor}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
        </section>
      </>,
      {
        title: "Governance",
        analytics: { page: "governance", event: "governance.console_view" },
        ...(options.status ? { status: options.status } : {}),
      },
    );
  }

  page(app, ctx.access, "GET", "/governance", { role: "STEWARD", class: "read" }, (c) => render(c));

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
