/**
 * Administration pages: accounts and sign-in locks (/admin/users), API tokens
 * (/admin/tokens) and the audit log (/audit). Plain forms; no JavaScript needed.
 */
import { Hono } from "hono";
import { queryAudit } from "../lib/audit/mod.ts";
import type { RevealOnce } from "../lib/auth/reveal_once.ts";
import { resolveActor } from "../lib/audit/actor_filter.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError } from "../lib/errors/mod.ts";
import { page } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { AuditQuery } from "./api/audit.ts";
import { ErrorNotice } from "../components/forms.tsx";
import { utcTime } from "../islands/shared/time.ts";
import { ChangeView } from "../components/admin/ChangeView.tsx";
import { FilterField } from "../components/admin/FilterField.tsx";
import { TableScroll } from "../components/admin/TableScroll.tsx";
import { tokenPageRoutes } from "./admin/tokens.tsx";
import { userPageRoutes } from "./admin/users.tsx";

/** Services of the admin pages that are not on {@link RouteContext} (createApp builds them). */
export interface AdminPageServices {
  /** A new token's secret waits here for the one GET after the create form's redirect. */
  tokenReveal: RevealOnce;
}

export function adminPageRoutes(
  ctx: RouteContext,
  { tokenReveal: reveal }: AdminPageServices,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;

  app.route("/", userPageRoutes(ctx));

  app.route("/", tokenPageRoutes(ctx, reveal));

  /** Who an audit record names: display name (or token name) and id, from the stored rows. */
  async function auditNames() {
    const [users, tokens] = await Promise.all([auth.listUsers(), auth.listTokens()]);
    return { users, tokens };
  }

  page(app, ctx.access, "GET", "/audit", { role: "STEWARD", class: "read" }, async (c) => {
    const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
    const names = await auditNames();
    let actorError: string | undefined;
    if (raw.actor !== undefined) {
      const resolved = resolveActor(raw.actor, names);
      if ("id" in resolved && resolved.id !== raw.actor) {
        // The id in the address instead of what was typed (an e-mail address stays out of it).
        return c.redirect(`/audit?${new URLSearchParams({ ...raw, actor: resolved.id })}`, 303);
      }
      if ("error" in resolved) actorError = resolved.error;
    }
    const parsed = AuditQuery.safeParse(raw);
    const filter = parsed.success ? parsed.data : {};
    const pageData = actorError
      ? { records: [], nextCursor: null }
      : await queryAudit(ctx.services.db, {
        ...filter,
        from: filter.from ? new Date(filter.from) : undefined,
        to: filter.to ? new Date(filter.to) : undefined,
      }).catch((error) => {
        if (error instanceof AppError) return { records: [], nextCursor: null };
        throw error;
      });
    const next = new URLSearchParams({ ...raw, cursor: pageData.nextCursor ?? "" });
    const userById = new Map(names.users.map((u) => [u.id, u]));
    const tokenById = new Map(names.tokens.map((t) => [t.id, t]));
    /** A user or token as the page names it: the name, then the full id (selectable). */
    const Named = ({ kind, id }: { kind: string; id: string | null }) => {
      if (!id) return <>{kind}</>;
      const user = kind === "user" ? userById.get(id) : undefined;
      const token = kind === "token" || kind === "api_token" ? tokenById.get(id) : undefined;
      const name = user?.displayName || (token ? `token “${token.name}”` : kind);
      return (
        <>
          {name} <code class="muted">{id}</code>
        </>
      );
    };
    const filteredActor = raw.actor && !actorError
      ? userById.get(raw.actor) ?? tokenById.get(raw.actor)
      : undefined;
    return ctx.pages.render(
      c,
      <>
        <h1>Audit log</h1>
        <p class="lede">
          Every state change, newest first. Entries cannot be edited or deleted. Times are UTC.
        </p>
        <ErrorNotice
          message={actorError ??
            (parsed.success ? undefined : "Some filters were not valid and were ignored.")}
        />
        <form
          method="get"
          action="/audit"
          class="panel filter-form"
          aria-label="Filter the audit log"
        >
          <FilterField label="Action (or prefix ending in .)" name="action" value={raw.action} />
          <FilterField
            label="Actor (name or id as shown below)"
            name="actor"
            value={raw.actor}
          />
          <FilterField label="Target type" name="targetType" value={raw.targetType} />
          <FilterField label="Target id" name="targetId" value={raw.targetId} />
          <button type="submit" class="button">Filter</button>
        </form>
        {filteredActor && (
          <p data-testid="actor-filter">
            Showing the actions of{" "}
            <strong>
              {"email" in filteredActor
                ? filteredActor.displayName || "an account without a name"
                : `token “${filteredActor.name}”`}
            </strong>.
          </p>
        )}
        <TableScroll label="Audit records">
          <table class="data" aria-label="Audit records">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {pageData.records.length === 0 && (
                <tr>
                  <td colSpan={5} class="muted">No matching records.</td>
                </tr>
              )}
              {pageData.records.map((record) => (
                <tr key={record.id}>
                  <td>
                    <time datetime={record.createdAt}>{utcTime(record.createdAt)}</time>
                  </td>
                  <td data-testid="audit-actor">
                    <Named kind={record.actorType} id={record.actorId} />
                  </td>
                  <td>
                    <code>{record.action}</code>
                  </td>
                  <td>
                    {record.targetType
                      ? (record.targetType === "user" || record.targetType === "api_token"
                        ? <Named kind={record.targetType} id={record.targetId} />
                        : `${record.targetType} ${record.targetId ?? ""}`)
                      : "—"}
                  </td>
                  <td>
                    <ChangeView before={record.before} after={record.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
        {pageData.nextCursor && (
          <p>
            <a class="button" href={`/audit?${next}`}>Older entries</a>
          </p>
        )}
      </>,
      { title: "Audit log" },
    );
  });
  return app;
}
