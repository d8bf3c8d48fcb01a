/** The audit log (/audit), filtered by action, actor, kind of actor and target. Read only. */
import { Hono } from "hono";
import { isAuditCursor, queryAudit } from "../../lib/audit/mod.ts";
import { resolveActor } from "../../lib/audit/actor_filter.ts";
import type { RouteContext } from "../../lib/context.ts";
import { page } from "../../lib/http/access.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { AuditView } from "../../components/admin/AuditView.tsx";
import { AuditQuery } from "../api/audit.ts";

/**
 * The search's filters, each checked on its own: one that is not valid is left out (the page marks
 * its field and carries it into no link) and the others still apply. Dropping them all listed the
 * whole log under the filters typed.
 */
function validFilters(raw: Record<string, string>) {
  const all = AuditQuery.safeParse(raw);
  if (all.success) return { filter: all.data, valid: true, invalid: new Set<string>() };
  const invalid = new Set(all.error.issues.map((issue) => String(issue.path[0])));
  const kept = AuditQuery.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([key]) => !invalid.has(key))),
  );
  return { filter: kept.success ? kept.data : {}, valid: false, invalid };
}

export function auditPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;

  /** Who an audit record names: display name (or token name) and id, from the stored rows. */
  async function auditNames() {
    const [users, tokens] = await Promise.all([auth.listUsers(), auth.listTokens()]);
    return { users, tokens };
  }

  page(app, ctx.access, "GET", "/audit", { role: "STEWARD", class: "read" }, async (c) => {
    // The search's own fields only: not the consent banner's word (`?consent=granted`, said once
    // on the page returned to) nor any other parameter of the address (a pasted or mistyped one
    // could hold anything), which the paging links would otherwise carry on.
    const raw = Object.fromEntries(
      Object.entries(c.req.query()).filter(([k, v]) =>
        v !== "" && Object.hasOwn(AuditQuery.shape, k)
      ),
    );
    const names = await auditNames();
    let actorError: string | undefined;
    let actorId: string | undefined;
    if (raw.actor !== undefined) {
      const resolved = resolveActor(raw.actor, names);
      if ("id" in resolved) actorId = resolved.id;
      else actorError = resolved.error;
    }
    if (raw.cursor !== undefined && !isAuditCursor(raw.cursor)) {
      // A link to older entries that was cut short or edited: an error with the way back to the
      // newest entries of the same search, never "No matching records." (which would read as an
      // empty search). The cursor is not repeated, nor carried into another address.
      const { cursor: _, ...typed } = raw;
      if (actorId) typed.actor = actorId;
      const checked = validFilters(typed);
      return ctx.pages.render(
        c,
        <AuditView
          raw={typed}
          actorError={actorError}
          filtersValid={checked.valid}
          invalidFields={checked.invalid}
          pageData={{ records: [], nextCursor: null }}
          names={names}
          cursorInvalid
        />,
        { title: "Audit log", status: 400 },
      );
    }
    if (actorId !== undefined && actorId !== raw.actor) {
      // The id in the address instead of what was typed (an e-mail address stays out of it).
      return c.redirect(`/audit?${new URLSearchParams({ ...raw, actor: actorId })}`, 303);
    }
    const parsed = validFilters(raw);
    const filter = parsed.filter;
    const pageData = actorError
      ? { records: [], nextCursor: null }
      : await queryAudit(ctx.services.db, {
        ...filter,
        from: filter.from ? new Date(filter.from) : undefined,
        to: filter.to ? new Date(filter.to) : undefined,
      });
    return ctx.pages.render(
      c,
      <AuditView
        raw={raw}
        actorError={actorError}
        filtersValid={parsed.valid}
        invalidFields={parsed.invalid}
        pageData={pageData}
        names={names}
      />,
      { title: "Audit log" },
    );
  });
  return app;
}
